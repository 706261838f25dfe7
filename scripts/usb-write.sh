#!/usr/bin/env bash
# Writes a cetbed ISO raw to a whole USB stick (make usb DEV=/dev/sdX),
# after refusing every device that could be the wrong disk.
#
# usage: scripts/usb-write.sh DEVICE [ISO]      (ISO: build/cetbed.iso)
#
#   FORCE=1    allow a device larger than 64 GiB
#   CONFIRM=1  write without asking; required when stdin is not a terminal
#   DRY_RUN=1  run every check, then stop before writing (for tests)
#
# Refused: anything that is not a block device, a partition or other
# non-disk device, a device holding the root, /boot or /boot/efi file
# system (through LVM, dm-crypt or RAID too), a device with anything
# mounted or used as swap, a device smaller than the image, and one larger
# than 64 GiB without FORCE=1.  Exit status: 0 written, 1 refused or
# failed, 2 usage.
set -euo pipefail
export LC_ALL=C

prog=usb-write
limit_gib=64

refuse() {
	printf '%s: refusing %s: %s\n' "$prog" "$dev" "$*" >&2
	exit 1
}

if [[ $# -lt 1 || $# -gt 2 || -z $1 ]]; then
	printf 'usage: %s DEVICE [ISO]   (e.g. make usb DEV=/dev/sdb)\n' "$prog" >&2
	exit 2
fi
dev=$1
iso=${2:-build/cetbed.iso}

if [[ ! -f $iso ]]; then
	printf '%s: no image %s: build it with make\n' "$prog" "$iso" >&2
	exit 1
fi
for tool in lsblk findmnt dd; do
	command -v "$tool" >/dev/null || {
		printf '%s: %s not found (package util-linux or coreutils)\n' "$prog" "$tool" >&2
		exit 1
	}
done

[[ -e $dev ]] || refuse "it does not exist"
[[ -b $dev ]] || refuse "not a block device (give the whole stick, e.g. /dev/sdb)"
real=$(readlink -f -- "$dev")
# By device number, so that any alias (/dev/disk/by-id/..., a node made
# with mknod) is judged as the device it is.
majmin=$((0x$(stat -Lc %t -- "$real"))):$((0x$(stat -Lc %T -- "$real")))
sys=$(readlink -f "/sys/dev/block/$majmin")
[[ -d $sys && -e $sys/size ]] || refuse "no /sys/dev/block/$majmin: not a block device the kernel lists"
if [[ -e $sys/partition ]]; then
	parent=$(basename "$(dirname "$sys")")
	refuse "it is a partition; give the whole device (/dev/$parent)"
fi
type=$(lsblk -ndo TYPE -- "$real")
case $type in
disk | loop) ;;
*) refuse "it is a '$type' device, not a whole disk" ;;
esac

# The root and boot file systems, followed down through device mapper and
# RAID to the disks under them (lsblk -s lists a device and its ancestors).
for fs in / /boot /boot/efi; do
	src=$(findmnt -no SOURCE --target "$fs" 2>/dev/null | head -n1 || true)
	src=${src%%\[*} # btrfs subvolumes: /dev/sda2[/@]
	[[ -b $src ]] || continue
	if lsblk -nsro MAJ:MIN -- "$src" | tr -d ' ' | grep -qx -- "$majmin"; then
		refuse "it holds the file system mounted at $(findmnt -no TARGET --target "$fs" | head -n1) ($src)"
	fi
done

# Anything on it in use: the disk, a partition, or a mapping on top of one,
# mounted (by path, or by device number where the mount names another node)
# or used as swap.
mounts=$(findmnt -rnuo MAJ:MIN,TARGET 2>/dev/null || true)
while read -r node nmm; do
	[[ -n $node ]] || continue
	where=$(findmnt -rno TARGET --source "$node" 2>/dev/null | head -n1 || true)
	[[ -n $where ]] || where=$(awk -v m="$nmm" '$1 == m { print $2; exit }' <<<"$mounts")
	[[ -z $where ]] || refuse "$node is mounted at $where; unmount it first"
	if awk 'NR > 1 { print $1 }' /proc/swaps | grep -qx -- "$node"; then
		refuse "$node is in use as swap"
	fi
done < <(lsblk -nrpo NAME,MAJ:MIN -- "$real")

bytes=$(($(cat "$sys/size") * 512))
iso_bytes=$(stat -c %s -- "$iso")
gib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1073741824 }')
model=$(lsblk -ndo VENDOR,MODEL -- "$real" | tr -s ' ' | sed 's/^ //; s/ $//')
tran=$(lsblk -ndo TRAN -- "$real" | tr -d ' ')
what="$real: ${model:-unknown model}${tran:+ ($tran)}, $gib GiB"
printf '%s: %s\n' "$prog" "$what"

((bytes >= iso_bytes)) || refuse "$gib GiB is smaller than the image ($iso_bytes bytes)"
if ((bytes > limit_gib << 30)) && [[ ${FORCE-} != 1 ]]; then
	refuse "$gib GiB is larger than $limit_gib GiB, unusual for a USB stick; set FORCE=1 if it really is the stick"
fi
if [[ ${CONFIRM-} != 1 ]]; then
	[[ -t 0 ]] || refuse "stdin is not a terminal, so nobody can confirm: set CONFIRM=1 to write without asking"
	printf 'Everything on %s will be overwritten with %s.\nType yes to go on: ' "$what" "$iso"
	read -r answer || answer=
	[[ $answer == yes ]] || {
		printf '%s: not confirmed; nothing written\n' "$prog" >&2
		exit 1
	}
fi
if [[ ${DRY_RUN-} == 1 ]]; then
	printf '%s: DRY_RUN=1: would write %s to %s\n' "$prog" "$iso" "$real"
	exit 0
fi

dd if="$iso" of="$real" bs=4M conv=fsync status=none
sync
printf '%s: wrote %s (%s bytes) to %s; it can be removed\n' "$prog" "$iso" "$iso_bytes" "$real"
