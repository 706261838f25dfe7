#!/usr/bin/env python3
"""Checks build/kernel.elf for what the boot loaders rely on.

QEMU's -kernel loader reads the multiboot1 header's load addresses (the a.out
kludge) and copies one block from the file, so the file-backed part must be
laid out linearly: for every PT_LOAD segment, file offset - first offset ==
physical address - load address.  GRUB's multiboot2 loader wants its header
within the first 32 KiB, multiboot1 within 8 KiB.
"""
import struct
import sys

MB1_MAGIC = 0x1BADB002
MB2_MAGIC = 0xE85250D6


def fail(msg):
    print(f"check-image: {sys.argv[1]}: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        fail("not an ELF64 file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads = []
    for i in range(phnum):
        p_type, _flags, off, _vaddr, paddr, filesz, _memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and filesz:
            loads.append((off, paddr, filesz))
    if not loads:
        fail("no loadable segments")
    loads.sort(key=lambda s: s[1])
    base_off, base_pa = loads[0][0], loads[0][1]
    for off, pa, _ in loads:
        if off - base_off != pa - base_pa:
            fail(f"segment at physical {pa:#x} is at file offset {off:#x}; "
                 f"a linear layout needs {base_off + pa - base_pa:#x}")

    mb1 = next((o for o in range(0, min(len(data), 8192) - 12, 4)
                if struct.unpack_from("<I", data, o)[0] == MB1_MAGIC), None)
    mb2 = next((o for o in range(0, min(len(data), 32768) - 16, 8)
                if struct.unpack_from("<I", data, o)[0] == MB2_MAGIC), None)
    if mb1 is None:
        fail("no multiboot1 header in the first 8 KiB")
    if mb2 is None:
        fail("no multiboot2 header in the first 32 KiB")
    magic, flags, csum, header_addr, load_addr, load_end, bss_end, entry = \
        struct.unpack_from("<IIIIIIII", data, mb1)
    if (magic + flags + csum) & 0xFFFFFFFF:
        fail("multiboot1 checksum is wrong")
    if load_addr != base_pa or header_addr - load_addr != mb1 - base_off:
        fail(f"multiboot1 header_addr {header_addr:#x} / load_addr {load_addr:#x} "
             f"do not match its file offset {mb1:#x}")
    end = max(pa + size for _, pa, size in loads)
    if load_end != end:
        fail(f"multiboot1 load_end_addr {load_end:#x} != end of file data {end:#x}")
    if bss_end < load_end or not (load_addr <= entry < load_end):
        fail("multiboot1 bss_end_addr or entry_addr out of range")


main()
