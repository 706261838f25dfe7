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
        c = cases(self.xml_for("truncated.log"))
        err = c["CRASH"].find("error")
        self.assertIn("last test started: 4 mm_smep", err.get("message"))

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
