"""make usb checks CMDLINE with the kernel's own parser (cmdline-check,
built from kernel/lib/cmdline.c) before it writes anything, and `make
list`'s test names come from the image without booting."""

import os
import subprocess
import unittest

import support

TOOL = os.path.join(support.ROOT, "build", "host", "cmdline-check")
NAMES = "exc_de_divide_error\nshstk_call_ret_nested_64\ntask_spin_forever\n"


def check(cmdline):
    p = subprocess.run([TOOL, cmdline], input=NAMES, capture_output=True,
                       text=True)
    return p.returncode, p.stdout


class CmdlineCheck(unittest.TestCase):
    def test_good_lines_pass(self):
        for line in ("", "tests=shstk_*", "tests=exc_*,task_spin_forever "
                     "timeout=3 screen=30 efivars=off uart=io:0x2f8 list"):
            self.assertEqual(check(line), (0, ""), line)

    def test_each_problem_is_one_line(self):
        status, out = check("frob=1 screen=soon tests=nomatch_*,exc_*")
        self.assertEqual(status, 1)
        self.assertEqual(out.splitlines(), [
            "unknown command-line option 'frob=1'",
            "bad command-line option 'screen=soon'",
            "tests= pattern 'nomatch_*' matches no test"])


class ListTests(unittest.TestCase):
    def test_names_and_areas_from_the_image(self):
        kernel = os.path.join(support.ROOT, "build", "kernel.elf")
        status, out, err = support.cli("list-tests", "--kernel", kernel)
        self.assertEqual(status, 0, err)
        rows = [line.split() for line in out.splitlines()]
        self.assertGreater(len(rows), 50)
        self.assertIn(["exc", "exc_de_divide_error"], rows)
        status, out, _ = support.cli("list-tests", "--kernel", kernel,
                                     "--names", "--cmdline", "tests=exc_de*")
        self.assertEqual(out, "exc_de_divide_error\n")

    def test_not_an_image(self):
        status, _, err = support.cli("list-tests", "--kernel", __file__)
        self.assertEqual(status, 2)
        self.assertIn("not a little-endian ELF64 file", err)


if __name__ == "__main__":
    unittest.main()
