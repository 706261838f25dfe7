#!/usr/bin/env bash
# Makes a Debian 13 (trixie) root holding Bochs 3.0: it needs trixie's libc,
# so it never goes into the host itself.  The harness runs it through the
# root's own dynamic loader and libraries, without chroot, as any user;
# making the root (debootstrap) needs root once.
#
# usage: scripts/bochs3-root.sh DIR
#
# A stamp file marks a complete root; a complete root is only checked.
# A root without it (an interrupted run) is removed and made again.
# BOCHS3_MIRROR overrides the Debian mirror taken from the host's apt sources.
# Exit status: 0 root ready, 1 failure, 2 needs root, 64 usage error.
set -euo pipefail
export LC_ALL=C

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
say() { printf '%s: %s\n' "$prog" "$*" >&2; }

if [[ $# -ne 1 || -z $1 ]]; then
	printf 'usage: %s DIR\n' "$prog" >&2
	exit 64
fi
dir=$(realpath -m -- "$1")
[[ $dir != / ]] || die "refusing to use / as the root directory"

stamp=$dir/.cetbed-bochs3-root
partial=$dir/.cetbed-bochs3-partial
cpu_models=(tigerlake sapphire_rapids arrow_lake)

if ((EUID != 0)); then
	if [[ -f $stamp ]]; then
		# Nothing to do; the check below needs chroot, hence root.
		exit 0
	fi
	say "debootstrap and chroot need root; run:"
	printf '  sudo %q %q\n' "$0" "$1" >&2
	exit 2
fi
command -v debootstrap >/dev/null 2>&1 ||
	die "debootstrap not found (install with: scripts/deps.sh bochs3)"

# Prints the Bochs version, after checking that the emulator starts and
# knows the CPU models with CET.
check_bochs() {
	local out version m
	out=$(chroot "$dir" bochs --help cpu 2>&1) ||
		die "'chroot $dir bochs --help cpu' failed:"$'\n'"$out"
	version=$(sed -n 's/^ *Bochs x86 Emulator \([^ ]*\).*/\1/p' <<<"$out" | head -n 1)
	[[ -n $version ]] || die "no version banner from Bochs in $dir:"$'\n'"$out"
	for m in "${cpu_models[@]}"; do
		grep -qx "$m" <<<"$out" || die "Bochs $version in $dir lacks CPU model $m"
	done
	[[ $version == 3.* ]] || say "warning: expected Bochs 3.x, found $version"
	printf '%s\n' "$version"
}

# Serialises concurrent runs on the same DIR (parallel make, two shells).
mkdir -p -- "$(dirname -- "$dir")"
# Under sudo, the directory holding the root (build/) stays the user's, so
# their later builds and runs can write there; the root itself is root's.
if [[ -n ${SUDO_UID:-} && -n ${SUDO_GID:-} ]]; then
	chown -- "$SUDO_UID:$SUDO_GID" "$(dirname -- "$dir")"
fi
exec 9>"$dir.lock"
flock 9

if [[ -f $stamp ]]; then
	check_bochs >/dev/null
	exit 0
fi

# Mounts debootstrap left behind when killed (proc, sys) must go before the
# tree does, deepest first; rm stays on one file system regardless.
remove_root() {
	local mnt
	while read -r mnt; do
		umount -l -- "$mnt" || die "cannot unmount $mnt"
	done < <(awk -v d="$dir" '{ m = $5; gsub(/\\040/, " ", m) }
		m == d || index(m, d "/") == 1 { print m }' /proc/self/mountinfo | sort -r)
	rm -rf --one-file-system -- "$dir"
}

if [[ -e $dir ]]; then
	if [[ -f $partial ]]; then
		say "removing the half-made root in $dir"
		remove_root
	elif [[ -d $dir && -z $(ls -A -- "$dir") ]]; then
		rmdir -- "$dir"
	else
		die "$dir exists but was not made by this script; remove it or pick another DIR"
	fi
fi

# The first Debian archive the host's apt uses: one-line sources.list files
# and deb822 .sources files alike, security archives excluded.
host_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk '$1 == "deb" && $3 !~ /-security$|\/updates$/ { print $2 }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		awk '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false)$/ &&
				    suites !~ /-security( |$)/) {
					n = split(uris, u, " ")
					for (i = 1; i <= n; i++) print u[i]
				}
				types = uris = suites = enabled = ""; key = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { if (key == "uris") uris = uris " " $0; next }
			{
				key = tolower(substr($0, 1, index($0, ":") - 1))
				val = substr($0, index($0, ":") + 1)
				gsub(/^[ \t]+|[ \t]+$/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = tolower(val)
			}
			END { flush() }' "$f"
	done
}
mirror=${BOCHS3_MIRROR:-}
if [[ -z $mirror ]]; then
	mirror=$(host_mirror | grep -E '^(https?|ftp|file):' |
		grep -vE 'security\.debian\.org|/debian-security/?$' | head -n 1 || true)
	[[ -n $mirror ]] || mirror=http://deb.debian.org/debian
fi

mkdir -p -- "$dir"
: >"$partial"
# The log is kept, and its tail shown, only when the run fails.
log=$(mktemp "${TMPDIR:-/tmp}/cetbed-bochs3.XXXXXX.log")
keep_log=1
trap '((keep_log)) || rm -f -- "$log"' EXIT
trap 'keep_log=0; exit 130' INT
trap 'keep_log=0; exit 143' TERM
fail() {
	tail -n 40 -- "$log" >&2
	die "$* (full log: $log); $dir stays marked half-made and is redone next run"
}
say "debootstrap trixie into $dir from $mirror (about a minute, ~450 MB)"
status=0
debootstrap --variant=minbase --include=bochs,bochs-term,bochsbios,vgabios \
	trixie "$dir" "$mirror" >"$log" 2>&1 || status=$?

# debootstrap cannot pick a provider for dconf-service's dependency on a
# D-Bus session bus, so dconf-service and the GTK chain above it (bochs
# included) stay unconfigured; the emulator does not need D-Bus. Accept
# exactly that: every other package configured, every remaining problem a
# dependency one, and the only missing package a session bus.
finish_after_dconf() {
	local out bad
	grep -q 'Failure while configuring base packages' "$log" && ! grep -q '^E: ' "$log" ||
		return 1
	if ! out=$(chroot "$dir" dpkg --configure -a 2>&1); then
		# A dependency block whose alternatives are all "not installed" is
		# a missing package; one with an alternative "not configured yet"
		# only waits for it.
		bad=$(awk '
			function close_block() {
				if (dep != "" && !waiting) {
					if (dep ~ /^ dconf-service depends on .*dbus-session-bus/) bus = 1
					else print dep
				}
				dep = ""
			}
			/^  Package .* is not configured yet\.$/ { waiting = 1; next }
			/^  Package [^ ]+ is not installed\.$/ { next }
			{ close_block() }
			/ depends on .*; however:$/ { dep = $0; waiting = 0; next }
			/^(Setting up|Processing triggers for) / { next }
			/^dpkg: dependency problems prevent configuration of / { next }
			/^dpkg: error processing package [^ ]+ \(--configure\):$/ { next }
			/^ dependency problems - leaving unconfigured$/ { next }
			/^Errors were encountered while processing:$/ { list = 1; next }
			list && /^ [^ ]+$/ { if ($1 == "dconf-service") dconf = 1; next }
			/^$/ { next }
			{ print }
			END {
				close_block()
				if (!bus || !dconf)
					print "(dconf-service did not fail for want of a D-Bus session bus)"
			}' <<<"$out")
		if [[ -n $bad ]]; then
			printf '%s\n' "$out" "not tolerated:" "$bad"
			return 1
		fi
		chroot "$dir" dpkg --configure -a --force-depends || return 1
	fi
	# What debootstrap does after a successful configure step.
	if [[ -e $dir/sbin/start-stop-daemon.REAL ]]; then
		mv -f -- "$dir/sbin/start-stop-daemon.REAL" "$dir/sbin/start-stop-daemon"
	fi
	rm -f -- "$dir/usr/sbin/policy-rc.d"
	if [[ -f $dir/debootstrap/debootstrap.log ]]; then
		mv -f -- "$dir/debootstrap/debootstrap.log" "$dir/var/log/bootstrap.log"
	fi
	rm -rf -- "$dir/debootstrap"
}
if ((status != 0)); then
	finish_after_dconf >>"$log" 2>&1 || fail "debootstrap failed (status $status)"
	say "tolerated the known dconf-service failure (no D-Bus session bus in the root)"
fi

# Every package must now be configured.
# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
unconfigured=$(chroot "$dir" dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' |
	awk '$1 != "ii" { print $2 }')
[[ -z $unconfigured ]] ||
	fail "packages not configured in $dir: ${unconfigured//$'\n'/ }"

version=$(check_bochs)
# shellcheck disable=SC2034 # read by the EXIT trap
keep_log=0
printf 'bochs %s\nmirror %s\n' "$version" "$mirror" >"$stamp"
rm -f -- "$partial"
say "Bochs $version ready: chroot $dir bochs ... (CPU models: ${cpu_models[*]})"
