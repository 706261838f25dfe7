#!/usr/bin/env python3
"""A UEFI run with no serial port at all still reports its result: boots
qemu-uefi-noserial (OVMF, q35) with `-serial none` and a display adapter,
waits for the verdict screen by watching the screen (QEMU monitor
screendump), reads its QR code with zbarimg, and ends the hold with a key.
A second boot on the same variable store, with a serial port, must report
that first run as finished and its summary verbatim (UEFI variables).  The
summary is then judged against tests/expect/qemu-uefi.expect, its failing
tests named from the second boot's log (same build, same numbering).

Exit status 0 when every check holds, 1 when one does not, 2 when the
platform cannot run here.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import expect           # noqa: E402
import ktap             # noqa: E402
import platforms        # noqa: E402
import runner           # noqa: E402
import screenshot       # noqa: E402
import summary          # noqa: E402

ROOT = screenshot.ROOT
PLATFORM = "qemu-uefi-noserial"
HOLD = "screen=120"
TIMEOUT = 240.0


def boot_without_serial(out):
    """The first boot; returns (QR text or None, QEMU exit status)."""
    plat = platforms.get(PLATFORM)
    ctx = platforms.Context(ROOT, cmdline=HOLD)
    launch = plat.prepare(ctx)
    results = os.path.join(ctx.build, "results")
    sock = os.path.join(results, PLATFORM + "-monitor.sock")
    png = os.path.join(results, PLATFORM + "-screen.png")
    if os.path.exists(sock):
        os.unlink(sock)
    argv = screenshot.launch_argv(launch, sock, "VGA")
    i = argv.index("-serial")
    argv[i + 1] = "none"
    out.write("boot 1 (no serial port): %s\n" % " ".join(argv))
    proc = subprocess.Popen(argv, cwd=launch.cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    text, started = None, time.monotonic()
    try:
        mon = screenshot.Monitor(sock)
        banners = set(screenshot.BANNER.values())
        while time.monotonic() - started < TIMEOUT and proc.poll() is None:
            time.sleep(2.0)
            if screenshot.shoot(mon, png) in banners:
                # The banner comes first; give the QR code a moment.
                time.sleep(screenshot.DRAW_DELAY)
                screenshot.shoot(mon, png)
                break
        else:
            out.write("  no verdict screen within %g s\n" % TIMEOUT)
            return None, proc.poll()
        out.write("  verdict screen after %.1f s\n" % (time.monotonic() - started))
        z = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", png],
                           capture_output=True, text=True)
        text = z.stdout.strip() or None
        mon.command("sendkey spc")
        mon.close()
        proc.wait(20)
    except FileNotFoundError:
        out.write("  zbarimg not found: apt-get install zbar-tools\n")
    except (OSError, subprocess.TimeoutExpired) as e:
        out.write("  %s\n" % e)
    finally:
        screenshot.stop(proc, sock)
    return text, proc.returncode


def main():
    out = sys.stdout
    try:
        platforms.get(PLATFORM).check(platforms.Context(ROOT))
    except platforms.PlatformError as e:
        print("noserial-check: %s" % e, file=sys.stderr)
        return 2
    failed = []

    def check(cond, what):
        out.write("  %s %s\n" % ("ok  " if cond else "FAIL", what))
        if not cond:
            failed.append(what)
        return cond

    qr, status = boot_without_serial(out)
    if not check(qr is not None, "the verdict screen's QR code was read"):
        return 1
    out.write("  QR: %s\n" % qr)
    d = summary.decode(qr)
    check(status == platforms.QEMU_EXIT.get(d["verdict"]),
          "QEMU exit status %s matches the summary's verdict %s"
          % (status, d["verdict"]))

    plat = platforms.get(PLATFORM)
    ctx = platforms.Context(ROOT)
    launch = plat.prepare(ctx)
    results = os.path.join(ctx.build, "results")
    log_path = os.path.join(results, PLATFORM + ".log")
    out.write("boot 2 (serial port, same variable store)\n")
    o = runner.run(launch, plat.timeout, log_path,
                   os.path.join(results, PLATFORM + ".emu.log"))
    with open(log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace").replace("\r", "")
    check(re.search(r"^# previous run [0-9a-f]+ finished$", text, re.M)
          is not None, "boot 2 reports boot 1 finished")
    check("\n# previous run: %s\n" % qr in text,
          "boot 2 reports boot 1's summary (UEFI variable) as the QR code "
          "showed it")

    names = {t.number: t.name for t in ktap.parse_text(text).tests}
    path = os.path.join(ROOT, "tests", "expect", "qemu-uefi.expect")
    cmp = summary.compare(d, expect.load_expectations(path), names)
    for line in summary.verdict_lines("boot 1", d, cmp):
        out.write("  " + line + "\n")
    check(cmp.matched, "boot 1's summary matches %s"
          % os.path.relpath(path, ROOT))
    out.write("noserial-check: %s\n" % ("all checks passed" if not failed
                                        else "%d checks failed" % len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
