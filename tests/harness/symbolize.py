"""Addresses in a CET fault report, named against the program's ELF with
binutils' addr2line: '0x401136' becomes '0x401136 (main.c:42 frobnicate)'."""

import os
import re
import shutil
import subprocess

_HEX = re.compile(r"0x[0-9a-f]+")
# Where a static non-PIE executable's code and data can be.
_LOW, _HIGH = 0x400000, 0x100000000000


class Symbolizer:
    def __init__(self, elf, tool="addr2line"):
        self.elf = elf
        self.tool = shutil.which(tool)
        self.cache = {}

    def name(self, addr):
        if self.tool is None or not _LOW <= addr < _HIGH:
            return None
        if addr not in self.cache:
            try:
                done = subprocess.run([self.tool, "-f", "-e", self.elf,
                                       "0x%x" % addr], capture_output=True,
                                      text=True, timeout=10)
                lines = done.stdout.splitlines()
            except (OSError, subprocess.TimeoutExpired):
                lines = []
            func, where = (lines + ["??", "??:0"])[:2]
            where = where.split(" (discriminator")[0]
            if func == "??" and where.startswith("??"):
                self.cache[addr] = None
            else:
                path, _, line = where.rpartition(":")
                self.cache[addr] = "%s:%s %s()" % (os.path.basename(path),
                                                   line, func)
        return self.cache[addr]

    def __call__(self, line):
        def one(m):
            n = self.name(int(m.group(0), 16))
            return m.group(0) + (" (%s)" % n if n else "")
        return _HEX.sub(one, line)
