"""The conformance report from saved logs: platforms come from the pairs
of log and expectation file, cells from the comparison, links to lines."""

import os
import shutil
import tempfile
import unittest

import support
import htmlreport


class Report(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.results = os.path.join(tmp.name, "results")
        self.expect = os.path.join(tmp.name, "expect")
        os.makedirs(self.results)
        os.makedirs(self.expect)

    def platform(self, name, log, expectations=""):
        shutil.copy(support.log(log), os.path.join(self.results,
                                                   name + ".log"))
        support.write(os.path.join(self.expect, name + ".expect"),
                      expectations)

    def test_cells_totals_and_links(self):
        self.platform("alpha", "good.log",
                      "SKIP mm_smep no SMEP here\n"
                      "FAIL user_roundtrip an emulator bug\n")
        self.platform("beta", "truncated.log")
        # A log without an expectation file is no platform.
        shutil.copy(support.log("good.log"),
                    os.path.join(self.results, "stray.log"))
        index, cols, groups = htmlreport.write(self.results, self.expect)
        self.assertEqual([c.name for c in cols], ["alpha", "beta"])
        a, b = cols
        self.assertEqual(a.cells["mm_smep"].state, htmlreport.SKIP)
        self.assertIn("SMEP not enumerated", a.cells["mm_smep"].why)
        # Listed FAIL but it passed: a stale expectation, so a failure.
        self.assertEqual(a.cells["user_roundtrip"].state, htmlreport.FAIL)
        self.assertIn("stale expectation", a.cells["user_roundtrip"].why)
        self.assertEqual(b.cells["mm_smep"].state, htmlreport.FAIL)
        self.assertIn("crashed", b.cells["mm_smep"].why)
        self.assertEqual(b.totals[htmlreport.NOT_RUN], 1)    # user_roundtrip
        self.assertEqual(dict(groups)["mm"], ["mm_page0_unmapped",
                                              "mm_smep"])
        page = support.read(index)
        self.assertIn("href='log/alpha.html#L12'", page)   # '# start 4'
        self.assertNotIn("<script", page)
        logpage = support.read(os.path.join(self.results, "log",
                                            "alpha.html"))
        self.assertIn("id='L12'", logpage)
        md = support.read(os.path.join(self.results, "summary.md"))
        self.assertIn("| alpha | MISMATCH | SUCCESS | 3 | 1 | 0 | 1 | 0 |",
                      md)
        self.assertIn("**CRASH**", md)

    def test_divergence_is_its_own_state(self):
        self.platform("gamma", "mixed.log", "FAIL mm_smap emulator bug\n")
        _, cols, _ = htmlreport.write(self.results, self.expect)
        cell = cols[0].cells["mm_smap"]
        self.assertEqual((cell.state, cell.why),
                         (htmlreport.DIVERGENCE, "emulator bug"))


if __name__ == "__main__":
    unittest.main()
