#!/usr/bin/env python3
"""Serial ports beyond COM1, end to end on QEMU: one boot with two PCI
16550s (QEMU's pci-serial) for the kernel's PCI scan to find, one on the
root bus and one behind a PCI-to-PCI bridge, and a second ISA UART at
0x2f8 named with uart=io:0x2f8; a further uart= names a port where
nothing answers.  The whole KTAP stream must arrive on both extra ports
and parse to the same results as COM1's.

Exit status 0 when every check holds, 1 when one does not, 2 when the
platform cannot run here.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ktap         # noqa: E402
import platforms    # noqa: E402
import runner       # noqa: E402
import summary      # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CMDLINE = ("tests=mm_page0_unmapped,mm_nx_kernel_data,user_exit_status "
           "uart=io:0x2f8 uart=io:0x3e8")
# QEMU's PCI 16550: Red Hat's vendor id, device 0002.
PCI_SERIAL_ID = "1b36:0002"


def _tests(result):
    return [(t.number, t.name, t.outcome) for t in result.tests]


def check(platform, build, out):
    plat = platforms.get(platform)
    ctx = platforms.Context(ROOT, build=build, cmdline=CMDLINE, tag="uart")
    launch = plat.prepare(ctx)
    results = os.path.join(ctx.build, "results")
    logs = {n: os.path.join(results, "uart-%s-%s.log" % (platform, n))
            for n in ("pci", "pci-bridged", "com2")}
    for path in logs.values():
        if os.path.exists(path):
            os.unlink(path)
    # q35 takes a conventional PCI bus only behind a PCIe-to-PCI bridge.
    bridge = "pcie-pci-bridge,id=br1" if platform == "qemu-uefi" \
        else "pci-bridge,id=br1,chassis_nr=1"
    launch.argv += ["-chardev", "file,id=pciser,path=" + logs["pci"],
                    "-device", "pci-serial,chardev=pciser",
                    "-device", bridge,
                    "-chardev", "file,id=pciser2,path=" + logs["pci-bridged"],
                    "-device", "pci-serial,bus=br1,addr=3,chardev=pciser2",
                    "-serial", "file:" + logs["com2"]]
    com1 = os.path.join(results, "uart-%s-com1.log" % platform)
    out.write("%s: --cmdline %r, two pci-serial (one bridged), a second "
              "ISA UART\n" % (platform, CMDLINE))
    out.flush()
    outcome = runner.run(launch, plat.timeout, com1, com1 + ".emu")
    with open(com1, "rb") as f:
        com1_out = summary.kernel_output(f.read())
    failed = 0

    def expect(cond, what):
        nonlocal failed
        out.write("  %s %s\n" % ("ok  " if cond else "FAIL", what))
        failed += not cond

    main = outcome.result
    expect(main.verdict is not None and not main.crashed,
           "COM1 run complete (%s)" % (main.verdict or outcome.crash))
    diags = "\n".join(main.diagnostics)
    expect("uart: uart0: uart= io:0x2f8 stride 1" in diags,
           "uart=io:0x2f8 added as uart0")
    found = [d for d in main.diagnostics if d.startswith("uart: uart")
             and " pci " in d and PCI_SERIAL_ID in d and " io:0x" in d]
    expect(len(found) == 2 and any(not d.startswith("uart: uart1: pci 00:")
                                   for d in found),
           "both PCI 16550s (%s) found at their I/O BARs, one on a bridge's "
           "secondary bus" % PCI_SERIAL_ID)
    expect("uart: uart= io:0x3e8 not added: nothing answers there" in diags,
           "uart=io:0x3e8, where no UART is, refused")
    for name, path in sorted(logs.items()):
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            expect(False, "%s log: %s" % (name, e))
            continue
        # Firmware may write to the port too (OVMF does); what counts is
        # the kernel's part, header to verdict, replayed start included.
        expect(com1_out is not None and
               summary.kernel_output(raw) == com1_out,
               "%s log: the kernel's output byte for byte as on COM1" % name)
        r = ktap.parse_text(raw.decode("utf-8", "replace"))
        expect(r.plan == main.plan and r.verdict == main.verdict and
               _tests(r) == _tests(main) and _tests(r),
               "%s log: same plan, %d results and verdict as COM1"
               % (name, len(main.tests)))
    return failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("platforms", nargs="*", default=["qemu-bios"],
                    help="QEMU platforms booting the ISO (qemu-bios)")
    ap.add_argument("--build", help="build directory (build/)")
    args = ap.parse_args(argv)
    failed = 0
    for name in args.platforms:
        try:
            if platforms.get(name).family != "qemu" or name == "qemu-kernel":
                raise platforms.PlatformError("%s: only QEMU ISO platforms "
                                              "take extra UARTs here" % name)
            failed += check(name, args.build, sys.stdout)
        except platforms.PlatformError as e:
            print("uart-check: %s" % e, file=sys.stderr)
            return 2
    print("uart-check: %s" % ("all checks passed" if not failed
                              else "%d checks failed" % failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
