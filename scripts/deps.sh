#!/usr/bin/env bash
# Makes sure the Debian packages for the named tasks are installed, so a
# fresh clone on a fresh Debian 12 machine can build and run everything.
#
# usage: scripts/deps.sh GROUP...
#   build   kernel and ISO toolchain
#   qemu    QEMU with SeaBIOS
#   uefi    OVMF firmware for QEMU
#   bochs   Bochs 2.7 with the terminal display
#   bochs3  Bochs 3.0 in a Debian 13 root (BOCHS3_ROOT, default build/bochs3-root)
#   qr      QR code reader
#   report  headless Chromium, to render the conformance report
#   lava    LAVA's job schema (lava-common), to validate the job files
#   lava-run  the LAVA dispatcher, to run the QEMU job here (make lava-run)
#   parsers prove (perl); the KUnit parser comes from linux-source-6.12
#
# Exit status: 0 all present, 1 installation failed, 2 packages missing and
# not root (the command to run is printed), 64 usage error.
set -euo pipefail
export LC_ALL=C

prog=${0##*/}
scripts=$(cd -- "$(dirname -- "$0")" && pwd)
top=$(dirname -- "$scripts")

usage() {
	printf 'usage: %s GROUP...\n' "$prog" >&2
	sed -n 's/^#   /  /p' "$0" >&2
	exit 64
}

group_packages() {
	case $1 in
	build) echo gcc make nasm binutils python3 xorriso mtools grub-pc-bin \
		grub-efi-amd64-bin grub-common ;;
	qemu) echo qemu-system-x86 ;;
	uefi) echo ovmf ;;
	bochs) echo bochs bochs-term bochsbios vgabios ;;
	bochs3) echo debootstrap ;;
	qr) echo zbar-tools ;;
	report) echo chromium ;;
	lava) echo lava-common python3-yaml ;;
	lava-run) echo lava-dispatcher ;;
	parsers) echo perl dpkg xz-utils ;;
	*) return 1 ;;
	esac
}

(($# > 0)) || usage
wanted=()
want_bochs3_root=0
for g in "$@"; do
	pkgs=$(group_packages "$g") || {
		printf '%s: unknown group: %s\n' "$prog" "$g" >&2
		usage
	}
	read -ra list <<<"$pkgs"
	wanted+=("${list[@]}")
	[[ $g == bochs3 ]] && want_bochs3_root=1
done

# dpkg-query is there on every Debian system, before apt has any lists.
missing_packages() {
	local p
	for p in "${wanted[@]}"; do
		[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] ||
			echo "$p"
	done | sort -u | tr '\n' ' '
}

read -ra missing <<<"$(missing_packages)"
if ((${#missing[@]})); then
	if ((EUID != 0)); then
		{
			printf '%s: missing packages: %s\n' "$prog" "${missing[*]}"
			printf 'install them with:\n'
			printf '  sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}"
			printf '(on a fresh machine run "sudo apt-get update" first)\n'
		} >&2
		exit 2
	fi
	printf '%s: installing: %s\n' "$prog" "${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine has no package lists, a stale one outdated ones; the
	# lock timeout rides out a concurrent apt run instead of failing.
	apt_opts=(-q -o DPkg::Lock::Timeout=300)
	# One broken third-party source fails the update without hurting the
	# Debian archive, so only the install decides.
	apt-get "${apt_opts[@]}" update </dev/null >&2 ||
		printf '%s: warning: apt-get update failed; trying the install anyway\n' "$prog" >&2
	if ! apt-get "${apt_opts[@]}" install -y --no-install-recommends \
		"${missing[@]}" </dev/null >&2; then
		printf '%s: error: apt-get install failed for: %s\n' "$prog" "${missing[*]}" >&2
		exit 1
	fi
	read -ra missing <<<"$(missing_packages)"
	if ((${#missing[@]})); then
		printf '%s: error: still not installed: %s\n' "$prog" "${missing[*]}" >&2
		exit 1
	fi
fi

if ((want_bochs3_root)); then
	exec "$scripts/bochs3-root.sh" "${BOCHS3_ROOT:-$top/build/bochs3-root}"
fi
