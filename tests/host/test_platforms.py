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
        base = ["bochs", "bochs3-tigerlake", "bochs3-sapphire-rapids",
                "bochs3-arrow-lake", "qemu-bios", "qemu-uefi", "qemu-kernel",
                "serial"]
        self.assertLessEqual(set(base), set(platforms.PLATFORMS))
        # Every other platform is a variant named after what it varies.
        for name, p in platforms.PLATFORMS.items():
            if name not in base:
                self.assertTrue(any(name.startswith(b + "-") for b in base),
                                name)

    def test_matrix_variants(self):
        names = [n for n, p in platforms.PLATFORMS.items() if p.matrix]
        self.assertGreaterEqual(len(names), 15)
        s = " ".join(self.qemu("qemu-kernel-qemu64").argv)
        self.assertIn("-cpu qemu64", s)
        s = " ".join(self.qemu("qemu-kernel-m8g-smp4").argv)
        self.assertIn("-m 8G", s)
        self.assertIn("-smp 4", s)
        s = " ".join(self.qemu("qemu-bios-q35-smp2").argv)
        self.assertIn("-machine q35", s)
        self.assertIn("-cdrom", s)
        self.assertNotIn("pflash", s)
        s = " ".join(self.qemu("qemu-uefi-i440fx").argv)
        self.assertIn("-machine pc", s)
        self.assertIn(os.path.join(self.ctx.build, "results",
                                   "qemu-uefi-i440fx-vars.fd"), s)
        _, rc = self.bochs("bochs-ryzen")
        self.assertIn("cpu: model=ryzen,", rc)
        self.assertEqual(platforms.get("bochs-amd-like").cmdline,
                         "clearcpuid=ibt")

    def test_variants(self):
        for name, p in platforms.PLATFORMS.items():
            if p.base:
                base = platforms.get(p.base)
                self.assertFalse(base.base, name)
                self.assertEqual((p.family, p.boot), (base.family, base.boot))
                self.assertTrue(name.startswith(p.base + "-"), name)
        s = " ".join(self.qemu("qemu-bios-nopit").argv)
        self.assertIn("-machine pc,pit=off", s)
        self.assertIn("isa-debug-exit", s)
        launch = self.qemu("qemu-uefi-nopit-reset")
        s = " ".join(launch.argv)
        self.assertIn("-machine q35,pit=off", s)
        self.assertNotIn("isa-debug-exit", s)
        self.assertIsNone(launch.exit_codes)
        self.assertTrue(launch.require)
        self.assertIn("qemu-uefi-nopit-reset-vars.fd", s)

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
        self.assertNotIn("LTDL_LIBRARY_PATH", launch.env)
        self.assertIsNone(launch.exit_codes)
        cont = launch.argv[launch.argv.index("-rc") + 1]
        self.assertEqual(support.read(cont), "c\n")

    def test_bochs3_runs_through_its_roots_loader_without_chroot(self):
        launch, rc = self.bochs("bochs3-sapphire-rapids")
        r = self.ctx.bochs3_root
        self.assertEqual(launch.argv[:4], [
            os.path.join(r, "lib64/ld-linux-x86-64.so.2"), "--library-path",
            "%s/lib/x86_64-linux-gnu:%s/usr/lib/x86_64-linux-gnu" % (r, r),
            os.path.join(r, "usr/bin/bochs-bin")])
        self.assertNotIn("chroot", launch.argv)
        self.assertEqual(launch.env["LTDL_LIBRARY_PATH"], os.path.join(
            r, "usr/lib/x86_64-linux-gnu/bochs/plugins"))
        self.assertIn("cpu: model=sapphire_rapids,", rc)
        self.assertIn("path=%s," % self.iso, rc)
        self.assertIn("romimage: file=%s/usr/share/bochs/BIOS-bochs-latest,"
                      % r, rc)
        self.assertIn("vgaromimage: file=%s/usr/share/bochs/"
                      "VGABIOS-lgpl-latest\n" % r, rc)
        # Its files stay in the results directory, never inside the root.
        self.assertEqual(launch.serial_file, os.path.join(
            self.ctx.build, "results", "bochs3-sapphire-rapids",
            "serial.log"))
        self.assertFalse(os.path.exists(os.path.join(r, "cetbed")))

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
        # It runs on the host, so it reads the ISO where it is.
        self.assertIn("path=%s," % os.path.abspath(self.iso), rc)
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
