"""The KTAP parser on saved serial logs: good, noisy, truncated, broken."""

import io
import unittest

import support
import ktap
import runner

GOOD = [(1, "exc_de_divide_error", "PASS"),
        (2, "exc_ud_invalid_opcode", "PASS"),
        (3, "mm_page0_unmapped", "PASS"), (4, "mm_smep", "SKIP"),
        (5, "user_roundtrip", "PASS")]


def parse(name):
    return ktap.parse_text(support.read_log(name))


def summary(result):
    return [(t.number, t.name, t.outcome) for t in result.tests]


class GoodLogs(unittest.TestCase):
    def check_good(self, r):
        self.assertEqual(r.version, 1)
        self.assertEqual(r.plan, 5)
        self.assertEqual(summary(r), GOOD)
        self.assertEqual(r.tests[3].reason,
                         "CPUID.(7,0):EBX[7] SMEP not enumerated")
        self.assertEqual(r.verdict, "SUCCESS")
        self.assertEqual(r.errors, [])
        self.assertEqual(r.missing, [])
        self.assertFalse(r.crashed)
        self.assertEqual(r.last_started, (5, "user_roundtrip"))
        self.assertEqual(r.fingerprint["cpu"]["vendor"], "GenuineIntel")
        self.assertEqual(r.fingerprint["cet"]["shstk"], "1")

    def test_good(self):
        self.check_good(parse("good.log"))

    def test_lf_only(self):
        self.check_good(parse("lf-only.log"))

    def test_noisy_firmware_escapes_and_junk(self):
        r = parse("noisy.log")
        self.check_good(r)
        self.assertNotIn("a firmware line that looks like a diagnostic, "
                         "before the header", r.diagnostics)
        self.assertIn("cetbed 0.1 (multiboot2, bios)", r.diagnostics)

    def test_crlf_variants(self):
        text = support.read_log("lf-only.log")
        for eol in ("\r\n", "\r\r\n", "\n\r"):
            self.check_good(ktap.parse_text(text.replace("\n", eol)))

    def test_captured_runs(self):
        # Serial logs captured from real boots: OVMF and GRUB noise, CRLF.
        for name, verdict in (("captured-qemu-uefi.log", "FAILURE"),
                              ("captured-bochs.log", "SUCCESS")):
            r = parse(name)
            self.assertEqual((r.plan, len(r.tests), r.verdict, r.errors),
                             (35, 35, verdict, []), name)
            self.assertFalse(r.crashed)
            self.assertEqual(r.tests[0].name, "exc_de_divide_error")
            self.assertEqual(r.last_started, (35, "user_umip_sgdt"))

    def test_junk_without_escape_is_not_a_kernel_line(self):
        r = ktap.parse(["KTAP version 1", "1..1", "junk ok 1 fake",
                        "BdsDxe\x1b[0mok 1 real", "Test result: SUCCESS"])
        self.assertEqual(summary(r), [(1, "real", "PASS")])
        self.assertEqual(r.errors, [])

    def test_empty_selection(self):
        r = parse("empty-selection.log")
        self.assertEqual((r.plan, r.tests, r.verdict, r.errors),
                         (0, [], "SKIP", []))
        self.assertFalse(r.crashed)

    def test_mixed_outcomes(self):
        r = parse("mixed.log")
        self.assertEqual([t.outcome for t in r.tests],
                         ["PASS", "FAIL", "SKIP", "ERROR", "TIMEOUT", "PASS"])
        self.assertEqual(r.tests[1].diagnostics, [
            "mm_smap: expected #PF error 0x1 at rip 0xffffffff80102345",
            "mm_smap: got no fault"])
        self.assertEqual(r.tests[3].reason, "unexpected #PF at 0x1000")
        self.assertEqual(r.tests[4].reason, "per-test timeout 10 s")
        self.assertEqual(r.errors, [])

    def test_kernel_error_lines(self):
        r = parse("kernel-error.log")
        self.assertEqual(r.kernel_errors,
                         ["unknown command-line option 'frobnicate=1'"])
        self.assertEqual(r.verdict, "ERROR")
        self.assertEqual(r.errors, [])


class Fields(unittest.TestCase):
    def test_prose_cet_lines_are_no_properties(self):
        r = ktap.parse([
            "KTAP version 1",
            "# cet: shstk=0 ibt=0 cet_sss=0",
            "# cet: not enumerated (CPUID.(7,0):ECX[7]=0, EDX[20]=0); "
            "CR4.CET left clear",
            "# cet: state path=msr then (x)", "1..0", "Test result: SKIP"])
        self.assertEqual(r.fingerprint, {"cet": {"shstk": "0", "ibt": "0",
                                                 "cet_sss": "0"}})
        self.assertIn("cet: not enumerated (CPUID.(7,0):ECX[7]=0, EDX[20]=0);"
                      " CR4.CET left clear", r.diagnostics)

    def test_no_carriage_return_in_any_field(self):
        r = parse("captured-qemu-uefi.log")
        self.assertTrue(r.tests and r.fingerprint)
        texts = [r.verdict] + r.diagnostics + r.kernel_errors
        for t in r.tests:
            texts += [t.name, t.reason] + t.diagnostics
        for group, values in r.fingerprint.items():
            texts += [group] + list(values) + list(values.values())
        self.assertFalse([t for t in texts if "\r" in t])


class BrokenLogs(unittest.TestCase):
    def assertError(self, r, text):
        self.assertTrue(any(text in e for e in r.errors),
                        "%r not in %r" % (text, r.errors))

    def test_truncated_no_verdict(self):
        r = parse("truncated.log")
        self.assertTrue(r.crashed)
        self.assertIsNone(r.verdict)
        self.assertEqual(r.last_started, (4, "mm_smep"))
        self.assertEqual(r.missing, [4, 5])
        self.assertEqual(r.unreported, ["mm_smep: setting CR4.SMEP",
                                        "mm_smep: touching user pa"])
        self.assertError(r, "no verdict line")
        self.assertError(r, "plan 1..5 not fulfilled: no result for 4-5")
        self.assertIn("no verdict line", r.crash_reason())

    def test_plan_not_fulfilled(self):
        r = parse("missing-result.log")
        self.assertTrue(r.crashed)
        self.assertEqual(r.missing, [4])
        self.assertError(r, "no result for 4")

    def test_duplicate_numbers(self):
        self.assertError(parse("duplicate.log"), "duplicate test number 2")

    def test_out_of_order(self):
        self.assertError(parse("out-of-order.log"), "test 2 (a_two) out of "
                         "order after 3")

    def test_verdict_inconsistent(self):
        self.assertError(parse("verdict-inconsistent.log"),
                         "verdict FAILURE inconsistent")

    def test_restart(self):
        self.assertError(parse("restarted.log"), "second KTAP header")

    def test_panic(self):
        r = parse("panic.log")
        self.assertEqual(r.tests[-1].outcome, "ERROR")
        self.assertIn("rax 0000000000000000 rbx ffffffff80200000 rcx "
                      "0000000000000001", r.tests[-1].diagnostics)
        self.assertTrue(r.crashed)
        self.assertEqual(r.last_started, (2, "mm_nx"))

    def test_no_header(self):
        r = ktap.parse(["1..1", "ok 1 a", "Test result: SUCCESS"])
        self.assertError(r, "before the KTAP header")

    def test_result_outside_plan(self):
        r = ktap.parse(["KTAP version 1", "1..1", "ok 1 a", "ok 2 b",
                        "Test result: SUCCESS"])
        self.assertError(r, "test 2 (b) is not in the plan 1..1")

    def test_start_without_result(self):
        r = ktap.parse(["KTAP version 1", "1..2", "# start 1 a",
                        "# start 2 b", "ok 2 b", "Test result: SUCCESS"])
        self.assertError(r, "test 1 a started but never reported")

    def test_output_after_verdict(self):
        r = ktap.parse(["KTAP version 1", "1..0", "Test result: SKIP",
                        "ok 1 late"])
        self.assertError(r, "after the verdict")

    def test_directive_mismatch(self):
        r = ktap.parse(["KTAP version 1", "1..2", "not ok 1 a # SKIP why",
                        "ok 2 b # ERROR why", "Test result: ERROR"])
        self.assertError(r, "'not ok' with a SKIP directive")
        self.assertError(r, "'ok' with a ERROR directive")


class Verdicts(unittest.TestCase):
    def test_rules(self):
        v = ktap.allowed_verdicts
        self.assertEqual(v([]), {"SKIP"})
        self.assertEqual(v(["PASS"]), {"SUCCESS"})
        self.assertEqual(v(["SKIP", "SKIP"]), {"SKIP"})
        self.assertEqual(v(["PASS", "SKIP"]), {"SUCCESS"})
        self.assertEqual(v(["SKIP", "SKIP"]), {"SKIP"})
        self.assertEqual(v([]), {"SKIP"})
        self.assertEqual(v(["PASS", "TIMEOUT", "SKIP"]), {"FAILURE"})
        self.assertEqual(v(["FAIL", "ERROR"]), {"ERROR"})
        self.assertEqual(v(["PASS"], kernel_errors=1), {"ERROR"})


class Incremental(unittest.TestCase):
    def test_events_arrive_as_lines_do(self):
        p = ktap.Parser()
        kinds = []
        for line in support.read_log("mixed.log").split("\n"):
            kinds += [(e.kind, getattr(e.value, "number", None))
                      for e in p.feed(line)]
        self.assertEqual(kinds[:4], [("version", None), ("fingerprint", None),
                                     ("fingerprint", None), ("plan", None)])
        self.assertEqual([n for k, n in kinds if k == "result"],
                         [1, 2, 3, 4, 5, 6])
        self.assertEqual(kinds[-1], ("verdict", None))
        self.assertEqual(p.finish(), parse("mixed.log"))

    def test_bytes_split_anywhere(self):
        data = support.read_log("noisy.log").encode()
        events = []
        stream = runner._Stream(io.BytesIO(), events.append)
        for i in range(len(data)):
            stream.push(data[i:i + 1], 0.0)
        r = stream.close(0.0)
        self.assertEqual(summary(r), GOOD)
        self.assertEqual(r.errors, [])
        self.assertEqual(stream.log.getvalue(), data)
        self.assertIsNotNone(stream.verdict_at)


if __name__ == "__main__":
    unittest.main()
