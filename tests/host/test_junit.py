"""The JUnit file is well-formed XML and says what the summary says."""

import os
import tempfile
import unittest
import xml.etree.ElementTree as ET

import support
import expect
import junit
import ktap


def cases(tree):
    return {c.get("name"): c for c in tree.iter("testcase")}


class JUnit(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def xml_for(self, logname, expectations=""):
        exp = support.write(os.path.join(self.tmp.name, "p.expect"),
                            expectations)
        xml = os.path.join(self.tmp.name, "out.xml")
        support.cli("parse", support.log(logname), "--expect", exp,
                    "--xml", xml)
        return ET.parse(xml)

    def test_outcomes(self):
        tree = self.xml_for("mixed.log", "FAIL mm_smap emulator bug\n")
        suite = tree.getroot().find("testsuite")
        c = cases(tree)
        self.assertIsNotNone(c["mm_smap"].find("skipped"))
        self.assertIn("known divergence: emulator bug",
                      c["mm_smap"].find("skipped").get("message"))
        self.assertIsNotNone(c["mm_smep"].find("failure"))
        self.assertIsNotNone(c["shstk_near_ret"].find("error"))
        self.assertIsNotNone(c["shstk_loop"].find("error"))
        self.assertEqual(len(list(c["user_roundtrip"])), 0)
        self.assertEqual(suite.get("tests"), str(len(c)))
        self.assertEqual(suite.get("skipped"), "1")

    def test_crash_is_an_error_testcase(self):
        tree = self.xml_for("truncated.log")
        c = cases(tree)
        err = c["mm_smep"].find("error")
        self.assertEqual(err.get("type"), "CRASH")
        self.assertIn("last test started: 4 mm_smep", err.get("message"))
        self.assertIn("touching user pa", err.text)
        # The test after the crash is still there, skipped with the reason.
        self.assertEqual(c["test_5"].find("skipped").get("message"),
                         "not run: the run stopped in test 4 mm_smep")
        self.assertNotIn("CRASH", c)
        suite = tree.getroot().find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("errors"),
                          suite.get("skipped")), ("5", "1", "1"))

    def test_crash_names_unreported_tests_from_the_image(self):
        r = ktap.parse(support.read_log("truncated.log").split("\n"))
        cmp = expect.compare(r, {})
        names = ["exc_de_divide_error", "exc_ud_invalid_opcode",
                 "mm_page0_unmapped", "mm_smep", "mm_smap"]
        c = cases(junit.build("p", r, cmp, names=names))
        self.assertIsNotNone(c["mm_smap"].find("skipped"))
        # A list from another build (names disagree) is not trusted.
        c = cases(junit.build("p", r, cmp, names=names[::-1]))
        self.assertIn("test_5", c)

    def test_crash_before_the_plan_lists_the_planned_tests(self):
        r = ktap.parse(["KTAP version 1", "# cetbed x"])
        cmp = expect.compare(r, {}, None, "timeout after 5 s")
        c = cases(junit.build("p", r, cmp, names=["a_1", "b_2"]))
        self.assertEqual(c["a_1"].find("skipped").get("message"),
                         "not run: the run stopped before its plan")
        self.assertIsNotNone(c["CRASH"].find("error"))

    def test_control_characters_stay_well_formed(self):
        r = ktap.parse(["KTAP version 1", "1..1", "# start 1 a",
                        "# bad \x01\x07 bytes \ufffe", "not ok 1 a",
                        "Test result: FAILURE"])
        r.tests[0].diagnostics.append("raw \x00\x1b byte")
        cmp = expect.compare(r, {}, None, "timeout \x02")
        path = os.path.join(self.tmp.name, "ctl.xml")
        junit.write(path, junit.build("qemu-kernel", r, cmp))
        ET.parse(path)


if __name__ == "__main__":
    unittest.main()
