"""decode-summary --efivar: files copied out of /sys/firmware/efi/efivars
(4 attribute bytes, then the data) decode like the summary text itself,
and a progress record says where an unfinished run stopped."""

import os
import tempfile
import unittest

import support
import summary

TEXT = ("CETBED1;R=FAILURE;N=3,1,1,1,0;F=3;C=GenuineIntel,6,8c,1,a4;"
        "X=110100;H=0123456789abcdef;M=Lab box")
NV_BS_RT = (7).to_bytes(4, "little")


class EfivarFiles(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def file(self, data, name="CetbedSummary-94905237-3d58-4e8e-a27a-"
             "6c2433df019b"):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_summary_file_decodes_like_the_text(self):
        path = self.file(NV_BS_RT + TEXT.encode())
        status, out, err = support.cli("decode-summary", "--efivar", path)
        self.assertEqual(status, 0, err)
        self.assertIn("attributes NON_VOLATILE|BOOTSERVICE_ACCESS|"
                      "RUNTIME_ACCESS", out)
        _, plain, _ = support.cli("decode-summary", TEXT)
        self.assertTrue(out.endswith(plain), out)
        self.assertIn("FAIL  3 (test 3)", out)
        self.assertIn("cet: shstk=1 ibt=1 cet_sss=0 xsaves=1", out)

    def test_summary_file_judged_against_expectations(self):
        path = self.file(NV_BS_RT + TEXT.encode())
        exp = support.write(os.path.join(self.tmp, "x.expect"),
                            "FAIL t3 known\nSKIP t2 CPUID reason\n")
        names = support.write(os.path.join(self.tmp, "names.log"),
                              "ok 1 t1\nok 2 t2\nnot ok 3 t3\n")
        status, out, _ = support.cli("decode-summary", "--efivar", path,
                                     "--platform", "qemu-kernel", "--expect",
                                     exp, "--names", names)
        self.assertEqual(status, 0, out)
        self.assertIn("FAIL  3 t3", out)
        self.assertIn("qemu-kernel: MATCH", out)

    def test_progress_of_a_run_that_stopped(self):
        path = self.file(NV_BS_RT + b"run=3a9202d18 test=3 task_spin_forever",
                         "CetbedProgress-x")
        status, out, err = support.cli("decode-summary", "--efivar", path)
        self.assertEqual(status, 1, err)
        self.assertIn("run 3a9202d18 stopped in test 3 task_spin_forever",
                      out)
        path = self.file(NV_BS_RT + b"run=3a9202d18 done", "CetbedProgress-y")
        status, out, err = support.cli("decode-summary", "--efivar", path)
        self.assertEqual(status, 0, err)
        self.assertIn("run 3a9202d18 finished", out)

    def test_rejects(self):
        # The data alone, without the attribute bytes.
        path = self.file(TEXT.encode(), "raw")
        status, _, err = support.cli("decode-summary", "--efivar", path)
        self.assertEqual(status, 2)
        self.assertIn("is this the raw file?", err)
        status, _, err = support.cli("decode-summary", "--efivar",
                                     self.file(b"\x07\x00", "short"))
        self.assertEqual(status, 2)
        self.assertIn("2 bytes", err)
        status, _, err = support.cli("decode-summary", "--efivar",
                                     self.file(NV_BS_RT + b"\xff\xfe", "bin"))
        self.assertEqual(status, 2)
        self.assertIn("not ASCII", err)
        status, _, err = support.cli("decode-summary", "--efivar", self.file(
            NV_BS_RT + b"run=12 test=0 x", "p"))
        self.assertEqual(status, 2)
        self.assertIn("not a cetbed progress record", err)
        status, _, err = support.cli("decode-summary")
        self.assertEqual(status, 2)
        status, _, err = support.cli("decode-summary", TEXT, "--efivar", path)
        self.assertEqual(status, 2)
        self.assertIn("a summary text or --efivar FILE", err)

    def test_progress_records(self):
        self.assertEqual(summary.decode_progress("run=ab test=12 mm_x"), {
            "run": "ab", "done": False, "test": 12, "name": "mm_x",
            "boot": None})
        p = summary.decode_progress("run=ab boot timer")
        self.assertEqual((p["done"], p["test"], p["boot"]), (False, None, "timer"))
        self.assertIn("step 'timer'", summary.describe_progress(p)[0])
        self.assertTrue(summary.decode_progress("run=ab done\n")["done"])
        for bad in ("run= done", "run=AB done", "run=ab test=1", "ab done",
                    "run=ab test=x y", "run=ab boot", "run=ab boot a b"):
            with self.assertRaises(summary.SummaryError, msg=bad):
                summary.decode_progress(bad)


if __name__ == "__main__":
    unittest.main()
