"""CET cost microbenchmarks (make bench-cet): boots each platform with
tests=bench_cet, or reads a saved serial log, and prints the kernel's
"# bench:" figures side by side.  An emulator counts emulated
instructions, not what a CPU spends, so its columns are labelled as not
meaningful; only a real machine (the serial platform, or a log from one)
gives figures worth comparing."""

import os
import re

import ktap
import platforms
import runner

CMDLINE = "tests=bench_cet"
TEST = "bench_cet"
PLATFORMS = ("qemu-kernel", "qemu-bios", "qemu-uefi", "bochs",
             "bochs3-tigerlake", "bochs3-sapphire-rapids",
             "bochs3-arrow-lake")

_FIGURE = re.compile(r"^bench: (\S+)\s+(.*?)\s+min\s+(\d+)\s+median\s+(\d+) "
                     r"cycles$")
_NOT = re.compile(r"^bench: (\S+)\s+(.*?)\s+not measured: (.*)$")


def parse(text):
    """A serial log -> (rows, result): rows are (key, what, min, median,
    why-not) in the order printed, min and median None when not measured."""
    result = ktap.parse_text(text)
    rows = []
    for d in all_diagnostics(result):
        d = d.strip()
        m = _FIGURE.match(d)
        if m:
            rows.append((m.group(1), m.group(2), int(m.group(3)),
                         int(m.group(4)), None))
            continue
        m = _NOT.match(d)
        if m:
            rows.append((m.group(1), m.group(2), None, None, m.group(3)))
    return rows, result


def all_diagnostics(result):
    """The run's own diagnostics, then each test's."""
    out = list(result.diagnostics)
    for t in result.tests:
        out.extend(t.diagnostics)
    return out


def judge(result):
    """None when bench_cet ran and passed, else what went wrong."""
    tests = [t for t in result.tests if t.name == TEST]
    if not tests:
        return "%s did not run (%s)" % (
            TEST, result.crash_reason() or "no result for it")
    t = tests[0]
    if t.outcome != ktap.PASS:
        return "%s: %s%s" % (TEST, t.outcome,
                             ": " + t.reason if t.reason else "")
    return None


def emulated(name):
    plat = platforms.PLATFORMS.get(name)
    return plat is None or plat.family != "device"


def table(columns):
    """columns: [(name, rows, emulated)] -> lines."""
    keys, what = [], {}
    for _, rows, _ in columns:
        for key, w, _, _, _ in rows:
            if key not in what:
                keys.append(key)
                what[key] = w
    width = max([len(what[k]) for k in keys] + [10])
    colw = max([len(n) for n, _, _ in columns] + [15])
    lines = ["TSC cycles per operation, median (min); '-' not measured"]
    lines.append("%-6s %-*s  %s" % ("", width, "", "  ".join(
        "%*s" % (colw, n) for n, _, _ in columns)))
    for key in keys:
        cells = []
        for _, rows, _ in columns:
            cell = "-"
            for k, _, lo, med, _ in rows:
                if k == key and med is not None:
                    cell = "%d (%d)" % (med, lo)
            cells.append("%*s" % (colw, cell))
        lines.append("%-6s %-*s  %s" % (key, width, what[key],
                                        "  ".join(cells)))
    fake = [n for n, _, e in columns if e]
    if fake:
        lines.append("not meaningful (emulated; the TSC follows emulated "
                     "instructions, not a CPU's cost): " + ", ".join(fake))
    reasons = {}
    for name, rows, _ in columns:
        for key, _, _, _, why in rows:
            if why:
                reasons.setdefault(why, []).append("%s %s" % (name, key))
    for why, where in reasons.items():
        lines.append("not measured: %s (%d figures)" % (why, len(where)))
    return lines


def run_platform(root, name, build=None, kernel=None, iso=None, out=print):
    plat = platforms.get(name)
    ctx = platforms.Context(root, build, kernel, iso, CMDLINE, tag="bench")
    launch = plat.prepare(ctx)
    results = os.path.join(ctx.build, "results")
    log = os.path.join(results, "bench-cet-%s.log" % name)
    outcome = runner.run(launch, plat.timeout, log, log + ".emu")
    if outcome.interrupted:
        raise KeyboardInterrupt
    with open(log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    rows, result = parse(text)
    problem = outcome.crash or judge(result)
    out("%-24s %s (log %s)" % (name, "FAILED: " + problem if problem
                               else "%d figures" % sum(
                                   1 for r in rows if r[3] is not None),
                               os.path.relpath(log, root)))
    return rows, problem


def main(root, names, logs=(), build=None, kernel=None, iso=None,
         out=print):
    columns, failed = [], False
    for name in names:
        try:
            rows, problem = run_platform(root, name, build, kernel, iso, out)
        except platforms.PlatformError as e:
            out("%-24s FAILED: %s" % (name, e))
            failed = True
            continue
        failed |= problem is not None
        columns.append((name, rows, emulated(name)))
    for path in logs:
        with open(path, "rb") as f:
            rows, result = parse(f.read().decode("utf-8", "replace"))
        problem = judge(result)
        label = os.path.basename(path)
        out("%-24s %s" % (label, "FAILED: " + problem if problem else
                          "%d figures" % sum(1 for r in rows
                                             if r[3] is not None)))
        failed |= problem is not None
        # A saved log may come from anything: the kernel's own line says
        # whether a hypervisor was there; Bochs sets no such bit.
        fake = any("under a hypervisor" in d
                   for d in all_diagnostics(result))
        columns.append((label + (" (hypervisor)" if fake else ""), rows,
                        fake))
    out("")
    if columns:
        for line in table(columns):
            out(line)
    return 1 if failed else 0
