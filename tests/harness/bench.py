"""Boot-time benchmark: launch-to-verdict per platform (min, median and
max), with the default suite and with no test selected, so the suite's own
cost shows apart from firmware and emulator start-up.  Each run prints its
time as it ends: a slow platform shows it is moving."""

import os
import re
import statistics
import time

import platforms
import runner

PLATFORMS = ("qemu-kernel", "qemu-bios", "bochs", "qemu-uefi")
TARGETS = {"qemu-kernel": 0.3, "bochs": 1.5}
EMPTY = "tests="


class Phases:
    """When each line of a run arrived, turned into where the time went:
    firmware and boot loader (launch to the kernel's first line), kernel
    start-up (to the first test's start), each test (its start to its
    result), the verdict (last result to the verdict line) and the verdict
    screen and power-off (verdict line to the emulator's exit)."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.first = self.first_start = self.last_result = None
        self.verdict = None
        self.started = {}
        self.tests = {}

    def __call__(self, ev):
        now = time.monotonic() - self.t0
        if ev.kind == "version" and self.first is None:
            self.first = now
        elif ev.kind == "start":
            self.started[ev.value[0]] = now
            if self.first_start is None:
                self.first_start = now
        elif ev.kind == "result":
            t = ev.value
            if t.number in self.started:
                self.tests[t.name] = now - self.started[t.number]
            self.last_result = now
        elif ev.kind == "verdict" and self.verdict is None:
            self.verdict = now

    def split(self, end):
        """{phase: seconds} for a run whose emulator was gone at end."""
        if None in (self.first, self.verdict):
            return None
        start = self.first_start if self.first_start is not None \
            else self.verdict
        last = self.last_result if self.last_result is not None else start
        return {"firmware+loader": self.first,
                "kernel start-up": start - self.first,
                "tests": last - start,
                "verdict line": self.verdict - last,
                "screen+power-off": max(0.0, end - self.verdict)}


PHASES = ("firmware+loader", "kernel start-up", "tests", "verdict line",
          "screen+power-off")


def _measure(plat, ctx, runs, work, out=print, breakdown=None):
    """The seconds to the verdict of each run, or (None, why) when a run
    had none.  breakdown, a list, gets each run's (phases, per-test
    seconds)."""
    launch = plat.prepare(ctx)
    label = "default" if ctx.cmdline is None else \
        "empty" if ctx.cmdline == EMPTY else "elf"
    times = []
    for i in range(runs):
        log = os.path.join(work, "%s.%s.%d.log" % (plat.name, label, i))
        phases = Phases()
        done = runner.run(launch, plat.timeout, log,
                          os.path.join(work, "%s.emu.log" % plat.name),
                          on_event=phases)
        if done.interrupted:
            raise KeyboardInterrupt
        if done.verdict_seconds is None:
            out("  %-12s %-7s run %d/%d: no verdict" % (plat.name, label,
                                                       i + 1, runs))
            return None, "no verdict (%s; see %s)" % (
                done.crash or done.result.crash_reason() or "?", log)
        times.append(done.verdict_seconds)
        if breakdown is not None:
            breakdown.append((phases.split(done.seconds), phases.tests))
        out("  %-12s %-7s run %d/%d: %.2f s" % (plat.name, label, i + 1, runs,
                                                done.verdict_seconds))
    return times, None


ELF_PLATFORMS = ("qemu-kernel", "bochs")
ELF_TARGET = 0.1  # seconds over the empty run


def main_elf(root, runs, names, elf, build=None, kernel=None, out=print):
    """Boot-to-exit of one static program (its own module, its test only)
    against an empty run with no module: the difference is what loading
    and running it costs."""
    if runs < 1:
        raise platforms.PlatformError("--runs must be at least 1")
    name = "linux_" + re.sub(r"[^A-Za-z0-9_]", "_", os.path.basename(elf))[:33]
    failed = False
    out("boot-to-exit of %s, median of %d run%s" % (
        os.path.basename(elf), runs, "" if runs == 1 else "s"))
    out("%-12s %10s %10s %10s  %s" % ("platform", "program", "empty",
                                      "cost", "target"))
    for pname in names:
        plat = platforms.get(pname)
        medians, notes = [], []
        for cmdline, mods in (("tests=" + name,
                               [(elf, os.path.basename(elf))]),
                              (EMPTY, [])):
            ctx = platforms.Context(root, build, kernel, None, cmdline,
                                    modules=mods)
            work = os.path.join(ctx.build, "results", "bench")
            os.makedirs(work, exist_ok=True)
            try:
                times, why = _measure(plat, ctx, runs, work, out)
                median = statistics.median(times) if times else None
            except platforms.PlatformError as e:
                median, why = None, str(e)
            medians.append(median)
            if why:
                failed = True
                notes.append(why)
        prog, empty = medians
        cost = prog - empty if None not in medians else None
        mark = "-" if cost is None else "%.1f s: %s" % (
            ELF_TARGET, "met" if cost <= ELF_TARGET else "MISSED")
        out("%-12s %10s %10s %10s  %s" % (pname, _fmt(prog), _fmt(empty),
                                          _fmt(cost), mark))
        for n in notes:
            out("    " + n)
    return 1 if failed else 0


def describe_breakdown(name, runs, top=10):
    """Lines: the median of each phase and the costliest tests."""
    split = [p for p, _ in runs if p]
    if not split:
        return []
    lines = ["%s: where the default suite's time goes (medians of %d runs)"
             % (name, len(split))]
    lines.append("    " + ", ".join("%s %.3f s" % (ph, statistics.median(
        p[ph] for p in split)) for ph in PHASES))
    # Time in the tests phase outside every test: what the runner does
    # between two (UEFI progress records, console, clean-up).
    gaps = [p["tests"] - sum(tests.values()) for p, tests in runs if p]
    lines.append("    of the tests phase, between tests (progress records, "
                 "set-up): %.3f s" % statistics.median(gaps))
    per_test = {}
    for _, tests in runs:
        for test, sec in tests.items():
            per_test.setdefault(test, []).append(sec)
    ranked = sorted(((statistics.median(v), t) for t, v in per_test.items()),
                    reverse=True)
    total = sum(sec for sec, _ in ranked)
    lines.append("    the %d costliest of %d tests (%.3f s in all):"
                 % (min(top, len(ranked)), len(ranked), total))
    for sec, test in ranked[:top]:
        lines.append("      %7.3f s  %s" % (sec, test))
    return lines


def _fmt(seconds):
    return "-" if seconds is None else "%.2f s" % seconds


def _spread(times):
    """min/median/max, or '-' without times."""
    if not times:
        return "-"
    return "%.2f/%.2f/%.2f" % (min(times), statistics.median(times),
                               max(times))


def main(root, runs, names, build=None, kernel=None, iso=None, out=print):
    if runs < 1:
        raise platforms.PlatformError("--runs must be at least 1")
    rows, failed, details = [], False, []
    for name in names:
        plat = platforms.get(name)
        medians, notes, breakdown = [], [], []
        for cmdline in (None, EMPTY):
            ctx = platforms.Context(root, build, kernel, iso, cmdline,
                                    tag="bench")
            work = os.path.join(ctx.build, "results", "bench")
            os.makedirs(work, exist_ok=True)
            try:
                times, why = _measure(plat, ctx, runs, work, out,
                                      breakdown if cmdline is None
                                      else None)
            except platforms.PlatformError as e:
                times, why = None, str(e)
            medians.append(times)
            if why:
                failed = True
                notes.append("%s: %s" % ("default" if cmdline is None
                                         else EMPTY, why))
        full_times, empty_times = medians
        full = statistics.median(full_times) if full_times else None
        empty = statistics.median(empty_times) if empty_times else None
        suite = full - empty if full is not None and empty is not None \
            else None
        target = TARGETS.get(name)
        if target is None:
            mark = ""
        elif full is None:
            mark = "target %.1f s: no result" % target
        else:
            mark = "target %.1f s: %s" % (
                target, "met" if full <= target else "MISSED")
        rows.append((name, full_times, empty_times, suite, mark, notes))
        details += describe_breakdown(name, breakdown)

    out("launch-to-verdict in seconds, min/median/max of %d run%s; suite = "
        "difference of the medians" % (runs, "" if runs == 1 else "s"))
    out("%-12s %17s %17s %8s  %s" % ("platform", "default", EMPTY,
                                     "suite", "target (median)"))
    for name, full_times, empty_times, suite, mark, notes in rows:
        out("%-12s %17s %17s %8s  %s" % (name, _spread(full_times),
                                         _spread(empty_times), _fmt(suite),
                                         mark))
        for n in notes:
            out("    " + n)
    for line in details:
        out(line)
    out("logs: %s" % os.path.join(build or os.path.join(root, "build"),
                                   "results", "bench"))
    # Missing a target is worth seeing, not a failure; a run that never
    # reached its verdict is.
    return 1 if failed else 0
