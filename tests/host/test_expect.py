"""Expectation files and the comparison, judged through the CLI's own code
path: a wrong expectation, a missing result and a truncated log must each
make the harness fail."""

import os
import re
import tempfile
import unittest

import support
import expect
import ktap
import platforms

SMEP_SKIP = "SKIP mm_smep CPUID.(7,0):EBX[7] SMEP not enumerated here\n"


class Files(unittest.TestCase):
    def test_valid(self):
        e = expect.parse_expectations(
            "# header\n\n" + SMEP_SKIP +
            "FAIL shstk_iret_same_cpl emulator clears the busy bit  \n")
        self.assertEqual(sorted(e), ["mm_smep", "shstk_iret_same_cpl"])
        self.assertEqual(e["shstk_iret_same_cpl"].reason,
                         "emulator clears the busy bit")
        self.assertEqual(e["mm_smep"].line, 3)

    def assertRejected(self, text, why):
        with self.assertRaises(expect.ExpectError) as cm:
            expect.parse_expectations(text, "x.expect")
        self.assertIn(why, str(cm.exception))
        self.assertIn("x.expect:", str(cm.exception))

    def test_missing_reason(self):
        self.assertRejected("SKIP mm_smep\n", "has no reason")
        self.assertRejected("FAIL mm_smep   \n", "has no reason")

    def test_unknown_outcome(self):
        self.assertRejected("XFAIL mm_smep because\n", "unknown outcome")
        self.assertRejected("PASS mm_smep because\n", "unknown outcome")

    def test_duplicate(self):
        self.assertRejected(SMEP_SKIP + SMEP_SKIP, "listed twice")

    def test_shipped_files_parse(self):
        for name, p in platforms.PLATFORMS.items():
            for f in (p.expect_name,) + tuple(p.expect_extra):
                path = os.path.join(support.ROOT, "tests", "expect",
                                    f + ".expect")
                expect.load_expectations(path)

    def test_filter_detection(self):
        self.assertFalse(expect.is_filtered(None))
        self.assertFalse(expect.is_filtered("/boot/kernel.elf quiet"))
        self.assertTrue(expect.is_filtered("/k tests=mm_*"))
        self.assertTrue(expect.is_filtered("tests="))


class ThroughTheCli(unittest.TestCase):
    """Each case runs 'cetbed.py parse LOG --platform P --expect FILE'."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def judge(self, logname, expectations, *extra):
        path = support.write(os.path.join(self.tmp.name, "p.expect"),
                             expectations)
        status, out, err = support.cli("parse", support.log(logname),
                                       "--platform", "qemu-kernel",
                                       "--expect", path, *extra)
        lines = out.strip().split("\n")
        self.assertRegex(lines[-1],
                         r"^\d+ passed, \d+ failed(, \d+ skipped)?$")
        return status, out, err

    def test_match(self):
        status, out, _ = self.judge("good.log", SMEP_SKIP)
        self.assertEqual(status, 0, out)
        self.assertIn("qemu-kernel: MATCH (4 passed, 1 skipped as expected",
                      out)
        self.assertTrue(out.endswith("4 passed, 0 failed, 1 skipped\n"))

    def test_wrong_expectation_unexpected_skip(self):
        status, out, _ = self.judge("good.log", "")
        self.assertEqual(status, 1)
        self.assertIn("mismatch: 4 mm_smep: unexpected SKIP", out)
        self.assertIn("qemu-kernel: MISMATCH", out)

    def test_masked_skip_needs_the_mask(self):
        masked = "SKIP mm_smep CPUID.(7,0):EBX[7] SMEP masked by clearcpuid=smep\n"
        status, out, _ = self.judge("good.log", masked)
        self.assertEqual(status, 1)
        self.assertIn("mismatch: 4 mm_smep: skipped for another reason", out)

    def test_wrong_expectation_stale_skip(self):
        status, out, _ = self.judge(
            "good.log", SMEP_SKIP + "SKIP user_roundtrip no user mode\n")
        self.assertEqual(status, 1)
        self.assertIn("stale expectation: listed as SKIP (no user mode) but "
                      "it passed", out)

    def test_wrong_expectation_stale_fail(self):
        status, out, _ = self.judge(
            "good.log", SMEP_SKIP + "FAIL mm_page0_unmapped emulator bug\n")
        self.assertEqual(status, 1)
        self.assertIn("listed as FAIL (emulator bug) but it passed", out)

    def test_wrong_expectation_other_outcome(self):
        status, out, _ = self.judge("good.log",
                                    "FAIL mm_smep emulator bug\n")
        self.assertEqual(status, 1)
        self.assertIn("expected FAIL (emulator bug), got SKIP", out)

    def test_known_divergence_matches(self):
        status, out, _ = self.judge(
            "mixed.log", SMEP_SKIP + "FAIL mm_smap emulator bug\n"
            "FAIL shstk_loop emulator hangs\n")
        # The ERROR of shstk_near_ret is never expected.
        self.assertEqual(status, 1)
        self.assertNotIn("mismatch: 2 mm_smap", out)
        self.assertNotIn("mismatch: 5 shstk_loop", out)
        self.assertIn("mismatch: 4 shstk_near_ret: unexpected ERROR", out)

    def test_missing_result(self):
        status, out, _ = self.judge("missing-result.log", SMEP_SKIP)
        self.assertEqual(status, 1)
        self.assertIn("qemu-kernel: CRASH", out)
        self.assertIn("plan 1..5 not fulfilled (4 of 5 reported)", out)

    def test_truncated_log(self):
        status, out, _ = self.judge("truncated.log", SMEP_SKIP)
        self.assertEqual(status, 1)
        self.assertIn("CRASH: plan 1..5 not fulfilled (3 of 5 reported); no "
                      "verdict line; last test started: 4 mm_smep", out)

    def test_panic(self):
        status, out, _ = self.judge("panic.log", "")
        self.assertEqual(status, 1)
        self.assertIn("last test started: 2 mm_nx", out)

    def test_unplanned_expectation_unfiltered(self):
        text = SMEP_SKIP + "SKIP no_such_test gone\n"
        status, out, _ = self.judge("good.log", text)
        self.assertEqual(status, 1)
        self.assertIn("SKIP no_such_test is listed (line 2) but the "
                      "unfiltered run has no such test", out)
        status, out, _ = self.judge("good.log", text, "--cmdline",
                                    "tests=exc_*,mm_*,user_*")
        self.assertEqual(status, 0, out)

    def test_kernel_error_is_a_mismatch(self):
        status, out, _ = self.judge("kernel-error.log", "")
        self.assertEqual(status, 1)
        self.assertIn("kernel reported ERROR: unknown command-line option",
                      out)

    def test_empty_selection(self):
        status, out, _ = self.judge("empty-selection.log", "", "--cmdline",
                                    "tests=")
        self.assertEqual(status, 0, out)
        status, out, _ = self.judge("empty-selection.log", "")
        self.assertEqual(status, 1)
        self.assertIn("the unfiltered run planned no tests", out)

    def test_protocol_errors_fail(self):
        for name in ("duplicate.log", "out-of-order.log",
                     "verdict-inconsistent.log", "restarted.log"):
            status, out, _ = self.judge(name, SMEP_SKIP)
            self.assertEqual(status, 1, name)

    def test_bad_expectation_file_is_a_harness_error(self):
        for text, why in (("SKIP mm_smep\n", "has no reason"),
                          ("MAYBE mm_smep flaky\n", "unknown outcome")):
            path = support.write(os.path.join(self.tmp.name, "bad.expect"),
                                 text)
            status, out, err = support.cli("parse", support.log("good.log"),
                                           "--expect", path)
            self.assertEqual(status, 2)
            self.assertRegex(err, r"bad\.expect:1: .*" + re.escape(why))



class Rerun(unittest.TestCase):
    def test_rerun_command_pastes_back(self):
        import shlex
        import cetbed
        r = ktap.parse(["KTAP version 1", "1..2", "ok 1 a_one",
                        "not ok 2 b_two", "Test result: FAILURE"])
        cmp = expect.compare(r, {}, "tests=* screen=30 x='y z'")
        line = cetbed.rerun_command(["python3", "cetbed.py", "run", "q"],
                                    r, cmp, "tests=* screen=30 x='y z'")
        argv = shlex.split(line)
        self.assertEqual(argv[:5], ["python3", "cetbed.py", "run", "q",
                                    "--cmdline"])
        self.assertEqual(argv[5], "screen=30 x='y z' tests=b_two")


if __name__ == "__main__":
    unittest.main()
