#!/usr/bin/env python3
"""cetbed host harness: boot a platform, compare its KTAP results with the
platform's expectation file, and leave the log and a JUnit file behind.

Exit status: 0 the run matched, 1 it did not (mismatch or crash), 2 the
harness could not do its job (bad usage, missing emulator, bad
expectation file), 130 interrupted.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench            # noqa: E402
import benchcet         # noqa: E402
import expect           # noqa: E402
import junit            # noqa: E402
import ktap             # noqa: E402
import matrix           # noqa: E402
import platforms        # noqa: E402
import report           # noqa: E402
import runner           # noqa: E402
import summary          # noqa: E402

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


def evaluate(platform, result, expectations, path, cmdline=None, crash=None,
             problems=(), out=None, xml_path=None, log_path=None,
             seconds=0.0):
    """Compare, write JUnit, print the summary; return the exit status.
    Every way into the harness ends here, so they all judge alike."""
    out = out or sys.stdout
    cmp = expect.compare(result, expectations, cmdline, crash)
    cmp.problems.extend(problems)
    if xml_path:
        tree = junit.build(platform, result, cmp, seconds, cmdline, log_path)
        junit.write(xml_path, tree)
    for line in report.summary(platform, result, cmp, shown(path)):
        out.write(line + "\n")
    out.flush()
    return EXIT_MATCH if cmp.matched else EXIT_MISMATCH


def execute(platform, launch, timeout, results_dir, expectations, path,
            out=None, verbose=False):
    """Run one prepared launch to the end and judge it."""
    out = out or sys.stdout
    os.makedirs(results_dir, exist_ok=True)
    log_path = os.path.join(results_dir, platform + ".log")
    live = report.Live(expectations, out, verbose)
    if launch.device:
        out.write("%s: listening to %s at %d baud\n" % (
            platform, launch.device, launch.baud))
    else:
        out.write("%s: %s\n" % (platform, " ".join(launch.argv)))
    if launch.cmdline is not None:
        out.write("  cmdline: %r\n" % launch.cmdline)
    out.flush()
    outcome = runner.run(launch, timeout, log_path,
                         os.path.join(results_dir, platform + ".emu.log"),
                         on_event=live)
    if outcome.verdict_seconds is not None:
        out.write("  launch to verdict: %.2f s\n" % outcome.verdict_seconds)
    if outcome.crash and outcome.result.verdict is None:
        _emulator_tail(out, os.path.join(results_dir, platform + ".emu.log"))
    out.write("  log: %s\n" % shown(log_path))
    status = evaluate(platform, outcome.result, expectations, path,
                      launch.cmdline, outcome.crash, outcome.problems, out,
                      os.path.join(results_dir, platform + ".xml"), log_path,
                      outcome.seconds)
    return EXIT_INTERRUPTED if outcome.interrupted else status


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
    name = getattr(args, "name", None) or plat.name
    ctx = platforms.Context(ROOT, args.build, args.kernel, args.iso,
                            args.cmdline, args.bochs3_root,
                            getattr(args, "device", None),
                            getattr(args, "baud", None) or 115200,
                            tag=name if name != plat.name else None)
    path = expect_path(plat.name, args.expect)
    expectations = expect.load_expectations(path)
    launch = plat.prepare(ctx)
    timeout = args.timeout or plat.timeout
    return execute(name, launch, timeout,
                   os.path.join(ctx.build, "results"), expectations, path,
                   verbose=args.verbose)


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
        path = expect_path(args.platform, args.expect)
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
                    xml_path=args.xml, log_path=args.log)


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
    path = expect_path(platforms.get(args.platform).name, args.expect)
    cmp = summary.compare(d, expect.load_expectations(path), names)
    print("\n".join(summary.verdict_lines(args.platform, d, cmp)))
    return EXIT_MATCH if cmp.matched else EXIT_MISMATCH


def cmd_bench(args):
    return bench.main(ROOT, args.runs, args.platforms, args.build,
                      args.kernel, args.iso)


def cmd_bench_cet(args):
    names = args.platforms if args.platforms is not None else \
        ([] if args.log else list(benchcet.PLATFORMS))
    for name in names:
        platforms.get(name)
    return benchcet.main(ROOT, names, args.log or (), args.build,
                         args.kernel, args.iso)


def cmd_list(args):
    for p in platforms.PLATFORMS.values():
        print("%-24s %-6s boots %-6s timeout %3d s" % (p.name, p.family,
                                                       p.boot, p.timeout))
    return 0


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
    p.add_argument("--timeout", type=float,
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
    p.add_argument("--baud", type=int, default=115200,
                   help="serial platform: line speed (115200)")
    images(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("run-all", help="run several platforms, then one "
                       "summary; non-zero if any does not match")
    p.add_argument("platforms", nargs="+", metavar="PLATFORM")
    p.add_argument("--cmdline", help="kernel command line for every platform")
    p.add_argument("--timeout", type=float, help="seconds per platform")
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
    p.set_defaults(func=cmd_list)
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (platforms.PlatformError, expect.ExpectError, OSError) as e:
        sys.stdout.flush()
        print("cetbed: error: %s" % e, file=sys.stderr)
        return EXIT_HARNESS
    except KeyboardInterrupt:
        print("cetbed: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
