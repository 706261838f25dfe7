#!/usr/bin/env bash
# Starts cetbed under QEMU (-kernel, multiboot 1) stopped at the first
# instruction, with QEMU's gdbstub on a local port, and attaches gdb with
# build/kernel.elf's symbols and a hardware breakpoint on kernel_main.
#
# usage: scripts/gdb.sh [CMDLINE]      GDB_PORT (1234), GDB_ARGS (extra
#        gdb arguments, e.g. -batch -ex bt for a non-interactive look)
set -euo pipefail

top=$(cd -- "$(dirname -- "$0")/.." && pwd)
kernel=$top/build/kernel.elf
port=${GDB_PORT:-1234}
[[ -f $kernel ]] || { echo "gdb.sh: $kernel not found: run make" >&2; exit 2; }
command -v gdb >/dev/null || { echo "gdb.sh: gdb not found: apt-get install gdb" >&2; exit 2; }

# Its own session, so ending it touches nothing else; -S waits for gdb.
setsid qemu-system-x86_64 -accel tcg -nodefaults -display none -no-reboot -cpu max -m 128M \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -monitor none \
	-kernel "$kernel" -append "${1:-}" -gdb "tcp:127.0.0.1:$port" -S &
qemu=$!
trap 'kill -- -"$qemu" 2>/dev/null || true' EXIT

# The CPU starts in 32-bit protected mode (multiboot); gdb follows it into
# long mode when told the architecture up front and stopping with a
# hardware breakpoint (software ones are planted before paging moves them).
read -ra extra <<<"${GDB_ARGS:-}"
gdb -q "$kernel" -ex 'set architecture i386:x86-64' \
	-ex "target remote 127.0.0.1:$port" -ex 'hbreak kernel_main' -ex 'continue' \
	"${extra[@]}"
