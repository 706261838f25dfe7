"""The serial platform against a pseudo-terminal: a saved log written into
the master side must be streamed, judged and kept exactly as the same log
from an emulator would be."""

import contextlib
import io
import os
import tempfile
import termios
import threading
import time
import tty
import unittest

import support
import cetbed
import expect
import ktap
import platforms
import runner


class SerialDevice(unittest.TestCase):
    def setUp(self):
        self.master, self.slave = os.openpty()
        self.addCleanup(os.close, self.master)
        self.addCleanup(os.close, self.slave)
        # Raw before any byte arrives: a cooked line discipline would
        # rewrite CRs and echo what the kernel sends.
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.build = tmp.name
        os.makedirs(os.path.join(self.build, "results"))

    def feed(self, name, delay=0.3, chunk=97, until_raw=False):
        """Writes a saved log into the master side from another thread,
        in odd-sized chunks, after the harness has had time to open it
        (or, until_raw, once the line is in raw mode)."""
        with open(support.log(name), "rb") as f:
            data = f.read()

        def write():
            end = time.monotonic() + 5
            while until_raw and time.monotonic() < end and \
                    termios.tcgetattr(self.slave)[3] & termios.ICANON:
                time.sleep(0.01)
            time.sleep(delay)
            for i in range(0, len(data), chunk):
                os.write(self.master, data[i:i + chunk])
                time.sleep(0.001)
        t = threading.Thread(target=write, daemon=True)
        t.start()
        self.addCleanup(t.join, 5)
        return data

    def execute(self, timeout=10.0, expectations=None, cmdline=None):
        ctx = platforms.Context(support.ROOT, build=self.build,
                                cmdline=cmdline, device=self.path)
        launch = platforms.get("serial").prepare(ctx)
        out = io.StringIO()
        status = cetbed.execute("serial", launch, timeout,
                                os.path.join(self.build, "results"),
                                expectations or {}, None, out)
        return status, out.getvalue()

    def test_saved_log_is_judged_like_an_emulator_run(self):
        data = self.feed("good.log")
        t0 = time.monotonic()
        status, out = self.execute(expectations={"mm_smep": _exp("SKIP")})
        self.assertEqual(status, 0, out)
        self.assertLess(time.monotonic() - t0, 5, "did not end at the verdict")
        self.assertIn("serial: listening to %s at 115200 baud" % self.path,
                      out)
        self.assertIn("serial: MATCH", out)
        with open(os.path.join(self.build, "results", "serial.log"),
                  "rb") as f:
            self.assertEqual(f.read(), data)

    def test_the_harness_makes_the_line_raw(self):
        # A cooked line would turn each CR into LF and echo input back.
        attr = termios.tcgetattr(self.slave)
        attr[0] |= termios.ICRNL
        attr[3] |= termios.ICANON | termios.ECHO
        termios.tcsetattr(self.slave, termios.TCSANOW, attr)
        data = self.feed("good.log", delay=0.0, until_raw=True)
        status, out = self.execute(expectations={"mm_smep": _exp("SKIP")})
        self.assertEqual(status, 0, out)
        with open(os.path.join(self.build, "results", "serial.log"),
                  "rb") as f:
            self.assertEqual(f.read(), data)

    def test_firmware_noise_and_crlf_are_ignored(self):
        data = self.feed("captured-qemu-uefi.log")
        want = ktap.parse_text(data.decode("utf-8", "replace"))
        status, out = self.execute()
        with open(os.path.join(self.build, "results", "serial.log"),
                  "rb") as f:
            got = ktap.parse_text(f.read().decode("utf-8", "replace"))
        self.assertEqual(got.verdict, want.verdict)
        self.assertEqual([(t.number, t.name, t.outcome) for t in got.tests],
                         [(t.number, t.name, t.outcome) for t in want.tests])
        self.assertIn("Test result: %s" % want.verdict, out)

    def test_no_verdict_is_a_crash_at_the_timeout(self):
        self.feed("truncated.log")
        status, out = self.execute(timeout=1.5)
        self.assertEqual(status, 1)
        self.assertIn("CRASH: timeout after 1.5 s", out)
        self.assertIn("last test started: 4 mm_smep", out)

    def test_cli_with_expectation_file(self):
        exp = support.write(os.path.join(self.build, "serial.expect"),
                            "SKIP mm_smep CPUID.(7,0):EBX[7] SMEP not "
                            "enumerated\n")
        self.feed("good.log", delay=0.5)
        status, out, err = support.cli("run", "serial", "--device",
                                       self.path, "--build", self.build,
                                       "--expect", exp, "--timeout", "10")
        self.assertEqual(status, 0, out + err)
        self.assertIn("serial: MATCH", out)

    def test_needs_a_character_device(self):
        status, out, err = support.cli("run", "serial", "--build",
                                       self.build)
        self.assertEqual(status, 2)
        self.assertIn("--device /dev/ttyUSB0", err)
        plain = support.write(os.path.join(self.build, "plain"), "x")
        status, out, err = support.cli("run", "serial", "--device", plain,
                                       "--build", self.build)
        self.assertEqual(status, 2)
        self.assertIn("is not a character device", err)
        status, out, err = support.cli("run", "serial", "--device",
                                       self.path, "--baud", "12345",
                                       "--build", self.build)
        self.assertEqual(status, 2)
        self.assertIn("unsupported baud rate 12345", err)

    def test_bad_options_get_one_line_not_a_traceback(self):
        for argv, text in (
                (["--timeout", "0"], "must be more than 0 seconds"),
                (["--timeout", "-3"], "must be more than 0 seconds"),
                (["--baud", "0"], "must be a line speed"),
                (["--device", "/dev/null"], "/dev/null is not a terminal")):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                try:
                    status = cetbed.main(["run", "serial", "--build",
                                          self.build, "--device", self.path]
                                         + argv)
                except SystemExit as e:     # argparse's usage error
                    status = e.code
            self.assertEqual(status, 2, argv)
            self.assertIn(text, err.getvalue())
            self.assertNotIn("Traceback", err.getvalue())

    def test_garbage_bytes_suggest_the_baud_rate(self):
        def write():
            time.sleep(0.3)
            os.write(self.master, bytes(range(128, 256)) * 3)
        t = threading.Thread(target=write, daemon=True)
        t.start()
        self.addCleanup(t.join, 5)
        status, out = self.execute(timeout=1.5)
        self.assertEqual(status, 1)
        self.assertIn("384 bytes but no KTAP: wrong baud rate?", out)

    def test_quiet_tail_after_the_verdict_is_kept(self):
        old = runner.DEVICE_TAIL
        self.addCleanup(setattr, runner, "DEVICE_TAIL", old)
        runner.DEVICE_TAIL = 3.0
        self.feed("good.log")

        def late():
            time.sleep(1.0)
            os.write(self.master, b"# efi: run 1 stored CetbedSummary: x\r\n")
        t = threading.Thread(target=late, daemon=True)
        t.start()
        # Joined before the pty closes: its descriptor number is reused.
        self.addCleanup(t.join, 5)
        status, out = self.execute(expectations={"mm_smep": _exp("SKIP")})
        with open(os.path.join(self.build, "results", "serial.log"),
                  "rb") as f:
            log = f.read()
        # Quiet for DEVICE_QUIET after the verdict ends the run before 1 s.
        self.assertNotIn(b"stored CetbedSummary", log)
        self.assertEqual(status, 0, out)


def _exp(outcome):
    return expect.Expectation(outcome, "x", "reason", 1)


if __name__ == "__main__":
    unittest.main()
