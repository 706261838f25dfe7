"""How each cetbed platform is launched: its command line, where its serial
log appears, how long it may take and what its exit status means. The
'serial' platform launches nothing: it listens to a real serial device."""

import hashlib
import os
import shutil
import stat
import termios
import subprocess
from dataclasses import dataclass, field

QEMU = "qemu-system-x86_64"
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
BOCHS_VGA = "/usr/share/vgabios/vgabios.bin"
BOCHS_TERM = "/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so.0"
BOCHS3_VGA = "/usr/share/bochs/VGABIOS-lgpl-latest"
BOCHS3_ROOT = "build/bochs3-root"
BOCHS3_SETUP = "scripts/bochs3-root.sh " + BOCHS3_ROOT
# Inside the Debian 13 root: Debian's bochs is a shell wrapper around these.
BOCHS3_BIN = "usr/bin/bochs-bin"
BOCHS3_LOADER = "lib64/ld-linux-x86-64.so.2"
BOCHS3_LIBS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")
BOCHS3_PLUGINS = "usr/lib/x86_64-linux-gnu/bochs/plugins"
BOCHS3_ENV = "CETBED_BOCHS3"

APT_QEMU = "apt-get install qemu-system-x86"
APT_OVMF = "apt-get install ovmf"
APT_BOCHS = "apt-get install bochs bochs-term bochsbios vgabios"

# QEMU's isa-debug-exit turns the kernel's code v into (v << 1) | 1.
QEMU_EXIT = {"SUCCESS": 0x21, "SKIP": 0x23, "FAILURE": 0x25, "ERROR": 0x27}


class PlatformError(Exception):
    """The platform cannot be started here; the message says how to fix
    it."""


@dataclass
class Launch:
    argv: list
    cwd: str
    serial_file: str = None     # tail this file; None means the stdout pipe
    env: dict = field(default_factory=dict)
    exit_codes: dict = None     # verdict -> exit status, when it means one
    cmdline: str = None         # what the kernel is told, None = default
    device: str = None          # a serial device to listen to instead
    baud: int = None
    require: tuple = ()         # regexes the serial log must contain


@dataclass
class Platform:
    name: str
    family: str                 # qemu, bochs, bochs3 or device
    boot: str                   # kernel, iso, or none (booted by hand)
    timeout: float
    cpu: str = None             # Bochs CPU model
    # Variants of a base platform (make test-matrix, the laptop hazards,
    # the AMD-like run) change these; the defaults are what the original
    # platforms always used.
    base: str = None            # the platform whose expectations apply
    qemu_cpu: str = "max"       # QEMU -cpu
    memory: str = "128M"        # QEMU -m
    smp: int = None             # QEMU -smp, None for QEMU's default (1)
    machine: str = None         # QEMU -machine value instead of the default
    firmware: str = None        # "ovmf" for a UEFI boot of the ISO
    cmdline: str = None         # kernel options, before any --cmdline
    expect: str = None          # its expectation file's name, if shared
    # Expectation files added to it: what this CPU model lacks, e.g.
    # "features/no-smap" (tests/expect/features/no-smap.expect).
    expect_extra: tuple = ()
    matrix: bool = False        # one of make test-matrix's configurations
    debug_exit: bool = True     # QEMU isa-debug-exit (exit status = verdict)
    require: tuple = ()         # regexes the serial log must contain
    image: str = None           # another build under build/: DIR/kernel.elf, DIR/cetbed.iso

    @property
    def expect_name(self):
        return self.expect or self.base or self.name

    def results(self, ctx):
        return os.path.join(ctx.build, "results")

    def workdir(self, ctx):
        """A private directory for this platform's generated files."""
        return os.path.join(self.results(ctx), ctx.private_name(self.name))

    def check(self, ctx):
        if self.family == "device":
            _need_tty(ctx.device)
            if not hasattr(termios, "B%d" % ctx.baud):
                raise PlatformError("unsupported baud rate %d" % ctx.baud)
            return
        if self.family == "qemu":
            _need_tool(QEMU, APT_QEMU)
            if self.firmware == "ovmf":
                for f in (OVMF_CODE, OVMF_VARS):
                    _need_file(f, APT_OVMF)
        elif self.family == "bochs":
            _need_tool("bochs", APT_BOCHS)
            for f in (BOCHS_BIOS, BOCHS_VGA):
                _need_file(f, APT_BOCHS)
            _need_file(BOCHS_TERM, APT_BOCHS)
        else:
            root = ctx.bochs3_root
            if ctx.bochs3_binary and not os.access(ctx.bochs3_binary, os.X_OK):
                raise PlatformError(
                    "%s=%s is not an executable: build it with 'make "
                    "bochs-fast' or unset it" % (BOCHS3_ENV, ctx.bochs3_binary))
            # An optimised build needs only the root's BIOS images.
            need = (BOCHS_BIOS.lstrip("/"),) if ctx.bochs3_binary else \
                (BOCHS3_BIN, BOCHS3_LOADER)
            for f in need:
                if not os.path.isfile(os.path.join(root, f)):
                    raise PlatformError(
                        "Bochs 3.0 root %s is missing or incomplete (no "
                        "/%s): run '%s' (as root)" % (root, f, BOCHS3_SETUP))
        needs_kernel = self.boot == "kernel" or ctx.cmdline is not None or \
            ctx.modules is not None
        image = ctx.kernel if needs_kernel else ctx.iso
        if not os.path.isfile(image):
            raise PlatformError("%s not found: build it with 'make'" % image)

    def prepare(self, ctx):
        """Create what the run needs and return its Launch."""
        if self.cmdline:
            ctx.cmdline = " ".join(w for w in (self.cmdline, ctx.cmdline) if w)
        if self.image:
            ctx.kernel = os.path.join(ctx.build, self.image, "kernel.elf")
            ctx.iso = os.path.join(ctx.build, self.image, "cetbed.iso")
        self.check(ctx)
        os.makedirs(self.results(ctx), exist_ok=True)
        if self.family == "device":
            # The machine boots its own stick; --cmdline only tells the
            # judge which tests it selected.
            return Launch(None, ctx.root, cmdline=ctx.cmdline,
                          device=ctx.device, baud=ctx.baud)
        iso = None
        if self.boot == "iso":
            iso = ctx.iso
            if ctx.cmdline is not None or ctx.modules is not None:
                iso = build_cmdline_iso(ctx, self.name)
        if self.family == "qemu":
            return self._qemu(ctx, iso)
        work = self.workdir(ctx)
        os.makedirs(work, exist_ok=True)
        return self._bochs(ctx, work, iso)

    def _qemu(self, ctx, iso):
        argv = [QEMU, "-accel", "tcg", "-nodefaults", "-display", "none",
                "-no-reboot", "-cpu", self.qemu_cpu, "-m", self.memory,
                "-serial", "stdio", "-monitor", "none"]
        if self.debug_exit:
            argv += ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        if self.smp:
            argv += ["-smp", str(self.smp)]
        if self.firmware == "ovmf":
            argv += ["-machine", self.machine or "q35"]
        elif self.machine:
            argv += ["-machine", self.machine]
        if self.boot == "kernel":
            argv += ["-kernel", ctx.kernel, "-append", ctx.cmdline or ""]
            mods = ctx.boot_modules()
            if mods:
                # QEMU's multiboot loader: modules split at commas, each
                # "FILE ARGS"; the kernel reads what follows "--".
                argv += ["-initrd", ",".join("%s -- %s" % (os.path.abspath(f), a)
                                             for f, a in mods)]
        elif self.firmware != "ovmf":
            argv += ["-boot", "d", "-cdrom", iso]
        else:
            argv += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,"
                     "file=" + OVMF_CODE,
                     "-drive", "if=pflash,format=raw,unit=1,file="
                     + private_vars(ctx, self.name),
                     "-cdrom", iso]
        return Launch(argv, ctx.root,
                      exit_codes=QEMU_EXIT if self.debug_exit else None,
                      cmdline=ctx.cmdline, require=self.require)

    def _bochs(self, ctx, work, iso):
        where = os.path.abspath(work)
        # The term display needs a terminal type even with no terminal.
        env = {"TERM": "vt100"}
        program_args = ["-rc", where + "/continue"]
        if self.family == "bochs3" and ctx.bochs3_binary:
            # An optimised build of the same Bochs (scripts/bochs-fast.sh)
            # runs on the host, with the root's BIOS images; built without
            # the debugger, it knows no -rc.
            r = ctx.bochs3_root
            bios = os.path.join(r, BOCHS_BIOS.lstrip("/"))
            vga = os.path.join(r, BOCHS3_VGA.lstrip("/"))
            prefix = [ctx.bochs3_binary]
            program_args = []
        elif self.family == "bochs3":
            # Debian 13's Bochs needs Debian 13's libc: it runs through the
            # root's own dynamic loader and libraries, without chroot (so
            # without root), and finds its plugins, BIOS images and terminal
            # description inside the root.
            r = ctx.bochs3_root
            bios = os.path.join(r, BOCHS_BIOS.lstrip("/"))
            vga = os.path.join(r, BOCHS3_VGA.lstrip("/"))
            prefix = [os.path.join(r, BOCHS3_LOADER), "--library-path",
                      ":".join(os.path.join(r, d) for d in BOCHS3_LIBS),
                      os.path.join(r, BOCHS3_BIN)]
            env.update({
                "LTDL_LIBRARY_PATH": os.path.join(r, BOCHS3_PLUGINS),
                "BXSHARE": os.path.join(r, "usr/share/bochs"),
                "TERMINFO_DIRS": ":".join(os.path.join(r, d) for d in (
                    "usr/share/terminfo", "lib/terminfo"))})
        else:
            bios, vga, prefix = BOCHS_BIOS, BOCHS_VGA, ["bochs"]
        serial = os.path.join(work, "serial.log")
        rc = bochsrc(self.cpu, os.path.abspath(iso), vga,
                     where + "/serial.log", bios)
        with open(os.path.join(work, "bochsrc"), "w") as f:
            f.write(rc)
        with open(os.path.join(work, "continue"), "w") as f:
            f.write("c\n")
        argv = prefix + ["-q", "-f", where + "/bochsrc"] + program_args
        return Launch(argv, where, serial_file=serial, env=env,
                      cmdline=ctx.cmdline, require=self.require)


def bochsrc(cpu, iso, vga, serial, bios=BOCHS_BIOS):
    # A low ips and no clock sync shorten the BIOS and UART waits, which
    # Bochs counts in instructions; ignore_bad_msrs=0 makes an unmodelled
    # MSR fault instead of reading 0.
    return "\n".join([
        "cpu: model=%s, ips=2000000, reset_on_triple_fault=0, "
        "ignore_bad_msrs=0" % cpu,
        "megs: 32",
        "clock: sync=none",
        "romimage: file=%s, options=fastboot" % bios,
        "vgaromimage: file=%s" % vga,
        "ata0-master: type=cdrom, path=%s, status=inserted" % iso,
        "boot: cdrom",
        "com1: enabled=1, mode=file, dev=%s" % serial,
        "display_library: term",
        "log: /dev/null",
        "panic: action=fatal",
        "speaker: enabled=0",
        "mouse: enabled=0",
        ""])


def private_vars(ctx, name="qemu-uefi"):
    """OVMF writes its variable store; it gets a copy that only this
    harness uses (one per platform and run tag, so runs may go side by
    side), kept between runs because a fresh store boots slower."""
    path = os.path.join(ctx.build, "results",
                        ctx.private_name(name) + "-vars.fd")
    if not os.path.isfile(path) or \
            os.path.getsize(path) != os.path.getsize(OVMF_VARS):
        shutil.copyfile(OVMF_VARS, path)
    return path


def build_cmdline_iso(ctx, platform):
    """A command line reaches an ISO boot only through GRUB's config, so
    each one needs its own image."""
    out = os.path.join(ctx.build, "results",
                       "%s-cmdline.iso" % ctx.private_name(platform))
    script = os.path.join(ctx.root, "iso", "mkiso.sh")
    if not os.path.isfile(script):
        raise PlatformError("%s is missing: it builds the ISO that carries "
                            "--cmdline" % script)
    # make puts a copy without debug info on the ISO (less for GRUB to read
    # through BIOS calls); a variant ISO carries the same one when it exists.
    kernel = ctx.kernel
    boot_copy = os.path.join(os.path.dirname(kernel), "kernel-boot.elf")
    if os.path.basename(kernel) == "kernel.elf" and os.path.isfile(boot_copy) \
            and os.path.getmtime(boot_copy) >= os.path.getmtime(kernel):
        kernel = boot_copy
    argv = ["bash", script, kernel, out, ctx.cmdline or ""]
    for f, a in ctx.boot_modules():
        argv += [f, a]
    done = subprocess.run(argv, cwd=ctx.root, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0 or not os.path.isfile(out):
        raise PlatformError("'%s' failed (status %d):\n%s" % (
            " ".join(argv), done.returncode, done.stdout.strip()))
    return out


def _need_tool(tool, install):
    if shutil.which(tool) is None:
        raise PlatformError("%s not found: run '%s' (as root)"
                            % (tool, install))


def _need_tty(path):
    if not path:
        raise PlatformError("the serial platform needs the device it "
                            "listens to: --device /dev/ttyUSB0")
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise PlatformError("%s: %s" % (path, e.strerror)) from None
    if not stat.S_ISCHR(mode):
        raise PlatformError("%s is not a character device (a serial "
                            "port such as /dev/ttyUSB0 or /dev/ttyS0)" % path)
    # /dev/null and friends are character devices too: ask the driver.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as e:
        raise PlatformError("%s: %s" % (path, e.strerror)) from None
    try:
        if not os.isatty(fd):
            raise PlatformError("%s is not a terminal device (a serial "
                                "port such as /dev/ttyUSB0 or /dev/ttyS0)"
                                % path)
    finally:
        os.close(fd)


def _need_file(path, install):
    if not os.path.isfile(path):
        raise PlatformError("%s not found: run '%s' (as root)"
                            % (path, install))


@dataclass
class Context:
    """Paths one run works with; defaults are the Makefile's outputs."""
    root: str
    build: str = None
    kernel: str = None
    iso: str = None
    cmdline: str = None
    bochs3_root: str = None
    device: str = None          # the serial platform's tty
    baud: int = 115200
    # Boot modules for the Linux personality, [(FILE, RUNS)]; None means
    # the default ones 'make' builds (build/linux), [] none at all.
    modules: list = None

    def boot_modules(self):
        if self.modules is not None:
            return self.modules
        mods = []
        prog = os.path.join(self.build, "linux", "cetbed-linux.boot")
        runs = os.path.join(self.build, "linux", "runs")
        if os.path.isfile(prog) and os.path.isfile(runs):
            with open(runs) as f:
                mods.append((prog, f.read().strip()))
        ibt = os.path.join(self.build, "linux", "ibt")
        if os.path.isfile(ibt):
            mods.append((ibt, "ibt=on ibt"))
        # As the Makefile's image: Linux's selftest once 'make selftest' made it.
        selftest = os.path.join(self.build, "selftest", "test_shadow_stack.boot")
        if os.path.isfile(selftest):
            mods.append((selftest, "test_shadow_stack"))
        return mods
    # Names this run's private files (VARS copy, command-line ISO, Bochs
    # work directory) so that runs going on at the same time never share
    # one; None keeps the platform's own names.
    tag: str = None
    # An optimised Bochs 3.0 build to run instead of the root's (optional;
    # from $CETBED_BOCHS3 when not given).
    bochs3_binary: str = None

    def private_name(self, platform):
        return platform if not self.tag else "%s-%s" % (platform, self.tag)

    def __post_init__(self):
        self.root = os.path.abspath(self.root)
        self.build = os.path.abspath(self.build or
                                     os.path.join(self.root, "build"))
        self.kernel = os.path.abspath(self.kernel or
                                      os.path.join(self.build, "kernel.elf"))
        self.iso = os.path.abspath(self.iso or
                                   os.path.join(self.build, "cetbed.iso"))
        self.bochs3_root = os.path.abspath(
            self.bochs3_root or os.path.join(self.root, BOCHS3_ROOT))
        self.bochs3_binary = self.bochs3_binary or \
            os.environ.get(BOCHS3_ENV) or None
        if self.bochs3_binary:
            self.bochs3_binary = os.path.abspath(self.bochs3_binary)


QEMU_TIMEOUT = 60
BOCHS_TIMEOUT = 300
NO_SMEP, NO_SMAP, NO_UMIP = ("features/no-smep", "features/no-smap",
                             "features/no-umip")


def _cpu_variant(model, lacks):
    """qemu-kernel on another QEMU CPU model; lacks lists what the model
    does not enumerate (QEMU's query-cpu-model-expansion under TCG)."""
    return Platform("qemu-kernel-" + model.lower(), "qemu", "kernel",
                    QEMU_TIMEOUT, qemu_cpu=model, expect="qemu-kernel",
                    expect_extra=lacks, matrix=True)


# make test-matrix: CPU models from qemu64 to max, Intel and AMD; memory
# from 32 MiB to 8 GiB (4 GiB and more put RAM above the 3-4 GiB hole);
# -smp 2 and 4; i440fx and q35 under SeaBIOS and OVMF; Bochs without CET.
MATRIX = (
    _cpu_variant("qemu64", (NO_SMEP, NO_SMAP, NO_UMIP)),
    _cpu_variant("Nehalem", (NO_SMEP, NO_SMAP, NO_UMIP)),
    _cpu_variant("SandyBridge", (NO_SMEP, NO_SMAP, NO_UMIP)),
    _cpu_variant("Haswell", (NO_SMAP, NO_UMIP)),
    _cpu_variant("Skylake-Client", (NO_UMIP,)),
    _cpu_variant("Icelake-Server", ()),
    _cpu_variant("EPYC", (NO_UMIP,)),
    _cpu_variant("EPYC-Rome", ()),
    _cpu_variant("EPYC-Milan", ()),
    Platform("qemu-kernel-m32", "qemu", "kernel", QEMU_TIMEOUT, memory="32M",
             expect="qemu-kernel", matrix=True),
    Platform("qemu-kernel-m8g-smp4", "qemu", "kernel", QEMU_TIMEOUT,
             memory="8G", smp=4, expect="qemu-kernel", matrix=True),
    Platform("qemu-bios-m4g", "qemu", "iso", QEMU_TIMEOUT, memory="4G",
             expect="qemu-bios", matrix=True),
    Platform("qemu-bios-q35-smp2", "qemu", "iso", QEMU_TIMEOUT,
             machine="q35", smp=2, expect="qemu-bios", matrix=True),
    Platform("qemu-uefi-m8g-smp4", "qemu", "iso", QEMU_TIMEOUT, memory="8G",
             smp=4, firmware="ovmf", expect="qemu-uefi", matrix=True),
    # OVMF itself does not start with 64 MiB or less: 128 MiB is its floor.
    Platform("qemu-uefi-i440fx", "qemu", "iso", QEMU_TIMEOUT, machine="pc",
             firmware="ovmf", expect="qemu-uefi", matrix=True),
    Platform("qemu-bios-m32", "qemu", "iso", QEMU_TIMEOUT, memory="32M",
             expect="qemu-bios", matrix=True),
    Platform("bochs-ryzen", "bochs", "iso", BOCHS_TIMEOUT, "ryzen",
             matrix=True),
    # Driven by tests/harness/noserial_check.py (with -serial none first),
    # not by run-all: its own variable store, qemu-uefi's expectations.
    Platform("qemu-uefi-noserial", "qemu", "iso", QEMU_TIMEOUT,
             firmware="ovmf", expect="qemu-uefi"),
    # Masking: the kernel behaves as on a CPU without what it hides.
    Platform("qemu-kernel-masked", "qemu", "kernel", QEMU_TIMEOUT,
             cmdline="clearcpuid=nx,smep,smap,umip,pge,pat,xsave",
             expect="qemu-kernel",
             expect_extra=("features/masked-nx-smep-smap-umip",),
             matrix=True),
    Platform("bochs-no-kshstk", "bochs", "iso", BOCHS_TIMEOUT, "tigerlake",
             cmdline="clearcpuid=kshstk", matrix=True),
    Platform("bochs3-tigerlake-msr", "bochs3", "iso", BOCHS_TIMEOUT,
             "tigerlake", cmdline="clearcpuid=xss_cet_u", matrix=True),
)
# A person writes the stick, plugs it in and boots the laptop meanwhile.
SERIAL_TIMEOUT = 900

PLATFORMS = {p.name: p for p in (
    Platform("bochs", "bochs", "iso", BOCHS_TIMEOUT, "tigerlake"),
    # AMD Zen 3 and later: shadow stacks without IBT, imitated by masking.
    Platform("bochs-amd-like", "bochs", "iso", BOCHS_TIMEOUT, "tigerlake",
             cmdline="clearcpuid=ibt"),
    Platform("bochs3-tigerlake", "bochs3", "iso", BOCHS_TIMEOUT, "tigerlake"),
    Platform("bochs3-sapphire-rapids", "bochs3", "iso", BOCHS_TIMEOUT,
             "sapphire_rapids"),
    Platform("bochs3-arrow-lake", "bochs3", "iso", BOCHS_TIMEOUT,
             "arrow_lake"),
    Platform("qemu-bios", "qemu", "iso", QEMU_TIMEOUT),
    Platform("qemu-uefi", "qemu", "iso", QEMU_TIMEOUT, firmware="ovmf"),
    Platform("qemu-kernel", "qemu", "kernel", QEMU_TIMEOUT),
    Platform("serial", "device", "none", SERIAL_TIMEOUT),
    # Laptop hazards, imitated (issue 16): a PIT that does not count, each
    # timer path forced, and the local APIC in x2APIC mode.
    Platform("qemu-bios-nopit", "qemu", "iso", QEMU_TIMEOUT, base="qemu-bios",
             machine="pc,pit=off"),
    Platform("qemu-bios-timer-pit", "qemu", "iso", QEMU_TIMEOUT,
             base="qemu-bios", cmdline="timer=pit"),
    Platform("qemu-bios-timer-hpet", "qemu", "iso", QEMU_TIMEOUT,
             base="qemu-bios", cmdline="timer=hpet", machine="pc,pit=off"),
    Platform("qemu-bios-timer-pmtmr", "qemu", "iso", QEMU_TIMEOUT,
             base="qemu-bios", cmdline="timer=pmtmr",
             machine="pc,pit=off,hpet=off"),
    Platform("bochs-x2apic-timer-pit", "bochs", "iso", BOCHS_TIMEOUT,
             "tigerlake", base="bochs", cmdline="apic=x2apic timer=pit"),
    Platform("bochs3-tigerlake-x2apic", "bochs3", "iso", BOCHS_TIMEOUT,
             "tigerlake", base="bochs3-tigerlake",
             cmdline="apic=x2apic timer=tsc-deadline"),
    # Built to load at 64 MiB or above ('make reloc'): GRUB relocates it.
    Platform("qemu-bios-reloc64", "qemu", "iso", QEMU_TIMEOUT,
             base="qemu-bios", image="reloc",
             require=(r"# boot: kernel image at physical 0x[4-7][0-9a-f]{6} "
                      r"\(linked for 0x200000, relocated by the loader\)",)),
    # No isa-debug-exit: UEFI ResetSystem must power the machine off.
    Platform("qemu-uefi-nopit-reset", "qemu", "iso", QEMU_TIMEOUT,
             base="qemu-uefi", firmware="ovmf", machine="q35,pit=off",
             debug_exit=False,
             require=(r"# poweroff: UEFI ResetSystem\(EfiResetShutdown\)",)),
) + MATRIX}


def get(name):
    try:
        return PLATFORMS[name]
    except KeyError:
        raise PlatformError("unknown platform %r; known: %s"
                            % (name, ", ".join(PLATFORMS))) from None
