"""Launch recipes: the emulator command lines and generated Bochs files,
checked without starting an emulator."""

import hashlib
import os
import tempfile
import unittest
from unittest import mock

import support
import platforms


class Recipes(unittest.TestCase):
    def setUp(self):
        # The recipes are Debian's, whatever optimised Bochs the caller uses.
        env = mock.patch.dict(os.environ)
        env.start()
        self.addCleanup(env.stop)
        os.environ.pop(platforms.BOCHS3_ENV, None)
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.ctx = platforms.Context(support.ROOT,
                                     build=os.path.join(self.tmp, "build"),
                                     bochs3_root=os.path.join(self.tmp, "r"))
        os.makedirs(os.path.join(self.ctx.build, "results"))
        self.iso = support.write(os.path.join(self.tmp, "x.iso"), "iso")
        vars_fd = support.write(os.path.join(self.tmp, "vars.fd"), "vars")
        old, platforms.OVMF_VARS = platforms.OVMF_VARS, vars_fd
        self.addCleanup(setattr, platforms, "OVMF_VARS", old)

    def test_names_are_fixed(self):
        self.assertEqual(sorted(platforms.PLATFORMS), sorted([
            "bochs", "bochs3-tigerlake", "bochs3-sapphire-rapids",
            "bochs3-arrow-lake", "qemu-bios", "qemu-uefi", "qemu-kernel",
            "serial"]))

    def qemu(self, name, cmdline=None):
        self.ctx.cmdline = cmdline
        return platforms.get(name)._qemu(self.ctx, self.iso)

    def test_qemu_common(self):
        for name in ("qemu-kernel", "qemu-bios", "qemu-uefi"):
            argv = self.qemu(name).argv
            s = " ".join(argv)
            for part in ("-accel tcg", "-nodefaults", "-display none",
                         "-no-reboot", "-cpu max", "-m 128M",
                         "-device isa-debug-exit,iobase=0xf4,iosize=4",
                         "-serial stdio"):
                self.assertIn(part, s, name)
            self.assertNotIn("kvm", s)

    def test_qemu_kernel_append(self):
        launch = self.qemu("qemu-kernel", "tests=mm_* list")
        i = launch.argv.index("-append")
        self.assertEqual(launch.argv[i + 1], "tests=mm_* list")
        self.assertEqual(launch.exit_codes["SUCCESS"], 33)
        self.assertEqual(launch.exit_codes["ERROR"], 39)

    def test_qemu_uefi_private_vars(self):
        s = " ".join(self.qemu("qemu-uefi").argv)
        self.assertIn("-machine q35", s)
        self.assertIn("readonly=on,file=" + platforms.OVMF_CODE, s)
        private = os.path.join(self.ctx.build, "results",
                               "qemu-uefi-vars.fd")
        self.assertIn("unit=1,file=" + private, s)
        self.assertTrue(os.path.isfile(private))

    def bochs(self, name):
        plat = platforms.get(name)
        work = plat.workdir(self.ctx)
        os.makedirs(work)
        launch = plat._bochs(self.ctx, work, self.iso)
        return launch, support.read(os.path.join(work, "bochsrc"))

    def test_bochs_rc(self):
        launch, rc = self.bochs("bochs")
        for line in ("cpu: model=tigerlake, ips=2000000, "
                     "reset_on_triple_fault=0, ignore_bad_msrs=0",
                     "megs: 32", "clock: sync=none",
                     "romimage: file=/usr/share/bochs/BIOS-bochs-latest, "
                     "options=fastboot",
                     "vgaromimage: file=/usr/share/vgabios/vgabios.bin",
                     "ata0-master: type=cdrom, path=%s, status=inserted"
                     % self.iso,
                     "boot: cdrom", "display_library: term",
                     "log: /dev/null", "panic: action=fatal",
                     "speaker: enabled=0", "mouse: enabled=0",
                     "com1: enabled=1, mode=file, dev=%s"
                     % launch.serial_file):
            self.assertIn(line + "\n", rc)
        self.assertEqual(launch.argv[:2], ["bochs", "-q"])
        self.assertIsNone(launch.exit_codes)
        cont = launch.argv[launch.argv.index("-rc") + 1]
        self.assertEqual(support.read(cont), "c\n")

    def test_bochs3_lives_inside_its_root(self):
        launch, rc = self.bochs("bochs3-sapphire-rapids")
        key = hashlib.sha1(self.ctx.build.encode()).hexdigest()[:8]
        inner = "/cetbed/%s/bochs3-sapphire-rapids" % key
        self.assertEqual(launch.argv[:3], ["chroot", self.ctx.bochs3_root,
                                           "bochs"])
        self.assertIn("cpu: model=sapphire_rapids,", rc)
        self.assertIn("path=%s/cetbed.iso," % inner, rc)
        self.assertIn("dev=%s/serial.log\n" % inner, rc)
        self.assertIn("vgaromimage: file=/usr/share/bochs/"
                      "VGABIOS-lgpl-latest\n", rc)
        self.assertEqual(launch.serial_file, os.path.join(
            self.ctx.bochs3_root, inner[1:], "serial.log"))
        self.assertTrue(os.path.isfile(os.path.join(
            self.ctx.bochs3_root, inner[1:], "cetbed.iso")))

    def test_tagged_runs_keep_their_files_apart(self):
        """Runs going on at the same time (make test) each get their own
        VARS copy, command-line ISO and work directory."""
        self.ctx.tag = "efivars"
        s = " ".join(self.qemu("qemu-uefi").argv)
        self.assertIn("unit=1,file=" + os.path.join(
            self.ctx.build, "results", "qemu-uefi-efivars-vars.fd"), s)
        self.assertEqual(platforms.get("bochs").workdir(self.ctx),
                         os.path.join(self.ctx.build, "results",
                                      "bochs-efivars"))
        other = platforms.Context(support.ROOT, build=self.ctx.build + "2",
                                  bochs3_root=self.ctx.bochs3_root)
        plat = platforms.get("bochs3-tigerlake")
        self.assertNotEqual(plat.workdir(self.ctx), plat.workdir(other))

    def test_optimised_bochs3_runs_on_the_host(self):
        self.ctx.bochs3_binary = "/opt/fast/bochs"
        launch, rc = self.bochs("bochs3-tigerlake")
        self.assertEqual(launch.argv[0], "/opt/fast/bochs")
        self.assertNotIn("-rc", launch.argv)
        self.assertIn("romimage: file=%s/usr/share/bochs/BIOS-bochs-latest, "
                      "options=fastboot\n" % self.ctx.bochs3_root, rc)
        self.assertIn("vgaromimage: file=%s/usr/share/bochs/"
                      "VGABIOS-lgpl-latest\n" % self.ctx.bochs3_root, rc)
        self.assertIn("path=%s/cetbed.iso," % os.path.dirname(
            launch.serial_file), rc)
        with self.assertRaises(platforms.PlatformError) as cm:
            os.makedirs(os.path.join(self.ctx.bochs3_root, "usr/bin"))
            support.write(os.path.join(self.ctx.bochs3_root, "usr/bin/bochs"),
                          "")
            platforms.get("bochs3-tigerlake").check(self.ctx)
        self.assertIn("make bochs-fast", str(cm.exception))

    def test_missing_root_is_an_error_not_a_skip(self):
        with self.assertRaises(platforms.PlatformError) as cm:
            platforms.get("bochs3-arrow-lake").check(self.ctx)
        self.assertIn("run 'scripts/bochs3-root.sh build/bochs3-root'",
                      str(cm.exception))


if __name__ == "__main__":
    unittest.main()
