"""The summary codec end to end: the kernel's C encoder and SHA-256, built
for the host, against tests/harness/summary.py and the FIPS 180-4 vectors."""

import hashlib
import os
import random
import subprocess
import tempfile
import unittest

import support
import expect
import ktap
import summary

TOOL = os.path.join(support.ROOT, "build", "host", "summary-tool")


def setUpModule():
    subprocess.run(["make", "-s", "-C", support.ROOT,
                    os.path.relpath(TOOL, support.ROOT)], check=True)


def run_tool(args, data):
    p = subprocess.run([TOOL] + args, input=data, capture_output=True)
    if p.returncode:
        raise AssertionError("summary-tool %s: %s" % (args, p.stderr.decode()))
    return p.stdout.decode("ascii").rstrip("\n")


def c_sha256(data, chunk=None):
    return run_tool(["sha256"] + ([str(chunk)] if chunk else []), data)


def c_summary(**fields):
    """The C encoder's line for these fields (see summary_tool.c)."""
    lines = []
    for key, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            lines.append("%s %s" % (key, v))
    return run_tool(["encode"], ("\n".join(lines) + "\n").encode())


class Sha256(unittest.TestCase):
    VECTORS = [
        (b"abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (b"",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (b"a" * 1000000,
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    def test_vectors(self):
        for data, digest in self.VECTORS:
            with self.subTest(length=len(data)):
                self.assertEqual(c_sha256(data), digest)

    def test_incremental_pieces(self):
        data = self.VECTORS[2][0] * 5
        for chunk in (1, 7, 55, 56, 63, 64, 65, 200):
            with self.subTest(chunk=chunk):
                self.assertEqual(c_sha256(data, chunk),
                                 hashlib.sha256(data).hexdigest())

    def test_padding_boundaries(self):
        rng = random.Random(3)
        for n in list(range(50, 70)) + [119, 120, 127, 128, 129, 1000]:
            data = bytes(rng.randrange(256) for _ in range(n))
            with self.subTest(length=n):
                self.assertEqual(c_sha256(data, 13),
                                 hashlib.sha256(data).hexdigest())


FAILING_RUN = dict(verdict=3, planned=35, passed=26, skipped=3, failed=5,
                   errors=1, fail=[12, 20, 21, 22, 30], error=[14],
                   vendor="GenuineIntel", family="6", model="8c", stepping="1",
                   microcode="a4", cet="b", machine="LENOVO 21CBCTO1WW")


class RoundTrip(unittest.TestCase):
    def test_failing_run(self):
        text = c_summary(**FAILING_RUN)
        self.assertTrue(text.startswith("CETBED1;R=ERROR;N=35,26,3,5,1;"
                                        "F=12,14e,20-22,30;"), text)
        self.assertLess(len(text), 200)
        d = summary.decode(text)
        self.assertEqual(d["verdict"], "ERROR")
        self.assertEqual([d[c] for c in summary.COUNTS], [35, 26, 3, 5, 1])
        self.assertEqual(d["failing"], [(12, "FAIL"), (14, "ERROR"),
                                        (20, "FAIL"), (21, "FAIL"),
                                        (22, "FAIL"), (30, "FAIL")])
        self.assertFalse(d["failing_truncated"])
        self.assertEqual(d["cpu"], {"vendor": "GenuineIntel", "family": 6,
                                    "model": 0x8c, "stepping": 1,
                                    "microcode": 0xa4})
        self.assertEqual(d["cet"], {"shstk": 1, "ibt": 1, "cet_sss": 0,
                                    "xsaves": 1, "xss_cet_u": 0,
                                    "xss_cet_s": 0})
        self.assertEqual(d["machine"], "LENOVO 21CBCTO1WW")
        self.assertEqual(d["log_hash"], hashlib.sha256(b"").hexdigest()[:16])
        self.assertEqual(summary.problems(d), [])

    def test_success_and_no_machine(self):
        text = c_summary(verdict=0, planned=35, passed=14, skipped=21,
                         vendor="AuthenticAMD", family="19", model="61",
                         stepping="2", microcode="a601203", cet="0",
                         machine="")
        self.assertTrue(text.endswith(";F=;C=AuthenticAMD,19,61,2,a601203;"
                                      "X=000000;H=e3b0c44298fc1c14;M="), text)
        d = summary.decode(text)
        self.assertEqual((d["verdict"], d["failing"], d["machine"]),
                         ("SUCCESS", [], ""))
        self.assertEqual(summary.problems(d), [])

    def test_failures_out_of_order(self):
        text = c_summary(error=[9, 3], fail=[5, 4, 40] + list(range(50, 90)))
        d = summary.decode(text)
        self.assertEqual(d["failing"][:5], [(3, "ERROR"), (4, "FAIL"),
                                            (5, "FAIL"), (9, "ERROR"),
                                            (40, "FAIL")])
        self.assertTrue(d["failing_truncated"])

    def test_more_failures_than_kept(self):
        # Every other test fails: no ranges, 40 of them, 32 kept.
        numbers = list(range(2, 82, 2))
        text = c_summary(verdict=2, planned=81, passed=41, failed=40,
                         fail=numbers, vendor="GenuineIntel")
        d = summary.decode(text)
        self.assertTrue(d["failing_truncated"])
        listed = [n for n, _ in d["failing"]]
        self.assertEqual(listed, numbers[:len(listed)])
        self.assertLessEqual(len(listed), 32)
        self.assertLessEqual(len(text.split(";F=")[1].split(";")[0]), 64)
        self.assertEqual(summary.problems(d), [])

    def test_contiguous_failures_fold_into_ranges(self):
        text = c_summary(verdict=3, planned=200, passed=150, failed=30,
                         errors=20, fail=list(range(100, 130)),
                         error=list(range(130, 150)) + [199])
        # 32 kept: the 30 failures and the first two errors.
        self.assertIn(";F=100-129,130-131e+;", text)
        d = summary.decode(text)
        self.assertEqual(len(d["failing"]), 32)
        self.assertEqual(d["failing"][-1], (131, "ERROR"))
        self.assertTrue(d["failing_truncated"])

    def test_escapes_and_limits(self):
        text = c_summary(vendor="  Shanghai  ", machine="Acme;Corp 100%, "
                         "a very long product name that goes on and on   ")
        self.assertIn(";C=  Shanghai  ,", text)
        d = summary.decode(text)
        self.assertEqual(d["cpu"]["vendor"], "  Shanghai  ")
        self.assertTrue(d["machine"].startswith("Acme;Corp 100%, a very"))
        self.assertLessEqual(len(text.split(";M=")[1]), 40)

    def test_bench_medians(self):
        text = c_summary(bench="cr0:4,cr1:5,cp:1926", machine="Acme")
        self.assertTrue(text.endswith(";B=cr0:4,cr1:5,cp:1926;M=Acme"), text)
        d = summary.decode(text)
        self.assertEqual(d["bench"], {"cr0": 4, "cr1": 5, "cp": 1926})
        self.assertEqual(d["extra"], {})
        self.assertIn("  bench medians (TSC cycles): cr0=4 cr1=5 cp=1926",
                      summary.describe(d))
        # No benchmark, no B; anything outside B's alphabet is dropped.
        self.assertNotIn(";B=", c_summary(machine="Acme"))
        self.assertIn(";B=cp:12;", c_summary(bench="cp:1;%2"))
        with self.assertRaises(summary.SummaryError):
            summary.decode(text.replace("cp:1926", "cp1926"))

    def test_worst_case_fits(self):
        text = c_summary(verdict=3, planned=99999, passed=99999,
                         skipped=99999, failed=99999, errors=99999,
                         fail=list(range(10000, 60000, 1000)),
                         vendor="%%%%%%%%%%%%", family="10e", model="ff",
                         stepping="f", microcode="ffffffff", cet="3f",
                         machine="%" * 64,
                         bench=",".join("k%d:99999999" % i for i in range(20)))
        self.assertLess(len(text), 384)
        self.assertEqual(len(text.split(";B=")[1].split(";")[0]), 128)
        d = summary.decode(text)
        self.assertEqual(d["planned"], 65535)
        self.assertEqual(d["cpu"]["vendor"], "%" * 12)

    def test_log_hash(self):
        kernel = ("\nKTAP version 1\n# cetbed x\n1..1\n# start 1 a\nok 1 a\n"
                  "Test result: SUCCESS\n").encode()
        with tempfile.NamedTemporaryFile() as f:
            f.write(kernel)
            f.flush()
            text = c_summary(verdict=0, planned=1, passed=1, log=f.name)
        # What the serial port carried: firmware noise, CR before each LF.
        serial = b"SeaBIOS (version 1.16)\r\nBooting...\r\n" + \
            kernel.replace(b"\n", b"\r\n")
        self.assertEqual(summary.log_hash(serial),
                         summary.decode(text)["log_hash"])
        self.assertNotEqual(summary.log_hash(serial.replace(b"ok 1", b"ok 2")),
                            summary.decode(text)["log_hash"])
        self.assertIsNone(summary.log_hash(b"no kernel here\n"))


class Decoder(unittest.TestCase):
    GOOD = ("CETBED1;R=SUCCESS;N=3,2,1,0,0;F=;C=GenuineIntel,6,8c,1,a4;"
            "X=100000;H=0123456789abcdef;M=QEMU")

    def test_rejects(self):
        bad = {
            "other text": "no CETBED prefix",
            self.GOOD.replace("CETBED1", "CETBED2"): "format 2",
            self.GOOD.replace(";M=QEMU", ""): "missing fields: M",
            self.GOOD.replace("F=", "F=3-1"): "backwards range",
            self.GOOD.replace("F=", "F=x"): "bad entry",
            self.GOOD.replace("F=", "F=5,4"): "not ascending",
            self.GOOD.replace("R=SUCCESS", "R=PASS"): "unknown verdict",
            self.GOOD.replace("N=3,2,1,0,0", "N=3,2"): "2 counts",
            self.GOOD.replace("X=100000", "X=12"): "X:",
            self.GOOD.replace("H=0123456789abcdef", "H=01"): "H:",
            self.GOOD.replace("M=QEMU", "M=Q%4"): "bad %-escape",
            self.GOOD + "\u00e9": "ASCII",
        }
        for text, why in bad.items():
            with self.subTest(text=text):
                with self.assertRaisesRegex(summary.SummaryError, why):
                    summary.decode(text)

    def test_tolerates_newline_and_unknown_fields(self):
        d = summary.decode(self.GOOD.replace(";M=", ";Z=later;M=") + "\n")
        self.assertEqual(d["extra"], {"Z": "later"})
        self.assertEqual(d["machine"], "QEMU")

    def test_inconsistent_counts(self):
        d = summary.decode(self.GOOD.replace("N=3,2,1,0,0", "N=4,2,1,1,0"))
        self.assertEqual(summary.problems(d), [
            "0 failing tests listed, counts say 1",
            "verdict SUCCESS inconsistent with the counts (expected FAILURE)"])
        d = summary.decode(self.GOOD.replace("N=3,2,1,0,0", "N=5,2,1,0,0"))
        self.assertEqual(summary.problems(d), [
            "3 of 5 planned tests reported: the run stopped early"])


EXPECT = """\
FAIL user_int_through_dpl0_gate QEMU reports another error code
SKIP shstk_a no CET
"""
NAMES = {1: "exc_de", 2: "shstk_a", 3: "user_int_through_dpl0_gate"}


class Judging(unittest.TestCase):
    def decoded(self, failing="3", counts="3,1,1,1,0", verdict="FAILURE"):
        return summary.decode(
            "CETBED1;R=%s;N=%s;F=%s;C=GenuineIntel,6,8c,1,a4;X=000000;"
            "H=0123456789abcdef;M=" % (verdict, counts, failing))

    def test_to_result(self):
        r = summary.to_result(self.decoded(), NAMES)
        self.assertEqual((r.plan, r.verdict, r.finished), (3, "FAILURE", True))
        self.assertEqual([(t.number, t.name, t.outcome) for t in r.tests],
                         [(3, "user_int_through_dpl0_gate", ktap.FAIL)])
        self.assertEqual(r.fingerprint["cpu"]["model"], "0x8c")
        self.assertFalse(r.crashed)
        unnamed = summary.to_result(self.decoded())
        self.assertEqual(unnamed.tests[0].name, "(test 3)")

    def test_matches_expectations(self):
        exp = expect.parse_expectations(EXPECT)
        cmp = summary.compare(self.decoded(), exp, NAMES)
        self.assertTrue(cmp.matched, (cmp.problems, cmp.mismatches))

    def test_mismatches(self):
        exp = expect.parse_expectations(EXPECT)
        cmp = summary.compare(self.decoded(failing="1,3", counts="3,0,1,2,0"),
                              exp, NAMES)
        self.assertEqual([c.test.name for c in cmp.mismatches], ["exc_de"])
        cmp = summary.compare(self.decoded(failing="", counts="3,2,1,0,0",
                                           verdict="SUCCESS"), exp, NAMES)
        self.assertFalse(cmp.matched)
        self.assertTrue(any("FAIL user_int_through_dpl0_gate" in p
                            for p in cmp.problems), cmp.problems)
        cmp = summary.compare(self.decoded(counts="3,2,0,1,0"), exp, NAMES)
        self.assertIn("0 tests skipped; the expectations list 1 SKIP",
                      cmp.problems)

    def test_cli(self):
        text = ("CETBED1;R=FAILURE;N=3,1,1,1,0;F=3;C=GenuineIntel,6,8c,1,a4;"
                "X=000000;H=0123456789abcdef;M=Lab box")
        status, out, _ = support.cli("decode-summary", text)
        self.assertEqual(status, 0)
        self.assertIn("FAIL  3 (test 3)", out)
        self.assertIn("machine: Lab box", out)
        with tempfile.TemporaryDirectory() as tmp:
            path = support.write(os.path.join(tmp, "x.expect"), EXPECT)
            log = support.write(os.path.join(tmp, "names.log"), "".join(
                "ok %d %s\n" % kv for kv in NAMES.items()))
            status, out, _ = support.cli("decode-summary", text, "--platform",
                                         "qemu-kernel", "--expect", path,
                                         "--names", log)
            self.assertEqual(status, 0, out)
            self.assertIn("3 user_int_through_dpl0_gate", out)
            self.assertIn("qemu-kernel: MATCH", out)
        status, _, err = support.cli("decode-summary", "CETBED1;R=SUCCESS")
        self.assertEqual(status, 2)
        self.assertIn("bad summary", err)


if __name__ == "__main__":
    unittest.main()
