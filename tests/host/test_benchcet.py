"""bench-cet's reading of "# bench:" lines and its table, on made-up logs."""

import unittest

import support  # noqa: F401  (puts the harness on the path)
import benchcet

LOG = """KTAP version 1
# cetbed x: x86-64 CET shadow-stack testbed
1..1
# start 1 bench_cet
# bench: TSC cycles, min and median of 101 samples; under a hypervisor: not meaningful
# bench: cr0   call+ret, shadow stack off                       min       4  median       5 cycles\r
# bench: cr1   call+ret, shadow stack on                        not measured: CPUID.(7,0):ECX[7] CET_SS (shadow stack) not enumerated
ok 1 bench_cet
Test result: SUCCESS
"""


class BenchCet(unittest.TestCase):
    def test_parse(self):
        rows, result = benchcet.parse(LOG)
        self.assertEqual(rows, [
            ("cr0", "call+ret, shadow stack off", 4, 5, None),
            ("cr1", "call+ret, shadow stack on", None, None,
             "CPUID.(7,0):ECX[7] CET_SS (shadow stack) not enumerated")])
        self.assertIsNone(benchcet.judge(result))

    def test_a_failed_or_missing_run_is_reported(self):
        _, result = benchcet.parse(LOG.replace("ok 1", "not ok 1"))
        self.assertIn("bench_cet: FAIL", benchcet.judge(result))
        _, result = benchcet.parse("KTAP version 1\n1..0\n"
                                   "Test result: SKIP\n")
        self.assertIn("did not run", benchcet.judge(result))

    def test_table_labels_emulators(self):
        rows, _ = benchcet.parse(LOG)
        lines = benchcet.table([("laptop", rows, False),
                                ("qemu-kernel", rows, True)])
        body = "\n".join(lines)
        self.assertRegex(body, r"cr0 +call\+ret, shadow stack off +5 \(4\) +5 \(4\)")
        self.assertRegex(body, r"cr1 .* - +-")
        self.assertIn("not meaningful (emulated; ", body)
        self.assertTrue(body.split("not meaningful")[1].split("\n")[0]
                        .endswith("qemu-kernel"))
        self.assertTrue(benchcet.emulated("bochs"))
        self.assertFalse(benchcet.emulated("serial"))


if __name__ == "__main__":
    unittest.main()
