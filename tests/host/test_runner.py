"""The runner against a fake emulator: timeouts end exactly the emulator's
process group, early exits and wrong exit codes are reported, and the raw
log is always kept."""

import io
import os
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import support
import cetbed
import expect
import platforms
import runner


def gone(pid, wait=5.0):
    """True once pid no longer runs (absent, or a zombie nobody reaped)."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


class FakeEmulator(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.results = os.path.join(self.tmp.name, "results")

    def launch(self, logname, *args, exit_codes=None, serial_file=None):
        argv = [sys.executable, support.FAKE, support.log(logname)]
        argv += list(args)
        if serial_file:
            argv += ["--serial-file", serial_file]
        return platforms.Launch(argv, self.tmp.name, serial_file=serial_file,
                                exit_codes=exit_codes)

    def execute(self, launch, timeout=20.0, expectations=None):
        out = io.StringIO()
        status = cetbed.execute("fake", launch, timeout, self.results,
                                expectations or {}, None, out)
        return status, out.getvalue()

    def test_timeout_kills_only_the_emulator_group(self):
        bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
        self.addCleanup(bystander.wait)
        self.addCleanup(bystander.kill)
        pidfile = os.path.join(self.tmp.name, "pids")
        t0 = time.monotonic()
        status, out = self.execute(
            self.launch("truncated.log", "--pidfile", pidfile,
                        "--ignore-term"), timeout=1.5)
        self.assertLess(time.monotonic() - t0, 15)
        self.assertEqual(status, 1)
        self.assertIn("CRASH: timeout after 1.5 s", out)
        self.assertIn("last test started: 4 mm_smep", out)
        self.assertIn("fake: CRASH", out)
        leader, child = map(int, support.read(pidfile).split())
        self.assertTrue(gone(leader), "emulator still running")
        self.assertTrue(gone(child), "emulator's child still running")
        self.assertIsNone(bystander.poll(), "an unrelated process was hit")

        with open(os.path.join(self.results, "fake.log"), "rb") as f:
            kept = f.read()
        with open(support.log("truncated.log"), "rb") as f:
            self.assertEqual(kept, f.read())
        tree = ET.parse(os.path.join(self.results, "fake.xml"))
        crashed = [c.get("name") for c in tree.iter("testcase")
                   if c.find("error") is not None]
        self.assertEqual(crashed, ["mm_smep"])

    def test_emulator_dies_before_the_verdict(self):
        status, out = self.execute(self.launch("truncated.log", "--exit",
                                               "0"))
        self.assertEqual(status, 1)
        self.assertIn("emulator exited with status 0 before the verdict",
                      out)
        self.assertIn("last test started: 4 mm_smep", out)

    def test_emulator_killed_by_a_signal(self):
        status, out = self.execute(self.launch("truncated.log",
                                               "--segfault"))
        self.assertEqual(status, 1)
        self.assertIn("emulator killed by signal 11 (SIGSEGV) before the "
                      "verdict", out)

    def test_exit_status_must_agree_with_the_log(self):
        ok = self.launch("mixed.log", "--exit", "39",
                         exit_codes=platforms.QEMU_EXIT)
        exp = {"mm_smap": _exp("FAIL"), "mm_smep": _exp("SKIP"),
               "shstk_loop": _exp("FAIL")}
        status, out = self.execute(ok, expectations=exp)
        self.assertNotIn("contradicts", out)
        bad = self.launch("good.log", "--exit", "37",
                          exit_codes=platforms.QEMU_EXIT)
        status, out = self.execute(bad, expectations={"mm_smep":
                                                      _exp("SKIP")})
        self.assertEqual(status, 1)
        self.assertIn("exit status 37 contradicts the log verdict SUCCESS "
                      "(expected 33)", out)
        good = self.launch("good.log", "--exit", "33",
                           exit_codes=platforms.QEMU_EXIT)
        status, out = self.execute(good, expectations={"mm_smep":
                                                       _exp("SKIP")})
        self.assertEqual(status, 0, out)
        self.assertTrue(out.endswith("4 passed, 0 failed, 1 skipped\n"))

    def test_results_stream_live(self):
        status, out = self.execute(self.launch("mixed.log", "--exit", "1",
                                               "--delay", "0.01"))
        lines = out.split("\n")
        first = [i for i, s in enumerate(lines) if "exc_de_divide_error" in s]
        verdict = lines.index("  Test result: ERROR")
        self.assertLess(first[0], verdict)
        self.assertIn("          | mm_smap: got no fault", lines)

    def test_tailing_a_serial_file(self):
        serial = os.path.join(self.tmp.name, "serial.log")
        support.write(serial, "stale output of an earlier run\n")
        launch = self.launch("good.log", "--exit", "1", "--delay", "0.01",
                             serial_file=serial)
        status, out = self.execute(launch, expectations={"mm_smep":
                                                         _exp("SKIP")})
        self.assertEqual(status, 0, out)
        self.assertNotIn("stale output", support.read(os.path.join(
            self.results, "fake.log")))

    def test_no_power_off_after_the_verdict(self):
        old, runner.POWER_OFF_GRACE = runner.POWER_OFF_GRACE, 0.5
        self.addCleanup(setattr, runner, "POWER_OFF_GRACE", old)
        status, out = self.execute(self.launch("good.log"),
                                   expectations={"mm_smep": _exp("SKIP")})
        self.assertEqual(status, 1)
        self.assertIn("the kernel did not power off", out)

    def test_missing_bochs3_root_names_the_fix(self):
        status, out, err = support.cli(
            "run", "bochs3-tigerlake", "--bochs3-root",
            os.path.join(self.tmp.name, "nowhere"))
        self.assertEqual(status, 2)
        self.assertIn("scripts/bochs3-root.sh build/bochs3-root", err)

    def test_unknown_platform(self):
        status, out, err = support.cli("run", "qemu-riscv")
        self.assertEqual(status, 2)
        self.assertIn("unknown platform 'qemu-riscv'", err)


def _exp(outcome):
    return expect.Expectation(outcome, "x", "reason", 1)


if __name__ == "__main__":
    unittest.main()
