#!/usr/bin/env python3
"""The UEFI variable round trip under OVMF, end to end: boots qemu-uefi
several times with a VARS copy of its own (build/results/
qemu-uefi-efivars-vars.fd), so what one boot stores the next one reads.

  1 first        a short run stores its summary
  2 second       must report run 1's id and exactly its summary
  3 reset        killed right after '# start 3' (a reset mid-run)
  4 after-reset  must report run 3 stopped in test 3; runs with
                 efivars=off, so it stores nothing
  5 after-off    must still report run 3: the efivars=off run wrote nothing

Runs 3 to 5 do not depend on what runs 1 and 2 stored, so --part summary
(1-2) and --part reset (3-5, on build/results/qemu-uefi-efivars-reset-
vars.fd) can run side by side.

Exit status 0 when every check holds, 1 when one does not, 2 when qemu-uefi
cannot run here.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import platforms    # noqa: E402
import runner       # noqa: E402
import summary      # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SHORT = "tests=mm_page0_unmapped,mm_nx_kernel_data"
# Test 3 spins until the watchdog, long after the check has killed it.
RESET = ("tests=exc_de_divide_error,exc_ud_invalid_opcode,task_spin_forever "
         "timeout=60")
RESET_TEST = (3, "task_spin_forever")

_RUN = re.compile(r"^# efi: run ([0-9a-f]+): progress in CetbedProgress",
                  re.M)
_OFF = re.compile(r"^# efi: efivars=off: run ([0-9a-f]+) is not recorded",
                  re.M)
_STORED = re.compile(r"^# efi: run ([0-9a-f]+) stored CetbedSummary: (.*)$",
                     re.M)


class Check:
    def __init__(self, out):
        self.out = out
        self.failed = 0

    def expect(self, cond, what, log=None):
        self.out.write("  %s %s\n" % ("ok  " if cond else "FAIL", what))
        if not cond:
            self.failed += 1
            if log:
                self.show(log)
        return cond

    def show(self, log):
        lines = [s for s in log.split("\n")
                 if "previous run" in s or s.startswith("# efi")]
        self.out.write("       its efi lines:\n")
        for s in lines or ["(none)"]:
            self.out.write("         %s\n" % s)


def boot(ctx_root, build, name, cmdline, stop=None, out=sys.stdout,
         tag="efivars"):
    """One qemu-uefi boot on the VARS copy named by tag; returns (log text
    without CRs, raw bytes, RunOutcome)."""
    plat = platforms.get("qemu-uefi")
    ctx = platforms.Context(ctx_root, build=build, cmdline=cmdline, tag=tag)
    launch = plat.prepare(ctx)
    results = os.path.join(ctx.build, "results")
    log_path = os.path.join(results, "efivars-%s.log" % name)
    out.write("boot %s: --cmdline %r\n" % (name, cmdline))
    out.flush()
    outcome = runner.run(launch, plat.timeout, log_path,
                         os.path.join(results, "efivars-%s.emu.log" % name),
                         stop=stop)
    with open(log_path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8", "replace").replace("\r", "")
    out.write("  log: %s (%.1f s)\n" % (os.path.relpath(log_path, ctx_root),
                                        outcome.seconds))
    return text, raw, outcome


def _one(pattern, text):
    m = pattern.search(text)
    return m.groups() if m else None


def summary_part(c, build, tag):
    """Runs 1 and 2: a stored summary comes back verbatim."""
    def one(name, cmdline):
        return boot(ROOT, build, name, cmdline, tag=tag)

    text, raw, o = one("first", SHORT)
    c.expect(o.result.verdict is not None, "run 1 reached its verdict", text)
    run1 = _one(_RUN, text)
    stored = _one(_STORED, text)
    c.expect(run1 is not None, "run 1 announced its run id", text)
    if not c.expect(stored is not None and run1 is not None and
                    stored[0] == run1[0], "run 1 stored its summary", text):
        return
    sum1 = stored[1].strip()
    d = summary.decode(sum1)
    c.expect(d["log_hash"] == summary.log_hash(raw),
             "run 1's summary hashes run 1's serial log (H=%s)"
             % d["log_hash"])
    c.expect(d["verdict"] == o.result.verdict and
             d["planned"] == o.result.plan,
             "run 1's summary has its verdict and plan")

    text, _, o = one("second", SHORT)
    c.expect("\n# previous run %s finished\n" % run1[0] in text,
             "run 2 reports run 1 (%s) finished" % run1[0], text)
    c.expect("\n# previous run: %s\n" % sum1 in text,
             "run 2 reports run 1's summary verbatim", text)
    run2 = _one(_RUN, text)
    c.expect(run2 is not None and run2 != run1,
             "run 2 has an id of its own", text)


def reset_part(c, build, tag):
    """Runs 3 to 5: a run stopped mid-test is reported as such, and an
    efivars=off run stores nothing.  Run 3's own id is what runs 4 and 5
    must name, so whatever the store held before cannot pass for it."""
    def one(name, cmdline, stop=None):
        return boot(ROOT, build, name, cmdline, stop=stop, tag=tag)

    def at_reset_test(ev):
        return ev.kind == "start" and ev.value[0] == RESET_TEST[0]
    text, _, o = one("reset", RESET, stop=at_reset_test)
    run3 = _one(_RUN, text)
    c.expect("# start %d %s" % RESET_TEST in text and
             o.result.verdict is None and run3 is not None,
             "run 3 was stopped in test %d %s" % RESET_TEST, text)
    stopped = "\n# previous run %s stopped in test %d %s\n" % (
        run3[0] if run3 else "?", RESET_TEST[0], RESET_TEST[1])

    text, _, o = one("after-reset", SHORT + " efivars=off")
    c.expect(stopped in text, "run 4 reports %r" % stopped.strip(), text)
    c.expect(_one(_OFF, text) is not None and _one(_STORED, text) is None,
             "run 4 (efivars=off) says it is not recorded and stores "
             "nothing", text)

    text, _, o = one("after-off", SHORT)
    c.expect(stopped in text, "run 5 still reports run 3: run 4 wrote "
             "nothing", text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", help="build directory (build/)")
    ap.add_argument("--part", choices=("summary", "reset"),
                    help="only runs 1-2 (summary) or 3-5 (reset), on a "
                    "VARS copy of that part's own, so the two can run at "
                    "the same time (make test does)")
    args = ap.parse_args(argv)
    out = sys.stdout
    c = Check(out)
    try:
        platforms.get("qemu-uefi").check(platforms.Context(ROOT,
                                                           build=args.build))
    except platforms.PlatformError as e:
        print("efivars-check: %s" % e, file=sys.stderr)
        return 2

    if args.part in (None, "summary"):
        summary_part(c, args.build, "efivars")
    if args.part in (None, "reset"):
        reset_part(c, args.build,
                   "efivars" if args.part is None else "efivars-reset")
    out.write("efivars-check: %s\n" % ("all checks passed" if not c.failed
                                       else "%d checks failed" % c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
