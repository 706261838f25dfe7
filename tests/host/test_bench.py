"""bench-boot prints every run as it ends, then min/median/max."""

import unittest
from unittest import mock

import support     # noqa: F401  (puts the harness on sys.path)
import bench
import ktap
import runner


class FakePlatform:
    name, timeout = "fakeplat", 5

    def prepare(self, ctx):
        return None


class Bench(unittest.TestCase):
    def test_progress_and_spread(self):
        times = iter([1.0, 3.0, 2.0, 0.5, 0.7, 0.6])

        def fake_run(*args, **kwargs):
            return runner.RunOutcome(result=ktap.Result(),
                                     verdict_seconds=next(times))
        lines = []
        with mock.patch.object(bench.platforms, "get",
                               return_value=FakePlatform()), \
                mock.patch.object(bench.runner, "run", fake_run):
            status = bench.main(support.ROOT, 3, ["fakeplat"],
                                build=self.tmp(), out=lines.append)
        self.assertEqual(status, 0)
        self.assertIn("  fakeplat     default run 2/3: 3.00 s", lines)
        self.assertIn("  fakeplat     empty   run 3/3: 0.60 s", lines)
        row = [s for s in lines if s.startswith("fakeplat ")][0]
        self.assertIn("1.00/2.00/3.00", row)
        self.assertIn("0.50/0.60/0.70", row)
        self.assertIn("1.40 s", row)        # 2.00 - 0.60

    def tmp(self):
        import tempfile
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        return d.name


if __name__ == "__main__":
    unittest.main()
