#!/usr/bin/env python3
"""A boot module's command line (the Linux runs it names) is kept up to
2047 bytes; a longer one is cut there, and the kernel must say so as a
boot error that names the module, not run what is left as if nothing
happened.  Two qemu-kernel boots with the Linux test program: a run
whose arguments bring the command line to 2047 bytes (it must match as
usual) and one to 2100 (the run must end as a mismatch whose only
problem is that boot error).

Exit status 0 when both hold, 1 when one does not.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PROG = "build/linux/cetbed-linux.boot"
KEEP = 2047  # BOOT_MODULE_CMDLINE - 1 in include/kernel/platform/bootinfo.h
ERROR = "boot: module 0's command line is longer than 2047 bytes"


def boot(name, length):
    """Boots hello with padding arguments; the whole module command line
    (QEMU's -initrd string: the file, " -- ", the runs) is length bytes."""
    head = os.path.join(ROOT, PROG) + " -- hello "
    runs = "hello " + "x" * (length - len(head))
    cmd = [sys.executable, os.path.join(ROOT, "tests/harness/cetbed.py"), "run",
           "qemu-kernel", "--name", name, "--cmdline", "tests=linux_hello",
           "--module", "%s:%s" % (PROG, runs)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    with open(os.path.join(ROOT, "build", "results", name + ".log"),
              errors="replace") as f:
        return p.returncode, f.read(), p.stdout + p.stderr


def main():
    ok = True
    rc, log, out = boot("module-cmdline-fits", KEEP)
    if rc != 0 or "ERROR" in log:
        print("FAIL: a %d-byte module command line did not run cleanly "
              "(harness exit %d)\n%s" % (KEEP, rc, out[-2000:]))
        ok = False
    rc, log, out = boot("module-cmdline-long", 2100)
    if rc != 1 or ERROR not in log:
        print("FAIL: a 2100-byte module command line gave harness exit %d "
              "and no boot error '%s'\n%s" % (rc, ERROR, out[-2000:]))
        ok = False
    print("module-cmdline: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
