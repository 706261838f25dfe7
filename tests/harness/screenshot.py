#!/usr/bin/env python3
"""Boot qemu-uefi with a display adapter, wait for the verdict on the serial
port, and take a screenshot of the verdict screen through the QEMU monitor
(screendump), saved as PNG.

    tests/harness/screenshot.py [--cmdline 'screen=30'] [--out FILE.png]
                                [--at REGEX --at-out FILE.png] [--key]
                                [--device VGA,xres=2560,yres=1600]

The launch is the harness's qemu-uefi launch with `-device VGA` (so that
OVMF has a GOP for GRUB to set a mode on) and a monitor socket. The kernel
must hold the screen (screen=SECONDS); without a screen= option, screen=30
is added. --at also captures the console when a serial line matches REGEX.
--key ends the hold with a key press (monitor sendkey) and checks that the
machine powers off soon after; otherwise QEMU is stopped after the shot.

Exit status: 0 screenshot written (and, with --key, the key ended the
hold), 1 it was not, 2 the launch could not be prepared.
"""

import argparse
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ktap             # noqa: E402
import platforms        # noqa: E402
import testlist         # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
VERDICT = re.compile(r"^Test result: (SUCCESS|SKIP|FAILURE|ERROR)\b")
# The verdict screen's banner colors (kernel/report/fbcon_verdict.c): the top-left
# pixel tells that the screen is the verdict screen, and for which verdict.
BANNER = {"SUCCESS": 0x30b040, "SKIP": 0xe0c020, "FAILURE": 0xd02828,
          "ERROR": 0xd02828}
# Test areas whose passing tests show CET at work (tests/runner.c).
CET_AREAS = ("shstk", "ibt", "sss")


def cet_tested(serial_log):
    """Whether the run enumerated CET and passed a test of a CET area, as
    the verdict screen decides its PASS color; areas from the image."""
    with open(serial_log, "rb") as f:
        result = ktap.parse_text(f.read().decode("utf-8", "replace"))
    cet = result.fingerprint.get("cet", {})
    if cet.get("shstk") != "1" and cet.get("ibt") != "1":
        return False
    try:
        area = {t.name: t.area for t in testlist.read(
            os.path.join(ROOT, "build", "kernel.elf"))}
    except testlist.TestListError:
        area = {}
    return any(t.outcome == ktap.PASS and
               area.get(t.name, testlist.area_of(t.name)) in CET_AREAS
               for t in result.tests)


# After the verdict line the kernel draws the verdict screen: a few frames
# of emulated time at most.
DRAW_DELAY = 1.5


def shown(path):
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def ppm_to_png(ppm, png):
    """A binary PPM (P6, maxval 255) as an 8-bit RGB PNG; no imaging
    library needed."""
    with open(ppm, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        m = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(data, pos)
        if not m:
            raise ValueError("%s: not a PPM file" % ppm)
        fields.append(m.group(2))
        pos = m.end()
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("%s: only P6 with maxval 255 is handled" % ppm)
    w, h = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + w * h * 3]
    if len(pixels) != w * h * 3:
        raise ValueError("%s: truncated" % ppm)
    raw = b"".join(b"\0" + pixels[y * w * 3:(y + 1) * w * 3]
                   for y in range(h))

    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xffffffff
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", crc)

    with open(png, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))
    return w, h, int.from_bytes(pixels[:3], "big")


class Monitor:
    """The QEMU human monitor on a Unix socket: one command at a time,
    each answered up to the next prompt."""

    def __init__(self, path, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self._until_prompt()

    def _until_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf

    def command(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self._until_prompt()

    def close(self):
        self.sock.close()


def launch_argv(launch, sock, device, smbios=None):
    """The harness's qemu-uefi argv with a monitor socket and a display
    adapter instead of none, and SMBIOS fields if given."""
    argv = list(launch.argv)
    i = argv.index("-monitor")
    argv[i + 1] = "unix:%s,server,nowait" % sock
    return argv + ["-device", device] + (["-smbios", smbios] if smbios else [])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cmdline", default="screen=30",
                    help="kernel command line (default: screen=30)")
    ap.add_argument("--out", help="PNG to write "
                    "(build/results/qemu-uefi-screen.png)")
    ap.add_argument("--at", help="also capture when a serial line matches")
    ap.add_argument("--at-out", help="PNG for --at "
                    "(build/results/qemu-uefi-console.png)")
    ap.add_argument("--key", action="store_true",
                    help="end the hold with a key press and check power-off")
    ap.add_argument("--device", default="VGA",
                    help="display adapter (default VGA); e.g. "
                    "VGA,xres=2560,yres=1600 offers a high-DPI mode")
    ap.add_argument("--smbios", help="QEMU -smbios value, e.g. "
                    "type=1,manufacturer=X,product=Y")
    ap.add_argument("--timeout", type=float, default=180.0,
                    help="seconds to wait for the verdict")
    args = ap.parse_args()

    cmdline = args.cmdline
    if not re.search(r"(^|\s)screen=", cmdline):
        cmdline = (cmdline + " screen=30").strip()
    ctx = platforms.Context(ROOT, cmdline=cmdline, tag="screen")
    results = os.path.join(ctx.build, "results")
    out = args.out or os.path.join(results, "qemu-uefi-screen.png")
    at_out = args.at_out or os.path.join(results, "qemu-uefi-console.png")
    try:
        launch = platforms.get("qemu-uefi").prepare(ctx)
    except platforms.PlatformError as e:
        print("screenshot: %s" % e, file=sys.stderr)
        return 2
    sock = os.path.join(results, "qemu-uefi-monitor.sock")
    serial_log = os.path.join(results, "qemu-uefi-screen.log")
    if os.path.exists(sock):
        os.unlink(sock)
    argv = launch_argv(launch, sock, args.device, args.smbios)
    print("screenshot: %s" % " ".join(argv))
    print("  cmdline: %r" % cmdline)

    proc = subprocess.Popen(argv, cwd=launch.cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    status = 1
    try:
        mon = Monitor(sock)
        status = capture(proc, mon, args, out, at_out, serial_log)
        mon.close()
    finally:
        stop(proc, sock)
    return status


def stop(proc, sock):
    """Ends an emulator started in a session of its own and removes its
    monitor socket."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if os.path.exists(sock):
        os.unlink(sock)


def shoot(mon, png):
    """Writes the screen to png; returns its top-left pixel as 0xRRGGBB."""
    ppm = os.path.splitext(png)[0] + ".ppm"
    mon.command("screendump %s" % ppm)
    w, h, corner = ppm_to_png(ppm, png)
    os.unlink(ppm)
    print("  screenshot %dx%d: %s" % (w, h, shown(png)))
    return corner


def serial_lines(proc, deadline, log):
    """The emulator's serial lines as they come; stops at the deadline or
    when the emulator is gone."""
    fd = proc.stdout.fileno()
    pending = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            return
        log.write(data)
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line.decode("utf-8", "replace").rstrip("\r")


def capture(proc, mon, args, out, at_out, serial_log):
    at = re.compile(args.at) if args.at else None
    verdict = None
    with open(serial_log, "wb") as log:
        for text in serial_lines(proc, time.monotonic() + args.timeout, log):
            if text.startswith("# fbcon:") or text.startswith("# screen:"):
                print("  " + text)
            if at and at.search(text):
                shoot(mon, at_out)
                at = None
            if VERDICT.match(text):
                verdict = text
                break
    if verdict is None:
        print("  no verdict line within %g s (QEMU status %s); serial log: %s"
              % (args.timeout, proc.poll(), shown(serial_log)))
        return 1
    print("  " + verdict)
    time.sleep(DRAW_DELAY)
    if proc.poll() is not None:
        print("  QEMU exited (status %d) before the screenshot: was the "
              "verdict screen held (screen=SECONDS)?" % proc.returncode)
        return 1
    corner = shoot(mon, out)
    want = BANNER[VERDICT.match(verdict).group(1)]
    if want == BANNER["SUCCESS"] and not cet_tested(serial_log):
        # A PASS that tested no CET wears SKIP's colors (fbcon_verdict.c).
        want = BANNER["SKIP"]
    if corner != want:
        print("  not the verdict screen: top-left pixel %06x, banner color "
              "%06x expected" % (corner, want))
        return 1
    if not args.key:
        return 0
    pressed = time.monotonic()
    mon.command("sendkey spc")
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        print("  the key did not end the hold within 10 s")
        return 1
    print("  key pressed: QEMU exited %.1f s later with status %d"
          % (time.monotonic() - pressed, proc.returncode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
