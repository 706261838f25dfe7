"""Harness support for Linux programs: KTAP subtests (a kselftest's cases)
judged against expectations, program output events, and the addr2line
symbolizer of the CET fault report."""

import os
import shutil
import subprocess
import tempfile
import unittest

import support
import expect
import ktap
import symbolize


def expectations(text):
    with tempfile.TemporaryDirectory() as d:
        return expect.load_expectations(support.write(os.path.join(d, "x"), text))


class Subtests(unittest.TestCase):
    def setUp(self):
        self.r = ktap.parse_text(support.read_log("subtests.log"))

    def test_parsed_outside_the_plan(self):
        self.assertEqual(self.r.plan, 2)
        self.assertEqual([t.name for t in self.r.tests],
                         ["linux_hello", "linux_test_shadow_stack"])
        self.assertEqual([(t.name, t.outcome) for t in self.r.subtests], [
            ("linux_test_shadow_stack.shadow_stack_pivot", ktap.PASS),
            ("linux_test_shadow_stack.userfaultfd_unavailable", ktap.SKIP),
            ("linux_test_shadow_stack.ptrace_test", ktap.FAIL)])
        self.assertEqual(self.r.subtests[1].reason, "Userfaultfd unavailable.")
        self.assertEqual(self.r.errors, [])

    def test_each_subtest_is_judged(self):
        exp = expectations(
            "SKIP linux_test_shadow_stack.userfaultfd_unavailable Userfaultfd unavailable.\n"
            "FAIL linux_test_shadow_stack.ptrace_test no ptrace\n"
            "FAIL linux_test_shadow_stack no ptrace\n")
        self.assertTrue(expect.compare(self.r, exp).matched)
        # Without the ptrace line, the failing subtest alone is a mismatch.
        exp = expectations(
            "SKIP linux_test_shadow_stack.userfaultfd_unavailable Userfaultfd unavailable.\n"
            "FAIL linux_test_shadow_stack no ptrace\n")
        cmp = expect.compare(self.r, exp)
        self.assertFalse(cmp.matched)
        self.assertEqual([c.test.name for c in cmp.mismatches],
                         ["linux_test_shadow_stack.ptrace_test"])

    def test_stale_subtest_line(self):
        exp = expectations(
            "SKIP linux_test_shadow_stack.userfaultfd_unavailable Userfaultfd unavailable.\n"
            "FAIL linux_test_shadow_stack.ptrace_test no ptrace\n"
            "FAIL linux_test_shadow_stack.gone_case no such case\n"
            "FAIL linux_test_shadow_stack no ptrace\n")
        cmp = expect.compare(self.r, exp)
        self.assertTrue(any("gone_case" in p for p in cmp.problems))

    def test_output_events(self):
        p = ktap.Parser()
        kinds = []
        for line in support.read_log("subtests.log").split("\n"):
            kinds += [(e.kind, e.value) for e in p.feed(line)
                      if e.kind in ("output", "subresult")]
        self.assertEqual(kinds[0], ("output", "out: hello, world!"))
        self.assertEqual(sum(1 for k, _ in kinds if k == "subresult"), 3)

    def test_subtest_outside_a_test_is_a_protocol_error(self):
        r = ktap.parse_text("KTAP version 1\n1..0\n    ok 1 stray\nTest result: SKIP\n")
        self.assertTrue(any("outside a running test" in e for e in r.errors))


@unittest.skipUnless(shutil.which("gcc") and shutil.which("addr2line") and
                     shutil.which("nm"), "needs gcc, nm and addr2line")
class Symbolizer(unittest.TestCase):
    def test_names_code_addresses(self):
        with tempfile.TemporaryDirectory() as d:
            src = support.write(os.path.join(d, "prog.c"),
                                "int frobnicate(int x)\n{\n\treturn x * 3;\n}\n"
                                "int main(void)\n{\n\treturn frobnicate(2);\n}\n")
            elf = os.path.join(d, "prog")
            subprocess.run(["gcc", "-static", "-O0", "-g", "-o", elf, src],
                           check=True)
            nm = subprocess.run(["nm", elf], capture_output=True, text=True,
                                check=True).stdout
            addr = int(next(l.split()[0] for l in nm.splitlines()
                            if l.endswith(" frobnicate")), 16)
            s = symbolize.Symbolizer(elf)
            line = s("rip 0x%x ssp 0x7ffefffffff0" % addr)
            self.assertIn("0x%x (prog.c:2 frobnicate())" % addr, line)
            # Not a code address: left alone.
            self.assertIn("ssp 0x7ffefffffff0", line)
            self.assertTrue(line.endswith("0x7ffefffffff0"))


if __name__ == "__main__":
    unittest.main()
