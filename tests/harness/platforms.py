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


@dataclass
class Platform:
    name: str
    family: str                 # qemu, bochs, bochs3 or device
    boot: str                   # kernel, iso, or none (booted by hand)
    timeout: float
    cpu: str = None             # Bochs CPU model

    def results(self, ctx):
        return os.path.join(ctx.build, "results")

    def workdir(self, ctx):
        """A private directory for this platform's generated files; Bochs 3
        needs it inside its root so the chrooted emulator can see it."""
        if self.family == "bochs3":
            # The root may be shared by several checkouts (a symlink):
            # each build directory gets its own corner of it.
            key = hashlib.sha1(ctx.build.encode()).hexdigest()[:8]
            return os.path.join(ctx.bochs3_root, "cetbed", key,
                                ctx.private_name(self.name))
        return os.path.join(self.results(ctx), ctx.private_name(self.name))

    def check(self, ctx):
        if self.family == "device":
            _need_tty(ctx.device)
            if not hasattr(termios, "B%d" % ctx.baud):
                raise PlatformError("unsupported baud rate %d" % ctx.baud)
            return
        if self.family == "qemu":
            _need_tool(QEMU, APT_QEMU)
            if self.name == "qemu-uefi":
                for f in (OVMF_CODE, OVMF_VARS):
                    _need_file(f, APT_OVMF)
        elif self.family == "bochs":
            _need_tool("bochs", APT_BOCHS)
            for f in (BOCHS_BIOS, BOCHS_VGA):
                _need_file(f, APT_BOCHS)
            _need_file(BOCHS_TERM, APT_BOCHS)
        else:
            root = ctx.bochs3_root
            if not os.path.isfile(os.path.join(root, "usr/bin/bochs")):
                raise PlatformError(
                    "Bochs 3.0 root %s is missing or incomplete: run "
                    "'%s' (as root)" % (root, BOCHS3_SETUP))
            if ctx.bochs3_binary:
                if not os.access(ctx.bochs3_binary, os.X_OK):
                    raise PlatformError(
                        "%s=%s is not an executable: build it with 'make "
                        "bochs-fast' or unset it" % (BOCHS3_ENV,
                                                     ctx.bochs3_binary))
            elif os.geteuid() != 0:
                raise PlatformError("%s runs Bochs 3.0 with chroot, which "
                                    "needs root" % self.name)
        needs_kernel = self.boot == "kernel" or ctx.cmdline is not None
        image = ctx.kernel if needs_kernel else ctx.iso
        if not os.path.isfile(image):
            raise PlatformError("%s not found: build it with 'make'" % image)

    def prepare(self, ctx):
        """Create what the run needs and return its Launch."""
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
            if ctx.cmdline is not None:
                iso = build_cmdline_iso(ctx, self.name)
        if self.family == "qemu":
            return self._qemu(ctx, iso)
        work = self.workdir(ctx)
        os.makedirs(work, exist_ok=True)
        return self._bochs(ctx, work, iso)

    def _qemu(self, ctx, iso):
        argv = [QEMU, "-accel", "tcg", "-nodefaults", "-display", "none",
                "-no-reboot", "-cpu", "max", "-m", "128M",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-serial", "stdio", "-monitor", "none"]
        if self.name == "qemu-kernel":
            argv += ["-kernel", ctx.kernel, "-append", ctx.cmdline or ""]
        elif self.name == "qemu-bios":
            argv += ["-boot", "d", "-cdrom", iso]
        else:
            argv += ["-machine", "q35",
                     "-drive", "if=pflash,format=raw,unit=0,readonly=on,"
                     "file=" + OVMF_CODE,
                     "-drive", "if=pflash,format=raw,unit=1,file="
                     + private_vars(ctx),
                     "-cdrom", iso]
        return Launch(argv, ctx.root, exit_codes=QEMU_EXIT,
                      cmdline=ctx.cmdline)

    def _bochs(self, ctx, work, iso):
        bios = BOCHS_BIOS
        if self.family == "bochs3" and ctx.bochs3_binary:
            # An optimised build of the same Bochs (scripts/bochs-fast.sh)
            # runs on the host, with the root's BIOS images.
            shutil.copyfile(iso, os.path.join(work, "cetbed.iso"))
            iso_path = os.path.join(work, "cetbed.iso")
            vga = ctx.bochs3_root + BOCHS3_VGA
            bios = ctx.bochs3_root + BOCHS_BIOS
            where = os.path.abspath(work)
            prefix = []
            program = ctx.bochs3_binary
        elif self.family == "bochs3":
            # The chrooted emulator sees the root as '/': name every file
            # by its path inside the root.
            inner = "/" + os.path.relpath(work, ctx.bochs3_root)
            shutil.copyfile(iso, os.path.join(work, "cetbed.iso"))
            iso_path = inner + "/cetbed.iso"
            vga, where = BOCHS3_VGA, inner
            prefix = ["chroot", ctx.bochs3_root]
            program = "bochs"
        else:
            iso_path, vga, where = os.path.abspath(iso), BOCHS_VGA, \
                os.path.abspath(work)
            prefix = []
            program = "bochs"
        serial = os.path.join(work, "serial.log")
        rc = bochsrc(self.cpu, iso_path, vga, where + "/serial.log", bios)
        with open(os.path.join(work, "bochsrc"), "w") as f:
            f.write(rc)
        with open(os.path.join(work, "continue"), "w") as f:
            f.write("c\n")
        argv = prefix + [program, "-q", "-f", where + "/bochsrc"]
        if program == "bochs":
            # Debian's build stops at its debugger prompt without this; a
            # build without the debugger knows no -rc.
            argv += ["-rc", where + "/continue"]
        # The term display needs a terminal type even with no terminal.
        return Launch(argv, os.path.abspath(work), serial_file=serial,
                      env={"TERM": "vt100"}, cmdline=ctx.cmdline)


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


def private_vars(ctx):
    """OVMF writes its variable store; it gets a copy that only this
    harness uses, kept between runs because a fresh store boots slower."""
    path = os.path.join(ctx.build, "results",
                        ctx.private_name("qemu-uefi") + "-vars.fd")
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
    argv = ["bash", script, kernel, out, ctx.cmdline]
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
# A person writes the stick, plugs it in and boots the laptop meanwhile.
SERIAL_TIMEOUT = 900

PLATFORMS = {p.name: p for p in (
    Platform("bochs", "bochs", "iso", BOCHS_TIMEOUT, "tigerlake"),
    Platform("bochs3-tigerlake", "bochs3", "iso", BOCHS_TIMEOUT, "tigerlake"),
    Platform("bochs3-sapphire-rapids", "bochs3", "iso", BOCHS_TIMEOUT,
             "sapphire_rapids"),
    Platform("bochs3-arrow-lake", "bochs3", "iso", BOCHS_TIMEOUT,
             "arrow_lake"),
    Platform("qemu-bios", "qemu", "iso", QEMU_TIMEOUT),
    Platform("qemu-uefi", "qemu", "iso", QEMU_TIMEOUT),
    Platform("qemu-kernel", "qemu", "kernel", QEMU_TIMEOUT),
    Platform("serial", "device", "none", SERIAL_TIMEOUT),
)}


def get(name):
    try:
        return PLATFORMS[name]
    except KeyError:
        raise PlatformError("unknown platform %r; known: %s"
                            % (name, ", ".join(PLATFORMS))) from None
