"""The kernel's QR encoder, built for the host, read back by an independent
decoder: each payload is rendered as a PBM image and decoded with zbarimg
(Debian's zbar-tools), which must return exactly the bytes put in."""

import os
import random
import shutil
import subprocess
import tempfile
import unittest

import support

RENDER = os.path.join(support.ROOT, "build", "host", "qr-render")
INSTALL = "apt-get install zbar-tools"


def build(target):
    subprocess.run(["make", "-s", "-C", support.ROOT, target], check=True)


class RoundTrip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        build(os.path.relpath(RENDER, support.ROOT))
        cls.tmp = tempfile.mkdtemp(prefix="cetbed-qr-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def render(self, data, *options):
        """PBM bytes of data encoded with qr-render's options."""
        p = subprocess.run([RENDER] + list(options), input=data,
                           capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertTrue(p.stdout.startswith(b"P4\n"))
        return p.stdout

    def zbar(self, image):
        zbarimg = shutil.which("zbarimg")
        if not zbarimg:
            self.fail("zbarimg is missing: the QR round trip needs it; "
                      "install it with '%s' (make test does)" % INSTALL)
        path = os.path.join(self.tmp, "code.pbm")
        with open(path, "wb") as f:
            f.write(image)
        # -Sbinary: the payload's bytes, with no guessing of a character set.
        p = subprocess.run([zbarimg, "--raw", "-q", "-Sbinary", path],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, "zbarimg found no code (status %d)"
                         % p.returncode)
        return p.stdout

    def round_trip(self, data, *options):
        got = self.zbar(self.render(data, *options))
        self.assertEqual(got, data, "options %s" % (options,))

    def test_short_text(self):
        self.round_trip(b"cetbed")

    def test_summary_line(self):
        self.round_trip(b"CETBED1;R=SUCCESS;N=35,14,21,0,0;F=;C=GenuineIntel,"
                        b"6,8c,1,a4;X=110100;H=0123456789abcdef;M=LENOVO 21CB")

    def test_300_bytes_at_m(self):
        rng = random.Random(7)
        text = bytes(rng.choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ;,=")
                     for _ in range(300))
        self.round_trip(text)

    def test_every_byte_value(self):
        self.round_trip(bytes(range(256)))
        self.round_trip(bytes(range(255, -1, -1)) * 2, "-l", "Q")

    def test_every_level(self):
        data = bytes(range(32, 127))
        for level in "LMQH":
            with self.subTest(level=level):
                self.round_trip(data, "-l", level)

    def test_every_mask(self):
        data = b"mask test: " + bytes(range(40))
        for mask in range(8):
            with self.subTest(mask=mask):
                self.round_trip(data, "-m", str(mask))

    def test_versions_with_version_information(self):
        rng = random.Random(11)
        for version in (7, 10, 20, 27, 40):
            data = bytes(rng.randrange(256) for _ in range(version * 20))
            with self.subTest(version=version):
                self.round_trip(data, "-v", str(version), "-l", "L")

    def test_numeric_mode(self):
        self.round_trip(b"01234567", "-n")
        self.round_trip(b"31415926535897932384626433832795028841971", "-n")

    def test_empty(self):
        self.round_trip(b"")


if __name__ == "__main__":
    unittest.main()
