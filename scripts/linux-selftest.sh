#!/usr/bin/env bash
# Linux's shadow-stack selftest, taken at build time from Debian's
# linux-source-6.12 package (never kept in this repository), built static.
#
# usage: scripts/linux-selftest.sh OUT_DIR
#
# Leaves OUT_DIR/test_shadow_stack (with symbols, for addr2line) and
# OUT_DIR/test_shadow_stack.boot (stripped, for the boot image).  The .deb
# and the extracted source stay in OUT_DIR as a cache.
set -euo pipefail
export LC_ALL=C

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
[[ $# -eq 1 ]] || {
	printf 'usage: %s OUT_DIR\n' "$prog" >&2
	exit 2
}
out=$1
pkg=linux-source-6.12
rel=linux-source-6.12/tools/testing/selftests/x86/test_shadow_stack.c
mkdir -p "$out"
cd "$out"

if [[ ! -f $rel ]]; then
	if ! compgen -G "${pkg}_*.deb" >/dev/null; then
		command -v apt-get >/dev/null || die "apt-get not found: cannot fetch $pkg"
		# Package lists may be empty where every package was already
		# installed: as root, refresh them once and try again.
		apt-get download "$pkg" >download.log 2>&1 ||
			{ ((EUID == 0)) && apt-get update >>download.log 2>&1 &&
				apt-get download "$pkg" >>download.log 2>&1; } || {
			cat download.log >&2
			die "apt-get download $pkg failed (as root, run 'apt-get update' first)"
		}
	fi
	debs=("${pkg}"_*.deb)
	# Only the one file is taken out of the 150 MB package.
	dpkg-deb --fsys-tarfile "${debs[-1]}" |
		tar -xO "./usr/src/$pkg.tar.xz" |
		tar -xJ "$rel" || die "could not extract $rel from ${debs[-1]}"
fi
if [[ ! -f test_shadow_stack || $rel -nt test_shadow_stack ]]; then
	gcc -static -O2 -g -o test_shadow_stack.tmp "$rel" -lpthread
	mv test_shadow_stack.tmp test_shadow_stack
fi
if [[ ! -f test_shadow_stack.boot || test_shadow_stack -nt test_shadow_stack.boot ]]; then
	strip -o test_shadow_stack.boot test_shadow_stack
fi
