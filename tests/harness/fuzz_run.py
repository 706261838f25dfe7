#!/usr/bin/env python3
"""The long fuzzer run behind `make fuzz`: boots PLATFORM with
`tests=sys_fuzz_native` and the fuzz_* options, judges it against
tests/expect/fuzz.expect, and prints the kernel's fuzz lines with calls per
second of wall-clock time beside the kernel's own (platform time).

usage: fuzz_run.py PLATFORM --seed N --calls N --secs N [--linux LXFUZZ]

With --linux, the Linux-ABI fuzzer (tests/linux/fuzz) runs instead, as the
boot module LXFUZZ with `lxfuzz SEED CALLS`, under timeout=SECS, judged
against tests/expect/fuzz-linux.expect; its lines start "lxfuzz:".
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("platform")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--calls", type=int, default=1000000)
    ap.add_argument("--secs", type=int, default=600)
    ap.add_argument("--linux", metavar="LXFUZZ")
    a = ap.parse_args()
    if a.linux:
        name = "fuzz-linux-long-" + a.platform
        cmdline = "tests=linux_lxfuzz timeout=%d" % a.secs
        expect_file = "fuzz-linux.expect"
        extra = ["--module", "%s:lxfuzz %d %d" % (a.linux, a.seed, a.calls)]
        replay = "make fuzz-linux"
        pattern = r"^# (?:out: )?(lxfuzz: .*)$"
        made_re = r"lxfuzz: (\d+) calls,"
    else:
        name = "fuzz-long-" + a.platform
        cmdline = "tests=sys_fuzz_native fuzz_seed=%d fuzz_calls=%d fuzz_secs=%d" % (
            a.seed, a.calls, a.secs)
        expect_file = "fuzz.expect"
        extra = []
        replay = "make fuzz"
        pattern = r"^# (fuzz: .*)$"
        made_re = r"fuzz: (\d+) calls"
    # Platform time runs slower than the wall clock under emulation: the
    # harness waits well past FUZZ_SECS before it calls the run a crash.
    cmd = [sys.executable, os.path.join(ROOT, "tests", "harness", "cetbed.py"), "run",
           a.platform, "--name", name, "--expect",
           os.path.join(ROOT, "tests", "expect", expect_file),
           "--timeout", str(a.secs * 5 + 300), "--cmdline", cmdline] + extra
    print("fuzz: %s, seed %d (replay: %s FUZZ_SEED=%d FUZZ_CALLS=%d)"
          % (a.platform, a.seed, replay, a.seed, a.calls), flush=True)
    start = time.monotonic()
    rc = subprocess.call(cmd, cwd=ROOT)
    wall = time.monotonic() - start
    try:
        with open(os.path.join(ROOT, "build", "results", name + ".log"), errors="replace") as f:
            log = f.read()
    except OSError as e:
        print("fuzz: no log: %s" % e)
        return rc or 1
    lines = re.findall(pattern, log, re.M)
    for line in lines:
        print(line)
    made = next((int(m.group(1)) for m in
                 (re.match(made_re, l) for l in lines) if m), 0)
    print("fuzz: %d calls in %.1f s of wall-clock time (boot included): %.0f calls/s"
          % (made, wall, made / wall if wall else 0))
    return rc


if __name__ == "__main__":
    sys.exit(main())
