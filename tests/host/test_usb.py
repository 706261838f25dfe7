"""scripts/usb-write.sh (make usb) refuses every device that could be the
wrong disk, and writes the image to one that passes.  Devices are loop
devices over files in /tmp; the root disk is only ever tried with
DRY_RUN=1, so even a broken check cannot write to it."""

import os
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import support

SCRIPT = os.path.join(support.ROOT, "scripts", "usb-write.sh")
MIB = 1 << 20


def usb_write(dev, iso, **env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("FORCE", "CONFIRM", "DRY_RUN")}
    e.update(env)
    p = subprocess.run(["bash", SCRIPT, dev, iso], env=e,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    return p.returncode, p.stdout + p.stderr


def mbr_with_one_partition(path, size):
    """A file with an MS-DOS partition table: one Linux partition from
    1 MiB to the end."""
    with open(path, "wb") as f:
        f.truncate(size)
        entry = bytes([0, 0, 0, 0, 0x83, 0, 0, 0])
        entry += (2048).to_bytes(4, "little")
        entry += (size // 512 - 2048).to_bytes(4, "little")
        f.seek(446)
        f.write(entry)
        f.seek(510)
        f.write(b"\x55\xaa")


def can_loop():
    return os.geteuid() == 0 and shutil.which("losetup") and \
        os.path.exists("/dev/loop-control")


class Refusals(unittest.TestCase):
    """Paths that need no privileges."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(dir="/tmp")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.iso = os.path.join(self.tmp, "fake.iso")
        with open(self.iso, "wb") as f:
            f.write(os.urandom(MIB))

    def test_regular_file(self):
        status, out = usb_write(os.path.join(self.tmp, "fake.iso"), self.iso,
                                CONFIRM="1")
        self.assertEqual(status, 1)
        self.assertIn("not a block device", out)

    def test_character_device_and_missing_path(self):
        status, out = usb_write("/dev/null", self.iso, CONFIRM="1")
        self.assertEqual(status, 1)
        self.assertIn("not a block device", out)
        status, out = usb_write("/dev/cetbed-no-such-disk", self.iso)
        self.assertEqual(status, 1)
        self.assertIn("does not exist", out)

    def test_usage(self):
        p = subprocess.run(["bash", SCRIPT], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage", p.stderr)
        status, out = usb_write("/dev/null", os.path.join(self.tmp, "none"))
        self.assertEqual(status, 1)
        self.assertIn("no image", out)

    def test_make_usb_without_dev(self):
        p = subprocess.run(["make", "-s", "-C", support.ROOT, "usb"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("make usb DEV=/dev/sdX", p.stderr)

    def test_root_disk(self):
        src = subprocess.run(["findmnt", "-no", "SOURCE", "--target", "/"],
                             capture_output=True, text=True).stdout.strip()
        src = src.split("[")[0]
        if not src.startswith("/dev/") or not os.path.exists(src):
            self.skipTest("the root file system is not on a block device")
        disks = subprocess.run(["lsblk", "-nspo", "NAME,TYPE", src],
                               capture_output=True, text=True).stdout.split()
        disk = [disks[i] for i in range(0, len(disks) - 1, 2)
                if disks[i + 1] == "disk"]
        for d in [src] + disk[-1:]:
            # DRY_RUN: a broken check would say "would write", not write.
            status, out = usb_write(d, self.iso, FORCE="1", CONFIRM="1",
                                    DRY_RUN="1")
            self.assertEqual(status, 1, out)
            self.assertNotIn("would write", out)
            self.assertRegex(out, "holds the file system mounted at /|"
                             "is a partition")


@unittest.skipUnless(can_loop(), "needs root and loop devices")
class LoopDevices(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(dir="/tmp")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.iso = os.path.join(self.tmp, "fake.iso")
        with open(self.iso, "wb") as f:
            f.write(b"CETBED" + os.urandom(MIB - 6))

    def loop(self, path, partitions=False):
        argv = ["losetup", "-f", "--show"] + (["-P"] if partitions else [])
        p = subprocess.run(argv + [path], capture_output=True, text=True)
        if p.returncode:
            self.skipTest("losetup failed: %s" % p.stderr.strip())
        dev = p.stdout.strip()
        self.addCleanup(subprocess.run, ["losetup", "-d", dev])
        return dev

    def backing(self, size, name="stick.img"):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.truncate(size)
        return path

    def test_not_a_terminal_without_confirm(self):
        path = self.backing(64 * MIB)
        dev = self.loop(path)
        status, out = usb_write(dev, self.iso)
        self.assertEqual(status, 1, out)
        self.assertIn("stdin is not a terminal", out)
        self.assertIn("%s: unknown model, 0.1 GiB" % dev, out)
        with open(path, "rb") as f:
            self.assertEqual(f.read(MIB), bytes(MIB), "written anyway")

    def test_writes_a_whole_device_that_passes(self):
        path = self.backing(64 * MIB)
        dev = self.loop(path)
        status, out = usb_write(dev, self.iso, CONFIRM="1")
        self.assertEqual(status, 0, out)
        self.assertIn("wrote", out)
        with open(path, "rb") as f, open(self.iso, "rb") as g:
            self.assertEqual(f.read(MIB), g.read())

    def test_larger_than_64_gib_needs_force(self):
        path = self.backing(65 << 30, "big.img")   # sparse
        dev = self.loop(path)
        status, out = usb_write(dev, self.iso, CONFIRM="1")
        self.assertEqual(status, 1, out)
        self.assertIn("larger than 64 GiB", out)
        self.assertIn("FORCE=1", out)
        status, out = usb_write(dev, self.iso, CONFIRM="1", FORCE="1")
        self.assertEqual(status, 0, out)

    def test_smaller_than_the_image(self):
        dev = self.loop(self.backing(MIB // 2))
        status, out = usb_write(dev, self.iso, CONFIRM="1")
        self.assertEqual(status, 1, out)
        self.assertIn("smaller than the image", out)

    def partitioned(self):
        path = os.path.join(self.tmp, "parted.img")
        mbr_with_one_partition(path, 64 * MIB)
        dev = self.loop(path, partitions=True)
        part = dev + "p1"
        sysdev = "/sys/class/block/%s/dev" % os.path.basename(part)
        for i in range(50):
            if os.path.exists(part):
                return dev, part
            if os.path.exists(sysdev):
                break
            if i == 10:
                # losetup -P may not scan (loop max_part=0): add it by hand.
                subprocess.run(["partx", "-a", dev], capture_output=True)
            time.sleep(0.1)
        else:
            self.skipTest("no partition of %s appeared" % dev)
        # No udev here to make the node: the script judges a device by its
        # number, whatever the node is called.
        major, minor = map(int, support.read(sysdev).split(":"))
        part = os.path.join(self.tmp, os.path.basename(part))
        os.mknod(part, 0o600 | stat.S_IFBLK, os.makedev(major, minor))
        return dev, part

    def test_partition(self):
        dev, part = self.partitioned()
        status, out = usb_write(part, self.iso, CONFIRM="1", DRY_RUN="1")
        self.assertEqual(status, 1, out)
        self.assertIn("is a partition; give the whole device (%s)" % dev,
                      out)

    def test_mounted_partition(self):
        dev, part = self.partitioned()
        if not shutil.which("mkfs.ext4"):
            self.skipTest("no mkfs.ext4")
        subprocess.run(["mkfs.ext4", "-q", "-F", part], check=True,
                       capture_output=True)
        mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(mnt)
        if subprocess.run(["mount", part, mnt]).returncode:
            self.skipTest("cannot mount here")
        self.addCleanup(subprocess.run, ["umount", mnt])
        status, out = usb_write(dev, self.iso, CONFIRM="1", DRY_RUN="1")
        self.assertEqual(status, 1, out)
        self.assertIn("p1 is mounted at %s" % mnt, out)


if __name__ == "__main__":
    unittest.main()
