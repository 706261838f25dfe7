#!/usr/bin/env bash
# Builds an optimised Bochs 3.0 from Debian 13's source package, for the
# bochs3-* platforms to use instead of Debian's binary (optional: nothing
# needs it).  Same version, same Debian patches and CPU features; left out
# are the debugger, instrumentation, SMP, plugins and the hardening flags,
# and it is compiled with -O3 -march=native for this machine.
#
# usage: scripts/bochs-fast.sh OUT_DIR [SOURCE_DIR]
#
# SOURCE_DIR holds bochs_3.0+dfsg.orig.tar.xz and
# bochs_3.0+dfsg-1.debian.tar.xz; without it they are fetched with
# 'apt-get source --download-only' through a private trixie deb-src list
# (the system's apt configuration is not touched).  The result is
# OUT_DIR/bin/bochs; an existing one is kept (the build is cached).
# The build is CPU-heavy: it runs under nice -n 19.
set -euo pipefail

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
[[ $# -ge 1 && $# -le 2 ]] || {
	printf 'usage: %s OUT_DIR [SOURCE_DIR]\n' "$prog" >&2
	exit 2
}
out=$(realpath -m -- "$1")
src=${2-}
version=3.0+dfsg
debian=$version-1

if [[ -x $out/bin/bochs ]]; then
	printf '%s: %s/bin/bochs exists (delete %s to rebuild)\n' "$prog" "$out" "$out"
	exit 0
fi
for tool in g++ make patch tar; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install build-essential)"
done
[[ -f /usr/include/ncurses.h ]] || die "ncurses headers missing (apt-get install libncurses-dev)"

work=$out.build
rm -rf -- "$work"
mkdir -p -- "$work"
if [[ -z $src ]]; then
	src=$work/dl
	mkdir -p "$src/lists/partial"
	printf 'deb-src http://deb.debian.org/debian trixie main\n' >"$src/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$src/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		-o "Dir::State::Lists=$src/lists")
	apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 || die "apt-get update failed: see $work/apt.log"
	# The .dsc is not needed: the two tarballs and Debian's patch series are.
	(cd "$src" && apt-get "${apt_opts[@]}" source --download-only "bochs=$debian" >>"$work/apt.log" 2>&1) || true
fi
orig=$src/bochs_$version.orig.tar.xz
deb=$src/bochs_$debian.debian.tar.xz
[[ -f $orig && -f $deb ]] || die "source tarballs not found in $src"

tar -C "$work" -xf "$orig"
tree=$work/bochs-3.0
[[ -d $tree ]] || die "unexpected source layout in $orig"
tar -C "$tree" -xf "$deb"
while read -r p; do
	[[ -z $p || $p == \#* ]] && continue
	patch -d "$tree" -p1 -s <"$tree/debian/patches/$p" || die "Debian patch $p does not apply"
done <"$tree/debian/patches/series"

cd "$tree"
# The CPU features Debian enables (the cpu models need them), nothing for
# debugging or tracing, one CPU, everything linked in.
CFLAGS='-O3 -march=native -pipe' CXXFLAGS='-O3 -march=native -pipe' \
	nice -n 19 ./configure --prefix="$out" --with-term --with-nogui \
	--enable-all-optimizations --enable-cpu-level=6 --enable-x86-64 \
	--enable-cet --enable-avx --enable-evex --enable-amx --enable-uintr \
	--enable-protection-keys --enable-vmx=2 --enable-svm --enable-3dnow \
	--enable-fpu --enable-memtype --enable-a20-pin --enable-cdrom \
	--enable-pci --enable-repeat-speedups --enable-idle-hack \
	--disable-debugger --disable-disasm --disable-instrumentation \
	--disable-smp --disable-plugins --disable-docbook \
	>"$work/configure.log" 2>&1 || die "configure failed: see $work/configure.log"
nice -n 19 make -j"$(nproc)" >"$work/make.log" 2>&1 || die "build failed: see $work/make.log"
mkdir -p "$out/bin"
cp bochs "$out/bin/bochs.tmp"
mv "$out/bin/bochs.tmp" "$out/bin/bochs"
printf '%s: built %s/bin/bochs\n' "$prog" "$out"
