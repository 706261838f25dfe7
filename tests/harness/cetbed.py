#!/usr/bin/env python3
"""cetbed host harness: boot a platform, compare its KTAP results with the
platform's expectation file, and leave the log and a JUnit file behind.

Exit status: 0 the run matched, 1 it did not (mismatch or crash), 2 the
harness could not do its job (bad usage, missing emulator, bad
expectation file), 130 interrupted.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench            # noqa: E402
import benchcet         # noqa: E402
import expect           # noqa: E402
import htmlreport       # noqa: E402
import junit            # noqa: E402
import ktap             # noqa: E402
import matrix           # noqa: E402
import platforms        # noqa: E402
import report           # noqa: E402
import runner           # noqa: E402
import summary          # noqa: E402
import testlist         # noqa: E402
import symbolize        # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
EXIT_MATCH, EXIT_MISMATCH, EXIT_HARNESS, EXIT_INTERRUPTED = 0, 1, 2, 130


def shown(path):
    """A path as short as it can be said from the repository root."""
    if path is None:
        return "(no expectation file)"
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def expect_path(platform, override=None):
    return override or os.path.join(ROOT, "tests", "expect",
                                    platform + ".expect")


def planned_names(kernel, cmdline):
    """The names of the tests a run of this kernel with this command line
    plans, read from the image; None when the image cannot say."""
    try:
        return [t.name for t in testlist.selected(
            testlist.read(kernel or os.path.join(ROOT, "build", "kernel.elf")),
            cmdline)]
    except testlist.TestListError:
        return None


def rerun_command(argv, result, cmp, cmdline):
    """A shell command, quoted to paste back, that reruns the tests that
    did not end as expected (or the crashed one), keeping the other
    options of the command line."""
    names = [c.test.name for c in cmp.mismatches
             if c.test.name != ktap.BOOT_TEST]
    if cmp.crash and result.last_started and result.last_started[1]:
        names.append(result.last_started[1])
    words = [w for w in (cmdline or "").split()
             if not w.startswith("tests=")]
    if names:
        words.append("tests=" + ",".join(dict.fromkeys(names)))
    return shlex.join(list(argv) + (["--cmdline", " ".join(words)]
                                    if words else []))


def evaluate(platform, result, expectations, path, cmdline=None, crash=None,
             problems=(), out=None, xml_path=None, log_path=None,
             seconds=0.0, kernel=None, rerun=None):
    """Compare, write JUnit, print the summary; return the exit status.
    rerun: the harness command that made this run, to print one that runs
    only the tests that went wrong.
    Every way into the harness ends here, so they all judge alike."""
    out = out or sys.stdout
    cmp = expect.compare(result, expectations, cmdline, crash)
    cmp.problems.extend(problems)
    if rerun and (cmp.mismatches or cmp.crash):
        out.write("  rerun: %s\n" % rerun_command(rerun, result, cmp,
                                                   cmdline))
    if xml_path:
        names = planned_names(kernel, cmdline) if cmp.crash else None
        tree = junit.build(platform, result, cmp, seconds, cmdline, log_path,
                           names)
        junit.write(xml_path, tree)
    for line in report.summary(platform, result, cmp, shown(path)):
        out.write(line + "\n")
    out.flush()
    return EXIT_MATCH if cmp.matched else EXIT_MISMATCH


def execute(platform, launch, timeout, results_dir, expectations, path,
            out=None, verbose=False, kernel=None, rerun=None, echo=None):
    """Run one prepared launch to the end and judge it."""
    out = out or sys.stdout
    os.makedirs(results_dir, exist_ok=True)
    log_path = os.path.join(results_dir, platform + ".log")
    live = report.Live(expectations, out, verbose, echo)
    if launch.device:
        out.write("%s: listening to %s at %d baud\n" % (
            platform, launch.device, launch.baud))
        # Nothing happens until a person boots the machine: say so.
        out.write("  waiting up to %g s for the machine's KTAP output: boot "
                  "it now (Ctrl-C stops)\n" % timeout)
    else:
        out.write("%s: %s\n" % (platform, shlex.join(launch.argv)))
    if launch.cmdline is not None:
        out.write("  cmdline: %s\n" % shlex.quote(launch.cmdline))
    out.flush()
    outcome = runner.run(launch, timeout, log_path,
                         os.path.join(results_dir, platform + ".emu.log"),
                         on_event=live)
    if outcome.verdict_seconds is not None:
        out.write("  launch to verdict: %.2f s\n" % outcome.verdict_seconds)
    _check_required(launch, log_path, outcome)
    if outcome.crash and outcome.result.verdict is None:
        _emulator_tail(out, os.path.join(results_dir, platform + ".emu.log"))
    out.write("  log: %s\n" % shown(log_path))
    status = evaluate(platform, outcome.result, expectations, path,
                      launch.cmdline, outcome.crash, outcome.problems, out,
                      os.path.join(results_dir, platform + ".xml"), log_path,
                      outcome.seconds, kernel, rerun)
    return EXIT_INTERRUPTED if outcome.interrupted else status


def _check_required(launch, log_path, outcome):
    """A variant may name lines its log must hold (e.g. the power-off path
    it exists to exercise); a missing one fails the run."""
    if not launch.require:
        return
    try:
        with open(log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        text = ""
    for rx in launch.require:
        if not re.search(rx, text, re.M):
            outcome.problems.append("the log lacks a line matching %r" % rx)


def _emulator_tail(out, path, n=15):
    try:
        with open(path, "rb") as f:
            lines = f.read()[-4096:].decode("utf-8", "replace").splitlines()
    except OSError:
        return
    lines = [ktap.strip_escapes(s).strip() for s in lines]
    lines = [s for s in lines if s][-n:]
    if lines:
        out.write("  emulator output (%s):\n" % shown(path))
        for s in lines:
            out.write("    " + s + "\n")


def cmd_run(args):
    plat = platforms.get(args.platform)
    # A run with its own command line keeps its own files: the full run's
    # log and JUnit file (and the report built from them) stay.
    name = getattr(args, "name", None) or (
        plat.name + "-cmdline" if args.cmdline is not None and
        plat.family != "device" else plat.name)
    # A variant's own options (clearcpuid=..., timer=...) come first:
    # Platform.prepare() puts them before --cmdline.
    modules = None
    if getattr(args, "module", None):
        modules = []
        for m in args.module:
            path, sep, runs = m.partition(":")
            if not sep or not path or not runs.strip():
                raise platforms.PlatformError(
                    "--module wants FILE:RUNS, e.g. build/linux/cetbed-linux.boot:"
                    "hello;spin, not %r" % m)
            modules.append((path, runs.strip()))
    ctx = platforms.Context(ROOT, args.build, args.kernel, args.iso,
                            args.cmdline, args.bochs3_root,
                            getattr(args, "device", None),
                            getattr(args, "baud", None) or 115200,
                            modules=modules,
                            tag=name if name != plat.name else None)
    path = expect_path(plat.expect_name, args.expect)
    expectations = expect.load_expectations(path)
    if not args.expect:
        for extra in plat.expect_extra:
            more = expect.load_expectations(expect_path(extra))
            twice = sorted(set(more) & set(expectations))
            if twice:
                raise expect.ExpectError("%s: %s already listed in %s" % (
                    expect_path(extra), ", ".join(twice), path))
            expectations.update(more)
    launch = plat.prepare(ctx)
    timeout = args.timeout or plat.timeout
    return execute(name, launch, timeout,
                   os.path.join(ctx.build, "results"), expectations, path,
                   verbose=args.verbose, kernel=ctx.kernel,
                   rerun=["python3", "tests/harness/cetbed.py", "run",
                          plat.name] + (["--device", ctx.device]
                                        if ctx.device else []) +
                   (["--expect", args.expect] if args.expect else []))


def cmd_run_elf(args):
    """One static Linux program of the user's, booted as a module and run
    under the Linux personality; its output is printed as it comes, and a
    CET fault report is symbolized against the ELF."""
    plat = platforms.get(args.platform)
    elf = os.path.abspath(args.elf)
    if not os.path.isfile(elf):
        raise platforms.PlatformError("%s: no such file" % args.elf)
    words = [os.path.basename(elf)] + list(args.args)
    runs = " ".join(words)
    bad = [c for c in ";,'\"\\" if c in runs]
    if bad or any(not w or any(ch.isspace() for ch in w) for w in args.args):
        raise platforms.PlatformError(
            "program arguments must be non-empty words without spaces, "
            "';', ',', quotes or backslashes: %r" % runs)
    opts = []
    if args.shstk:
        opts.append("shstk=on")
    if args.ibt:
        opts.append("ibt=on")
    # The kernel names the run's test after argv[0] the same way.
    # The image gets a copy without symbols (less for the loader to read
    # through BIOS calls); addr2line keeps using the ELF as given.
    boot_copy = _stripped_copy(elf, args.build)
    cmdline = "tests=linux_" + re.sub(r"[^A-Za-z0-9_]", "_", words[0])[:33]
    if args.cmdline:
        cmdline += " " + args.cmdline
    ctx = platforms.Context(ROOT, args.build, args.kernel, args.iso, cmdline,
                            args.bochs3_root,
                            modules=[(boot_copy, " ".join(opts + ["--"] + words))
                                     if opts else (boot_copy, runs)])
    launch = plat.prepare(ctx)
    timeout = args.timeout or plat.timeout
    name = args.name or "%s-elf" % plat.name
    return execute(name, launch, timeout, os.path.join(ctx.build, "results"),
                   {}, None, verbose=args.verbose,
                   echo=symbolize.Symbolizer(elf))


def _stripped_copy(elf, build):
    out_dir = os.path.join(build or os.path.join(ROOT, "build"), "results")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "run-elf.boot")
    tool = shutil.which("strip")
    if tool and subprocess.run([tool, "-o", out, elf], capture_output=True
                               ).returncode == 0:
        return out
    return elf


def cmd_run_all(args):
    """Every platform in turn, each judged on its own; one failing platform
    does not stop the others, and a harness error on one is its failure."""
    verdicts = []
    for name in args.platforms:
        args.platform = name
        try:
            status = cmd_run(args)
        except (platforms.PlatformError, expect.ExpectError, OSError) as e:
            print("%s: HARNESS ERROR: %s" % (name, e))
            status = EXIT_HARNESS
        if status == EXIT_INTERRUPTED:
            return status
        verdicts.append((name, status))
        print()
    print("all platforms:")
    for name, status in verdicts:
        word = {EXIT_MATCH: "MATCH", EXIT_MISMATCH: "MISMATCH"}.get(
            status, "HARNESS ERROR")
        print("  %-24s %s" % (name, word))
    bad = sum(1 for _, s in verdicts if s != EXIT_MATCH)
    print("platforms: %d passed, %d failed" % (len(verdicts) - bad, bad))
    return EXIT_MATCH if not bad else EXIT_MISMATCH


def cmd_matrix(args):
    """Platforms and checks side by side, bounded by the core count."""
    build = os.path.abspath(args.build or os.path.join(ROOT, "build"))
    results = os.path.join(build, "results")
    passthrough = []
    for opt in ("build", "kernel", "iso", "bochs3_root", "timeout"):
        value = getattr(args, opt)
        if value is not None:
            passthrough += ["--" + opt.replace("_", "-"), str(value)]
    for name in args.platforms:
        platforms.get(name)
    jobs = [matrix.platform_job(name, os.path.abspath(__file__),
                                passthrough, results)
            for name in args.platforms]
    jobs += [matrix.command_job(n, c) for n, c in args.check or ()]
    jobs += [matrix.command_job(n, c, weight=0) for n, c in args.light or ()]
    names = [j.name for j in jobs]
    dup = sorted(set(n for n in names if names.count(n) > 1))
    if dup:
        raise platforms.PlatformError("job names used twice: %s"
                                      % ", ".join(dup))
    return matrix.run(jobs, results, ROOT, args.jobs or os.cpu_count() or 1)


def cmd_parse(args):
    with open(args.log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    name = args.platform or "log"
    if args.platform:
        platforms.get(args.platform)
        path = expect_path(platforms.get(args.platform).expect_name,
                           args.expect)
        expectations = expect.load_expectations(path)
    else:
        path = args.expect
        expectations = expect.load_expectations(path) if path else {}
    live = report.Live(expectations)
    p = ktap.Parser()
    for line in text.split("\n"):
        for ev in p.feed(line):
            live(ev)
    result = p.finish()
    return evaluate(name, result, expectations, path, args.cmdline,
                    xml_path=args.xml, log_path=args.log, kernel=args.kernel)


def _efivar_text(path):
    """The text of a file copied out of /sys/firmware/efi/efivars, after
    its 4 attribute bytes; None (and a message) if it is not one."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        attrs, text = summary.read_efivar(data)
    except summary.SummaryError as e:
        print("cetbed: %s: %s" % (path, e), file=sys.stderr)
        return None
    print("%s: attributes %s" % (shown(path), summary.attr_names(attrs)))
    return text


def cmd_decode_summary(args):
    """Print a summary line (from the verdict screen's QR code, or a
    CetbedSummary file copied out of efivars); with --platform also judge
    it, with --names name its tests from a log."""
    if (args.text is None) == (args.efivar is None):
        print("cetbed: decode-summary takes a summary text or --efivar FILE",
              file=sys.stderr)
        return EXIT_HARNESS
    if args.efivar:
        text = _efivar_text(args.efivar)
        if text is None:
            return EXIT_HARNESS
        if text.startswith("run="):
            try:
                progress = summary.decode_progress(text)
            except summary.SummaryError as e:
                print("cetbed: bad progress record: %s" % e, file=sys.stderr)
                return EXIT_HARNESS
            print("\n".join(summary.describe_progress(progress)))
            # An unfinished run has no verdict to match anything.
            return EXIT_MATCH if progress["done"] else EXIT_MISMATCH
    else:
        if args.text == "-" and sys.stdin.isatty():
            print("cetbed: reading the summary line from the terminal "
                  "(paste it, then Ctrl-D)", file=sys.stderr)
        text = sys.stdin.read() if args.text == "-" else args.text
    try:
        d = summary.decode(text)
    except summary.SummaryError as e:
        print("cetbed: bad summary: %s" % e, file=sys.stderr)
        return EXIT_HARNESS
    names = None
    if args.names:
        with open(args.names, "rb") as f:
            log = f.read()
        names = {t.number: t.name for t in ktap.parse_text(
            log.decode("utf-8", "replace")).tests}
        same = summary.log_hash(log) == d["log_hash"]
        print("names from %s (%s run)" % (shown(args.names),
                                          "the same" if same else "another"))
    if args.json:
        print(summary.to_json(d))
    else:
        print("\n".join(summary.describe(d, names)))
    if not args.platform:
        return EXIT_MATCH
    path = expect_path(platforms.get(args.platform).expect_name, args.expect)
    cmp = summary.compare(d, expect.load_expectations(path), names)
    print("\n".join(summary.verdict_lines(args.platform, d, cmp)))
    return EXIT_MATCH if cmp.matched else EXIT_MISMATCH


def cmd_bench(args):
    return bench.main(ROOT, args.runs, args.platforms, args.build,
                      args.kernel, args.iso)


def cmd_report(args):
    """The conformance report from the logs already in the results
    directory; touches no emulator."""
    results = args.results or os.path.join(ROOT, "build", "results")
    if not os.path.isdir(results):
        print("cetbed: no results directory %s: run 'make test' first"
              % shown(results), file=sys.stderr)
        return EXIT_HARNESS
    index, columns, groups = htmlreport.write(
        results, os.path.join(ROOT, "tests", "expect"),
        kernel=args.kernel or os.path.join(ROOT, "build", "kernel.elf"))
    if not columns:
        print("cetbed: no log in %s has an expectation file: run 'make "
              "test' first" % shown(results), file=sys.stderr)
        return EXIT_HARNESS
    print("report: %s (%d tests in %d areas, %d platforms: %s)" % (
        shown(index), sum(len(n) for _, n in groups), len(groups),
        len(columns), ", ".join(c.name for c in columns)))
    print("        %s" % shown(os.path.join(os.path.dirname(index),
                                            "summary.md")))
    return EXIT_MATCH


def cmd_list_tests(args):
    """Every test in the image, with its area, in run order; no boot."""
    kernel = args.kernel or os.path.join(ROOT, "build", "kernel.elf")
    try:
        tests = testlist.read(kernel)
    except testlist.TestListError as e:
        print("cetbed: %s (build it with 'make')" % e, file=sys.stderr)
        return EXIT_HARNESS
    chosen = testlist.selected(tests, args.cmdline) \
        if args.cmdline is not None else tests
    for t in chosen:
        if args.names:
            print(t.name)
        else:
            print("%-6s %s%s" % (t.area, t.name,
                                 "  (opt-in: runs only when named exactly)"
                                 if t.optin else ""))
    return EXIT_MATCH


def cmd_bench_elf(args):
    return bench.main_elf(ROOT, args.runs, args.platforms,
                          os.path.abspath(args.elf), args.build, args.kernel)


def cmd_bench_cet(args):
    names = args.platforms if args.platforms is not None else \
        ([] if args.log else list(benchcet.PLATFORMS))
    for name in names:
        platforms.get(name)
    return benchcet.main(ROOT, names, args.log or (), args.build,
                         args.kernel, args.iso)


def cmd_list(args):
    for p in platforms.PLATFORMS.values():
        if getattr(args, "matrix", False) and not p.matrix:
            continue
        if getattr(args, "names", False):
            print(p.name)
            continue
        print("%-24s %-6s boots %-6s timeout %3d s" % (p.name, p.family,
                                                       p.boot, p.timeout))
    return 0


def positive_seconds(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number of seconds"
                                         % text) from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError("must be more than 0 seconds, "
                                         "not %s" % text)
    return v


def baud_rate(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text) \
            from None
    if v <= 0:
        raise argparse.ArgumentTypeError("must be a line speed such as "
                                         "115200, not %s" % text)
    return v


def parser():
    ap = argparse.ArgumentParser(prog="cetbed.py", description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    def images(p):
        p.add_argument("--kernel", help="kernel ELF (build/kernel.elf)")
        p.add_argument("--iso", help="boot ISO (build/cetbed.iso)")
        p.add_argument("--build", help="build directory (build/)")

    p = sub.add_parser("run", help="boot one platform and judge the run")
    p.add_argument("platform", help=", ".join(platforms.PLATFORMS))
    p.add_argument("--cmdline", help="kernel command line, e.g. "
                   "'tests=shstk_*' (ISO platforms get a variant ISO)")
    p.add_argument("--timeout", type=positive_seconds,
                   help="seconds before the run is a CRASH (QEMU %d, Bochs "
                   "%d)" % (platforms.QEMU_TIMEOUT, platforms.BOCHS_TIMEOUT))
    p.add_argument("--expect", help="expectation file "
                   "(tests/expect/PLATFORM.expect)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show test starts and all diagnostics")
    p.add_argument("--bochs3-root", help="Debian 13 root holding Bochs 3.0 "
                   "(build/bochs3-root)")
    p.add_argument("--name", help="name for the results files and summary "
                   "(default: the platform's)")
    p.add_argument("--device", help="serial platform: the tty to listen "
                   "to, e.g. /dev/ttyUSB0")
    p.add_argument("--baud", type=baud_rate, default=115200,
                   help="serial platform: line speed (115200)")
    p.add_argument("--module", action="append", metavar="FILE:RUNS",
                   help="boot with these Linux-program modules instead of "
                   "the default ones (repeatable); RUNS is ';'-separated "
                   "argument lists, argv[0] first")
    images(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("run-elf", help="boot one platform with a static "
                       "Linux x86-64 program and run it under the Linux "
                       "personality")
    p.add_argument("elf", help="a static Linux x86-64 executable (gcc -static)")
    p.add_argument("args", nargs="*", help="its arguments (after --)")
    p.add_argument("--platform", default="bochs",
                   help=", ".join(platforms.PLATFORMS) + " (bochs)")
    p.add_argument("--shstk", action="store_true", help="turn shadow "
                   "stacks on before it starts, whatever its ELF notes say")
    p.add_argument("--ibt", action="store_true", help="turn indirect branch "
                   "tracking on before it starts")
    p.add_argument("--cmdline", help="more kernel options, e.g. timeout=5")
    p.add_argument("--timeout", type=float, help="seconds before the run is "
                   "a CRASH")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--bochs3-root", help="Debian 13 root holding Bochs 3.0")
    p.add_argument("--name", help="name for the results files")
    images(p)
    p.set_defaults(func=cmd_run_elf)

    p = sub.add_parser("run-all", help="run several platforms, then one "
                       "summary; non-zero if any does not match")
    p.add_argument("platforms", nargs="+", metavar="PLATFORM")
    p.add_argument("--cmdline", help="kernel command line for every platform")
    p.add_argument("--timeout", type=positive_seconds,
                   help="seconds per platform")
    p.add_argument("--expect", default=None, help=argparse.SUPPRESS)
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--bochs3-root", help="Debian 13 root holding Bochs 3.0")
    images(p)
    p.set_defaults(func=cmd_run_all)

    p = sub.add_parser("matrix", help="platforms and checks side by side, "
                       "at most --jobs CPU-bound ones at a time; non-zero "
                       "if any fails")
    p.add_argument("platforms", nargs="*", metavar="PLATFORM")
    p.add_argument("--jobs", "-j", type=int, help="CPU-bound jobs at a "
                   "time (the number of cores)")
    p.add_argument("--check", nargs=2, action="append",
                   metavar=("NAME", "COMMAND"), help="also run COMMAND "
                   "(split like a shell would, not run by one); its exit "
                   "status is its result")
    p.add_argument("--light", nargs=2, action="append",
                   metavar=("NAME", "COMMAND"), help="a check that mostly "
                   "sleeps: runs at once, outside the --jobs bound")
    p.add_argument("--timeout", type=float, help="seconds per platform")
    p.add_argument("--bochs3-root", help="Debian 13 root holding Bochs 3.0")
    images(p)
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("parse", help="judge a saved serial log")
    p.add_argument("log")
    p.add_argument("--platform", help="compare with this platform's "
                   "expectations (default: every test must pass)")
    p.add_argument("--expect", help="expectation file to use instead")
    p.add_argument("--cmdline", help="the command line the log was run with")
    p.add_argument("--xml", help="also write JUnit XML here")
    p.add_argument("--kernel", help="kernel ELF the log came from, to name "
                   "the tests a crash left unreported (build/kernel.elf)")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("decode-summary", help="decode the summary line of "
                       "the verdict screen's QR code ('-' reads stdin), or "
                       "a UEFI variable copied out of efivars")
    p.add_argument("text", nargs="?")
    p.add_argument("--efivar", metavar="FILE", help="a copy of "
                   "/sys/firmware/efi/efivars/CetbedSummary-GUID (or "
                   "CetbedProgress-GUID), attribute bytes included")
    p.add_argument("--platform", help="also judge it against this "
                   "platform's expectations")
    p.add_argument("--expect", help="expectation file to use instead")
    p.add_argument("--names", help="serial log of the same build, to name "
                   "the failing tests")
    p.add_argument("--json", action="store_true", help="print the fields "
                   "as JSON")
    p.set_defaults(func=cmd_decode_summary)

    p = sub.add_parser("bench-boot", help="median launch-to-verdict times")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--platforms", nargs="+", default=list(bench.PLATFORMS),
                   metavar="PLATFORM")
    images(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("report", help="write the conformance report "
                       "(results/index.html, summary.md) from existing logs")
    p.add_argument("--results", help="directory holding PLATFORM.log "
                   "(build/results)")
    p.add_argument("--kernel", help="kernel ELF that names areas and "
                   "unreported tests (build/kernel.elf)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("list-tests", help="the tests in the kernel image "
                       "and their areas, read without booting")
    p.add_argument("--kernel", help="kernel ELF (build/kernel.elf)")
    p.add_argument("--cmdline", help="only those this command line selects")
    p.add_argument("--names", action="store_true", help="names only")
    p.set_defaults(func=cmd_list_tests)

    p = sub.add_parser("bench-elf", help="median boot-to-exit of a static "
                       "program next to an empty run")
    p.add_argument("elf")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--platforms", nargs="+", default=list(bench.ELF_PLATFORMS),
                   metavar="PLATFORM")
    p.add_argument("--kernel", help="kernel ELF (build/kernel.elf)")
    p.add_argument("--build", help="build directory (build/)")
    p.set_defaults(func=cmd_bench_elf)

    p = sub.add_parser("bench-cet", help="CET cost microbenchmarks: boot "
                       "with tests=bench_cet and print the figures side by "
                       "side")
    p.add_argument("--platforms", nargs="*", metavar="PLATFORM",
                   help="platforms to boot (default: every emulator; none "
                   "with --log)")
    p.add_argument("--log", action="append", metavar="FILE",
                   help="also a saved serial log of a bench_cet run, e.g. "
                   "from a laptop (cetbed.py run serial --cmdline "
                   "tests=bench_cet)")
    images(p)
    p.set_defaults(func=cmd_bench_cet)

    p = sub.add_parser("list", help="the platforms and their timeouts")
    p.add_argument("--matrix", action="store_true",
                   help="only make test-matrix's configurations")
    p.add_argument("--names", action="store_true",
                   help="names only, one a line")
    p.set_defaults(func=cmd_list)
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        # `... | head`: the reader has what it wanted.
        sys.stderr.close()
        return EXIT_MATCH
    except (platforms.PlatformError, expect.ExpectError, OSError) as e:
        sys.stdout.flush()
        print("cetbed: error: %s" % e, file=sys.stderr)
        return EXIT_HARNESS
    except KeyboardInterrupt:
        print("cetbed: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
