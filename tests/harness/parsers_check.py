#!/usr/bin/env python3
"""cetbed's serial log read by the parsers other people run: Linux's KUnit
tool (`kunit.py parse`, tools/testing/kunit/kunit_parser.py) and Perl's
`prove`.  A clean run must read as a success to both, and a boot-level
error (an unknown command-line option) and a crashed run as a failure,
not only as a "#" line and the verdict.

The KUnit tool comes from Debian's linux-source-6.12 package (apt-get
download, no root needed), unpacked once into build/kunit/ (~20 s).

usage: parsers_check.py [--kunit DIR]    exit 0 when every check holds
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HARNESS = os.path.join(ROOT, "tests", "harness", "cetbed.py")
RESULTS = os.path.join(ROOT, "build", "results")
KUNIT_DIR = os.path.join(ROOT, "build", "kunit")
KUNIT_PKG = "linux-source-6.12"
KUNIT_MEMBER = "linux-source-6.12/tools/testing/kunit"
# kunit.py finds "its" kernel tree from its own path: keep the layout.
KUNIT_TOOL = "tools/testing/kunit/kunit.py"

# name, command line, what each parser must say
RUNS = (
    ("parsers-clean", "tests=exc_*", "pass"),
    ("parsers-boot-error", "tests=exc_* frobnicate=1", "fail"),
)


def fetch_kunit(dest):
    """Unpack tools/testing/kunit/*.py from Debian's Linux source."""
    if os.path.isfile(os.path.join(dest, KUNIT_TOOL)):
        return None
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        return "apt-get and dpkg-deb are needed to fetch %s" % KUNIT_PKG
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "build")) as tmp:
        # 'make selftest' (run first by make test) keeps the same package.
        debs = glob.glob(os.path.join(ROOT, "build", "selftest",
                                      KUNIT_PKG + "_*.deb"))
        if not debs:
            got = subprocess.run(["apt-get", "download", KUNIT_PKG], cwd=tmp,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
            debs = glob.glob(os.path.join(tmp, "*.deb"))
            if got.returncode or not debs:
                return "apt-get download %s failed:\n%s" % (
                    KUNIT_PKG, got.stdout[-1500:])
        # The .deb holds a .tar.xz of the tree: stream out only the tool.
        cmd = ("dpkg-deb --fsys-tarfile '%s' | tar -xO "
               "./usr/src/%s.tar.xz | tar -xJ -C '%s' --wildcards '%s/*.py'"
               % (debs[0], KUNIT_PKG, tmp, KUNIT_MEMBER))
        done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        if done.returncode:
            return "unpacking the KUnit tool failed:\n" + done.stdout[-1500:]
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.rmtree(dest, ignore_errors=True)
        shutil.move(os.path.join(tmp, KUNIT_MEMBER.split("/")[0]), dest)
    return None


def kunit(kdir, log):
    p = subprocess.run([sys.executable, os.path.join(kdir, KUNIT_TOOL),
                        "parse", os.path.abspath(log)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace")
    return p.returncode, p.stdout


def prove(log):
    # prove runs a "test program" and reads its TAP; cat is the program.
    p = subprocess.run(["prove", "--exec", "cat", log],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace")
    return p.returncode, p.stdout


def judge(kdir, label, log, want, failed_test=False):
    """One log through both parsers; returns the failed checks.  With
    failed_test the failure must come from a failed test (the `not ok`
    line), not from a plan the results do not fulfil."""
    bad = []
    for tool, (status, out) in (("kunit_parser", kunit(kdir, log)),
                                ("prove", prove(log))):
        said = "pass" if status == 0 else "fail"
        ok = said == want
        sign = "[FAILED] boot" if tool == "kunit_parser" else "Failed test:"
        if ok and failed_test and sign not in out:
            ok = False
            said += " without %r" % sign
        print("  %-5s %-14s %-20s reads it as %s" % (
            "ok" if ok else "WRONG", tool, label, said))
        if not ok:
            last = [s for s in out.strip().splitlines() if s][-6:]
            bad.append("%s: %s read as %s, want %s\n    %s" % (
                label, tool, said, want, "\n    ".join(last)))
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kunit", default=KUNIT_DIR,
                    help="Linux tree holding %s (build/kunit)" % KUNIT_TOOL)
    args = ap.parse_args(argv)
    if not shutil.which("prove"):
        print("parsers_check: prove not found: apt-get install perl",
              file=sys.stderr)
        return 2
    err = fetch_kunit(args.kunit)
    if err:
        print("parsers_check: " + err, file=sys.stderr)
        return 2
    bad = []
    for name, cmdline, want in RUNS:
        # The harness's own verdict is not the point here: only the log.
        subprocess.run([sys.executable, HARNESS, "run", "qemu-kernel",
                        "--name", name, "--cmdline", cmdline],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = os.path.join(RESULTS, name + ".log")
        if not os.path.isfile(log):
            bad.append("%s: no log at %s" % (name, log))
            continue
        bad += judge(args.kunit, name, log, want, want == "fail")
    # A run that stopped in test 4 of 5 (saved log).
    bad += judge(args.kunit, "crashed (saved)", os.path.join(
        ROOT, "tests", "host", "logs", "truncated.log"), "fail")
    for b in bad:
        print("  " + b)
    checks = 2 * (len(RUNS) + 1)
    print("parsers: %d passed, %d failed" % (checks - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
