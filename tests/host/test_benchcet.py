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


class BootPhases(unittest.TestCase):
    """bench-boot's split of one run, from the times its lines arrived."""

    def test_split_and_costliest(self):
        import bench
        import ktap

        class Clock:
            now = 0.0
        p = bench.Phases()
        p.t0 = 0.0
        real = bench.time.monotonic
        bench.time.monotonic = lambda: Clock.now
        self.addCleanup(setattr, bench.time, "monotonic", real)
        parser = ktap.Parser()
        for at, line in ((0.50, "KTAP version 1"), (0.52, "1..2"),
                         (0.60, "# start 1 a"), (0.70, "ok 1 a"),
                         (0.71, "# start 2 b"), (1.01, "ok 2 b"),
                         (1.02, "Test result: SUCCESS")):
            Clock.now = at
            for ev in parser.feed(line):
                p(ev)
        split = p.split(1.25)
        want = {"firmware+loader": 0.50, "kernel start-up": 0.10,
                "tests": 0.41, "verdict line": 0.01,
                "screen+power-off": 0.23}
        for k, v in want.items():
            self.assertAlmostEqual(split[k], v, places=6, msg=k)
        lines = bench.describe_breakdown("x", [(split, p.tests)], top=1)
        self.assertRegex(lines[2], r"between tests .*: 0\.010 s$")
        self.assertIn("the 1 costliest of 2 tests", lines[3])
        self.assertRegex(lines[4], r"0\.300 s  b$")
