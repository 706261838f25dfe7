#!/usr/bin/env python3
"""Stands in for an emulator in harness tests: replays a serial log, then
hangs or exits with a chosen status, so timeouts and exit-code checks can
be tested without booting anything."""

import argparse
import os
import signal
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--exit", type=int, help="exit with this status; "
                    "without it, hang")
    ap.add_argument("--serial-file", help="write the log here, as Bochs "
                    "does, instead of stdout")
    ap.add_argument("--pidfile", help="record this pid and a child's pid "
                    "that shares its process group")
    ap.add_argument("--ignore-term", action="store_true",
                    help="survive SIGTERM so only SIGKILL ends it")
    ap.add_argument("--segfault", action="store_true",
                    help="die by SIGSEGV after the log, as an emulator bug")
    ap.add_argument("--delay", type=float, default=0.0,
                    help="seconds between lines")
    args = ap.parse_args()

    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.pidfile:
        child = subprocess.Popen(["sleep", "300"])
        with open(args.pidfile, "w") as f:
            f.write("%d %d\n" % (os.getpid(), child.pid))

    with open(args.log, "rb") as f:
        data = f.read()
    out = open(args.serial_file, "wb") if args.serial_file \
        else sys.stdout.buffer
    for line in data.splitlines(keepends=True):
        out.write(line)
        out.flush()
        if args.delay:
            time.sleep(args.delay)
    if args.segfault:
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGSEGV)
    if args.exit is not None:
        sys.exit(args.exit)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
