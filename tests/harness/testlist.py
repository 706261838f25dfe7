"""The kernel's test registry read straight out of build/kernel.elf, without
booting: the `.tests` linker section between __tests_start and __tests_end
holds one struct test_case per test (include/test.h), in run order.

It names the tests a crashed run never reached, gives each test its area
for the conformance report, and backs `make list`.
"""

import re
import struct
from dataclasses import dataclass

# struct test_case { const char *name, *area; void (*body)(...); bool optin; }
# on x86-64: three pointers and a bool, padded to 32 bytes.
_ENTRY = struct.Struct("<QQQ?7x")


class TestListError(Exception):
    """The file is not a cetbed kernel this reader understands."""


@dataclass
class TestInfo:
    name: str
    area: str
    optin: bool


def _sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise TestListError("not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    out = []
    for i in range(shnum):
        (name, typ, _flags, addr, off, size, link, _info, _align,
         entsize) = struct.unpack_from("<IIQQQQIIQQ", data,
                                       shoff + i * shentsize)
        out.append((name, typ, addr, off, size, link, entsize))
    return out


def _symbols(data, sections, wanted):
    found = {}
    for _n, typ, _a, off, size, link, entsize in sections:
        if typ != 2:            # SHT_SYMTAB
            continue
        stroff = sections[link][3]
        for i in range(size // entsize):
            st_name, _info, _other, _shndx, value, _size = struct.unpack_from(
                "<IBBHQQ", data, off + i * entsize)
            end = data.index(b"\0", stroff + st_name)
            name = data[stroff + st_name:end].decode("ascii", "replace")
            if name in wanted:
                found[name] = value
    missing = [w for w in wanted if w not in found]
    if missing:
        raise TestListError("no symbol %s (a stripped kernel?)"
                            % ", ".join(missing))
    return found


def _reader(data, sections):
    """Maps a virtual address to file bytes through the allocated sections."""
    spans = [(addr, off, size) for _n, typ, addr, off, size, _l, _e in sections
             if addr and typ != 8]          # SHT_NOBITS has no file bytes

    def at(vaddr, n):
        for addr, off, size in spans:
            if addr <= vaddr and vaddr + n <= addr + size:
                return data[off + vaddr - addr:off + vaddr - addr + n]
        raise TestListError("address 0x%x is in no section" % vaddr)

    def cstr(vaddr):
        for addr, off, size in spans:
            if addr <= vaddr < addr + size:
                start = off + vaddr - addr
                return data[start:data.index(b"\0", start)].decode(
                    "ascii", "replace")
        raise TestListError("string at 0x%x is in no section" % vaddr)
    return at, cstr


def read(path):
    """Every registered test, in the order the runner numbers them."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise TestListError("%s: %s" % (path, e.strerror)) from None
    try:
        sections = _sections(data)
        syms = _symbols(data, sections, ("__tests_start", "__tests_end"))
        at, cstr = _reader(data, sections)
        start, end = syms["__tests_start"], syms["__tests_end"]
        if (end - start) % _ENTRY.size:
            raise TestListError("the .tests section is %d bytes, not a "
                                "multiple of %d" % (end - start, _ENTRY.size))
        tests = []
        for a in range(start, end, _ENTRY.size):
            name, area, _body, optin = _ENTRY.unpack(at(a, _ENTRY.size))
            tests.append(TestInfo(cstr(name), cstr(area), optin))
        return tests
    except (struct.error, ValueError, IndexError) as e:
        raise TestListError("%s: malformed ELF: %s" % (path, e)) from None


def patterns(cmdline):
    """The tests= globs of a command line, or None when it has none (every
    test that is not opt-in runs)."""
    pats = None
    for word in (cmdline or "").split():
        if word.startswith("tests="):
            pats = (pats or []) + [p for p in word[6:].split(",") if p]
    return pats


def _glob(pattern, name):
    # The kernel's glob knows '*' and '?' only: no character classes.
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                 for c in pattern)
    return re.fullmatch(rx, name, re.S) is not None


def selected(tests, cmdline):
    """The tests a run with this command line plans, as the kernel's
    cmdline_selects() picks them; none for a `list` run."""
    words = (cmdline or "").split()
    if "list" in words:
        return []
    pats = patterns(cmdline)
    if pats is None and not any(w.startswith("tests=") for w in words):
        return [t for t in tests if not t.optin]
    pats = pats or []
    return [t for t in tests
            if any((p == t.name) if t.optin else _glob(p, t.name)
                   for p in pats)]


def area_of(name):
    """An area from the name's prefix, for a test the ELF does not list."""
    return name.split("_", 1)[0] if "_" in name else "other"

