#!/usr/bin/env python3
"""End-to-end check of the verdict screen's QR code under qemu-uefi.

Boots with a display adapter (screenshot.py), takes a screendump of the
verdict screen, decodes its QR code with zbarimg (Debian's zbar-tools, an
independent decoder), and checks the decoded summary against the run's
serial log: verdict, counts, failing tests, and the SHA-256 log hash; and
its machine model against the SMBIOS System Information given to QEMU.
Exit status 0 when everything agrees.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ktap      # noqa: E402
import summary   # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(ROOT, "build", "results")
CMDLINE = "tests=mm_*,user_exit_status,shstk_call_ret_nested_64 screen=30"
SMBIOS_MAKER, SMBIOS_PRODUCT = "cetbed-lab", "QR check (model 7)"


def fail(msg):
    print("qr-check: FAIL: " + msg)
    sys.exit(1)


def main():
    png = os.path.join(RESULTS, "qr-check-screen.png")
    shot = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "harness", "screenshot.py"),
                           "--cmdline", CMDLINE, "--out", png, "--smbios",
                           "type=1,manufacturer=%s,product=%s" % (SMBIOS_MAKER, SMBIOS_PRODUCT)],
                          cwd=ROOT)
    if shot.returncode:
        fail("no screenshot of the verdict screen (screenshot.py exit %d)" % shot.returncode)
    log_path = os.path.join(RESULTS, "qemu-uefi-screen.log")
    try:
        zbar = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", png],
                              capture_output=True, text=True)
    except FileNotFoundError:
        fail("zbarimg not found: install it with 'apt-get install zbar-tools'")
    text = zbar.stdout.strip()
    if zbar.returncode or not text:
        fail("zbarimg found no QR code in %s" % png)
    d = summary.decode(text)
    with open(log_path, "rb") as f:
        log = f.read()
    r = ktap.parse_text(log.decode("utf-8", "replace"))
    counts = {"PASS": 0, "SKIP": 0, "FAIL": 0, "ERROR": 0, "TIMEOUT": 0}
    for t in r.tests:
        counts[t.outcome] += 1
    want = {
        "verdict": r.verdict, "planned": r.plan, "passed": counts["PASS"],
        "skipped": counts["SKIP"], "failed": counts["FAIL"] + counts["TIMEOUT"],
        "errors": counts["ERROR"], "log_hash": summary.log_hash(log),
        "machine": "%s %s" % (SMBIOS_MAKER, SMBIOS_PRODUCT),
    }
    bad = ["%s: QR says %r, the serial log %r" % (k, d.get(k), v)
           for k, v in want.items() if d.get(k) != v]
    failing = sorted(t.number for t in r.tests if t.outcome in ("FAIL", "ERROR", "TIMEOUT"))
    if sorted(n for n, _ in d["failing"]) != failing:
        bad.append("failing tests: QR says %r, the serial log %r" % (d["failing"], failing))
    if bad:
        fail("; ".join(bad))
    print("qr-check: the QR code on the verdict screen decodes to the run's summary:")
    print("  " + text)
    print("qr-check: 1 passed, 0 failed")


main()
