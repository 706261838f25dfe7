"""Shared by the harness unit tests: where things are, and a way to run
the CLI exactly as a person would and keep what it printed."""

import contextlib
import io
import os
import sys

HOST = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HOST))
HARNESS = os.path.join(ROOT, "tests", "harness")
LOGS = os.path.join(HOST, "logs")
FAKE = os.path.join(HOST, "fake_emulator.py")

if HARNESS not in sys.path:
    sys.path.insert(0, HARNESS)


def log(name):
    return os.path.join(LOGS, name)


def read_log(name):
    with open(log(name), "rb") as f:
        return f.read().decode("utf-8", "replace")


def cli(*argv):
    """Run cetbed.main(argv); return (status, stdout, stderr)."""
    import cetbed
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cetbed.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def read(path):
    with open(path) as f:
        return f.read()
