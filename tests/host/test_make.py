"""make help lists the commands, and each one it names is a rule of the
Makefile; make list prints one line per test without booting."""

import re
import subprocess
import unittest

import support


def make(*args):
    return subprocess.run(["make", "-s", "--no-print-directory"] + list(args),
                          cwd=support.ROOT, capture_output=True, text=True)


class Help(unittest.TestCase):
    def test_every_command_named_is_a_rule(self):
        p = make("help")
        self.assertEqual(p.returncode, 0, p.stderr)
        named = set(re.findall(r"^\s*make ([a-z][a-z-]*)", p.stdout, re.M))
        self.assertTrue({"help", "list", "run", "test", "report", "gdb",
                         "lava-run", "bench-boot", "usb"} <= named, named)
        rules = set(re.findall(r"^([a-z][a-z-]*):", support.read(
            support.ROOT + "/Makefile"), re.M))
        self.assertEqual(named - rules, set())

    def test_list_reads_the_image(self):
        p = make("list", "TESTS=exc_*")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines)
        self.assertTrue(all(re.match(r"exc\s+exc_\w+$", s) for s in lines),
                        lines)


if __name__ == "__main__":
    unittest.main()
