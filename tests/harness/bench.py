"""Boot-time benchmark: launch-to-verdict per platform (min, median and
max), with the default suite and with no test selected, so the suite's own
cost shows apart from firmware and emulator start-up.  Each run prints its
time as it ends: a slow platform shows it is moving."""

import os
import re
import statistics

import platforms
import runner

PLATFORMS = ("qemu-kernel", "qemu-bios", "bochs", "qemu-uefi")
TARGETS = {"qemu-kernel": 0.3, "bochs": 1.5}
EMPTY = "tests="


def _measure(plat, ctx, runs, work, out=print):
    """The seconds to the verdict of each run, or (None, why) when a run
    had none."""
    launch = plat.prepare(ctx)
    label = "default" if ctx.cmdline is None else \
        "empty" if ctx.cmdline == EMPTY else "elf"
    times = []
    for i in range(runs):
        log = os.path.join(work, "%s.%s.%d.log" % (plat.name, label, i))
        done = runner.run(launch, plat.timeout, log,
                          os.path.join(work, "%s.emu.log" % plat.name))
        if done.interrupted:
            raise KeyboardInterrupt
        if done.verdict_seconds is None:
            out("  %-12s %-7s run %d/%d: no verdict" % (plat.name, label,
                                                       i + 1, runs))
            return None, "no verdict (%s; see %s)" % (
                done.crash or done.result.crash_reason() or "?", log)
        times.append(done.verdict_seconds)
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
                median, why = _measure(plat, ctx, runs, work)
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
    rows, failed = [], False
    for name in names:
        plat = platforms.get(name)
        medians, notes = [], []
        for cmdline in (None, EMPTY):
            ctx = platforms.Context(root, build, kernel, iso, cmdline)
            work = os.path.join(ctx.build, "results", "bench")
            os.makedirs(work, exist_ok=True)
            try:
                times, why = _measure(plat, ctx, runs, work, out)
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
    out("logs: %s" % os.path.join(build or os.path.join(root, "build"),
                                   "results", "bench"))
    # Missing a target is worth seeing, not a failure; a run that never
    # reached its verdict is.
    return 1 if failed else 0
