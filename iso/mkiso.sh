#!/usr/bin/env bash
# Builds a small hybrid boot ISO for one multiboot2 kernel: BIOS from CD or
# disk (El Torito + hybrid MBR) and UEFI from CD or disk (FAT image + GPT).
#
# usage: iso/mkiso.sh KERNEL_ELF OUT_ISO [CMDLINE [MODULE ARGS]...]
#
# Each MODULE file is loaded by GRUB as a multiboot2 module whose command
# line is "-- ARGS" (the kernel reads what follows "--"); the Linux
# personality runs it once per ';'-separated group of ARGS.
#
# CMDLINE is split at whitespace into words; the kernel receives the words
# joined by single spaces, without the kernel path, on both boot paths.
# Quotes and backslashes are refused because GRUB would hand them to the
# kernel backslash-escaped. SOURCE_DATE_EPOCH, if set, dates the files.
set -euo pipefail
export LC_ALL=C

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

if [[ $# -lt 2 || ($# -gt 3 && $(($# % 2)) -eq 0) ]]; then
	printf 'usage: %s KERNEL_ELF OUT_ISO [CMDLINE [MODULE ARGS]...]\n' "$prog" >&2
	exit 2
fi
kernel=$1
out=$2
cmdline=${3-}
modules=("${@:4}")

grub_lib=${GRUB_LIB:-/usr/lib/grub}
bios_dir=$grub_lib/i386-pc
efi_dir=$grub_lib/x86_64-efi

# Checked up front: a missing platform must stop the build, never yield an
# ISO that quietly boots on only one kind of firmware.
missing=()
for tool in grub-mkimage xorriso mformat mmd mcopy; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
((${#missing[@]} == 0)) ||
	die "missing tools: ${missing[*]} (install with: scripts/deps.sh build)"
for f in boot_hybrid.img cdboot.img kernel.img moddep.lst; do
	[[ -f $bios_dir/$f ]] ||
		die "BIOS GRUB platform missing: no $bios_dir/$f (package grub-pc-bin)"
done
for f in kernel.img moddep.lst; do
	[[ -f $efi_dir/$f ]] ||
		die "UEFI GRUB platform missing: no $efi_dir/$f (package grub-efi-amd64-bin)"
done

[[ -f $kernel && -r $kernel ]] || die "kernel not found or unreadable: $kernel"
[[ $(head -c 4 -- "$kernel" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] ||
	die "not an ELF file: $kernel"
out_dir=$(dirname -- "$out")
[[ -d $out_dir ]] || die "output directory does not exist: $out_dir"

if [[ $cmdline == *[\'\"\\]* ]]; then
	die "CMDLINE must not contain quotes or backslashes: $cmdline"
fi
if [[ $cmdline =~ [^$'\t'\ -~] ]]; then
	die "CMDLINE must be printable ASCII on one line (tabs count as spaces): $cmdline"
fi
# One single-quoted GRUB word per argument: no globbing, no $ expansion,
# and GRUB joins the words back with single spaces.
grub_words() {
	local -a words
	local w out=
	read -ra words <<<"$1"
	for w in ${words[@]+"${words[@]}"}; do
		out+=" '$w'"
	done
	printf '%s' "$out"
}
grub_args=$(grub_words "$cmdline")
module_lines=()
for ((i = 0; i < ${#modules[@]}; i += 2)); do
	m=${modules[i]} margs=${modules[i + 1]}
	[[ -f $m && -r $m ]] || die "module not found or unreadable: $m"
	[[ $margs != *[\'\"\\]* && ! $margs =~ [^$'\t'\ -~] ]] ||
		die "module arguments must be printable ASCII without quotes or backslashes: $margs"
	module_lines+=("module2 /boot/m$((i / 2)) '--'$(grub_words "$margs")")
done

# Fixed timestamps make the image a function of its inputs only.
epoch=${SOURCE_DATE_EPOCH:-1700000000}
[[ $epoch =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH is not a number: $epoch"
export SOURCE_DATE_EPOCH=$epoch TZ=UTC

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cetbed-iso.XXXXXX")
partial=$out.partial.$$
trap 'rm -rf -- "$tmp" "$partial"' EXIT
log=$tmp/log
# Tools stay quiet on success and show everything they said on failure.
run() {
	"$@" >"$log" 2>&1 || {
		cat "$log" >&2
		die "failed: $*"
	}
}

# GRUB's dependency list (moddep.lst) closed over the named modules.
mod_closure() {
	local dir=$1 m dep
	local -a todo=("${@:2}")
	local -A seen=()
	while ((${#todo[@]})); do
		m=${todo[0]}
		todo=("${todo[@]:1}")
		[[ -n ${seen[$m]-} ]] && continue
		[[ -f $dir/$m.mod ]] || die "GRUB module $m not found in $dir"
		seen[$m]=1
		# shellcheck disable=SC2013 # moddep.lst lists names, split at spaces
		for dep in $(awk -F: -v m="$m" '$1 == m { print $2 }' "$dir/moddep.lst"); do
			todo+=("$dep")
		done
	done
	printf '%s\n' "${!seen[@]}" | sort
}

root=$tmp/root
mkdir -p "$root/boot/grub/i386-pc"
cp -- "$kernel" "$root/boot/kernel.elf"
for ((i = 0; i < ${#modules[@]}; i += 2)); do
	cp -- "${modules[i]}" "$root/boot/m$((i / 2))"
done

# Both GRUBs run an embedded config through the rescue parser: no menu, no
# timeout, no normal mode, no search. Under UEFI, root is the device GRUB
# was loaded from: the ESP (the FAT image) when the ISO is a disk, but the
# whole CD (ISO 9660) under El Torito, so the kernel goes into both.
# Lines after "boot" run only when it failed: GRUB's error stays readable
# for 10 s, then the machine powers off instead of waiting at a prompt.
load_line="multiboot2 /boot/kernel.elf$grub_args"
fail_lines=('sleep 10' halt)
printf '%s\n' "$load_line" ${module_lines[@]+"${module_lines[@]}"} boot "${fail_lines[@]}" \
	>"$tmp/efi.cfg"
# BIOS GRUB writes only to the screen unless told otherwise; the "dumb"
# terminal type keeps escape sequences out of the serial log.
# The kernel asks for a framebuffer (UEFI has no text mode), and the
# multiboot2 command turns that into gfxpayload=auto. Under BIOS, setting
# gfxpayload=text after it keeps VGA text mode instead of a VBE mode, which
# the Bochs terminal display cannot show and which costs emulated time.
printf '%s\n' 'insmod serial' 'insmod terminal' \
	'serial --unit=0 --speed=115200' 'terminfo serial dumb' \
	'terminal_output --append serial' 'insmod multiboot2' \
	"$load_line" ${module_lines[@]+"${module_lines[@]}"} 'set gfxpayload=text' boot \
	'insmod sleep' 'insmod halt' "${fail_lines[@]}" \
	>"$tmp/bios.cfg"

# The BIOS core is LZMA-compressed and GRUB's real-mode decoder costs ~180
# emulated instructions per byte, while multiboot2 drags in ~300 KiB of
# dependencies (normal, net, ...). So the core holds only what reads the
# medium (biosdisk serves El Torito and the hybrid MBR alike, iso9660 reads
# the ISO as a CD or as a whole disk) and insmod reads the rest from it
# uncompressed: 53M -> 21M instructions from firmware to kernel in Bochs.
core_mods=(biosdisk iso9660)
core_all=" $(mod_closure "$bios_dir" "${core_mods[@]}" | tr '\n' ' ')"
for m in $(mod_closure "$bios_dir" multiboot2 serial terminal sleep halt); do
	[[ $core_all == *" $m "* ]] || cp "$bios_dir/$m.mod" "$root/boot/grub/i386-pc/"
done
run grub-mkimage -O i386-pc-eltorito -d "$bios_dir" -p /boot/grub \
	-c "$tmp/bios.cfg" -o "$root/boot/bios.img" "${core_mods[@]}"

# Firmware loads the EFI image whole and uncompressed, so everything is
# embedded. part_gpt/part_msdos/fat read the ESP of the hybrid disk; the
# video modules let GRUB hand a GOP framebuffer to a kernel that asks for
# one with the multiboot2 framebuffer tag. The EFI console already reaches
# the serial port where firmware redirects it (OVMF does).
run grub-mkimage -O x86_64-efi -d "$efi_dir" -p /boot/grub \
	-c "$tmp/efi.cfg" -o "$tmp/BOOTX64.EFI" \
	part_gpt part_msdos fat iso9660 multiboot2 efi_gop efi_uga video_fb \
	sleep halt

# FAT contents plus 256 KiB for tables and directories, in whole 64 KiB.
find "$tmp" -exec touch -h -d "@$epoch" {} +
efi_img=$root/boot/efi.img
bytes=$(($(stat -c %s "$tmp/BOOTX64.EFI") + $(stat -c %s "$kernel")))
for ((i = 0; i < ${#modules[@]}; i += 2)); do
	bytes=$((bytes + $(stat -c %s "${modules[i]}") + 4096))
done
kib=$(((bytes / 1024 + 256 + 63) / 64 * 64))
run mformat -i "$efi_img" -C -T $((kib * 2)) -h 2 -s 32 -N 0cedbed0 -v CETBED_EFI ::
run mmd -i "$efi_img" ::/EFI ::/EFI/BOOT ::/boot
run mcopy -m -i "$efi_img" "$tmp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
run mcopy -m -i "$efi_img" "$root/boot/kernel.elf" ::/boot/kernel.elf
for ((i = 0; i < ${#modules[@]}; i += 2)); do
	run mcopy -m -i "$efi_img" "$root/boot/m$((i / 2))" "::/boot/m$((i / 2))"
done

# As a disk: the MBR code loads the El Torito BIOS image as its core
# (--grub2-boot-info records where it is), and a protective MBR plus GPT
# expose the FAT image as the EFI System Partition. (-isohybrid-gpt-basdat
# writes no partition table at all next to --grub2-mbr.)
find "$root" -exec touch -h -d "@$epoch" {} +
run xorriso -as mkisofs -o "$partial" -r -V CETBED \
	--set_all_file_dates set_to_mtime \
	-b boot/bios.img -no-emul-boot -boot-load-size 4 -boot-info-table \
	--grub2-boot-info --grub2-mbr "$bios_dir/boot_hybrid.img" \
	-eltorito-alt-boot -e boot/efi.img -no-emul-boot \
	-efi-boot-part --efi-boot-image --protective-msdos-label \
	"$root"
mv -f -- "$partial" "$out"
