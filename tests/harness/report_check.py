#!/usr/bin/env python3
"""Renders the conformance report (index.html) in headless Chromium, keeps
a screenshot (report.png, a 1366x768 laptop screen) and checks the counts
in the DOM Chromium built against counts taken straight from the serial
logs and expectation files, without the report's own code.

usage: report_check.py [--results DIR]     exit 0 when the counts agree
"""

import argparse
import html.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import htmlreport       # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCREEN = (1366, 768)
_RESULT = re.compile(r"^(not ok|ok) (\d+) (?:- )?([^\s#]+)\s*(?:#\s*(\S+))?")
_SUBTEST = re.compile(r"^# Subtest: (\S+)")
_EXPECT = re.compile(r"^(SKIP|FAIL)\s+(\S+)\s+\S")


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    return None


def start_chromium(exe, args, profile):
    # --no-sandbox: the sandbox needs user namespaces, often absent in CI
    # containers and always refused to root.
    argv = [exe, "--headless", "--no-sandbox", "--disable-gpu",
            "--hide-scrollbars", "--no-first-run", "--disable-extensions",
            "--user-data-dir=" + profile] + args
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="disabled:")
    return subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True,
                            errors="replace", env=env,
                            start_new_session=True)


def finish(proc, timeout=120):
    """The browser's stdout; a browser that hangs is ended, group and all
    (it is ours: its own session)."""
    try:
        out, _ = proc.communicate(timeout=timeout)
        return out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return ""


class Dom(html.parser.HTMLParser):
    """Counts what a reader sees: matrix rows and cells by state, the
    platform columns and the totals table."""

    def __init__(self):
        super().__init__()
        self.rows = 0
        self.platforms = []
        self.cells = []             # (platform index, state)
        self.totals = {}            # platform -> {state: n}
        self._col = None
        self._in_plat = False
        self._total_row = None
        self._total_state = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "tr" and "data-test" in a:
            self.rows += 1
            self._col = 0
        elif tag == "td" and "cell" in cls and self._col is not None:
            state = [c for c in cls if c in htmlreport.STATES]
            self.cells.append((self._col, state[0] if state else "?"))
            self._col += 1
        elif tag == "th" and "plat" in cls:
            self._in_plat = True
        elif tag == "tr" and "data-platform" in a:
            self._total_row = a["data-platform"]
            self.totals[self._total_row] = {}
        elif tag == "td" and "data-state" in a and self._total_row:
            self._total_state = a["data-state"]

    def handle_endtag(self, tag):
        if tag == "tr":
            self._col = None
            self._total_row = None
        if tag == "th":
            self._in_plat = False

    def handle_data(self, data):
        if self._in_plat and data.strip():
            self.platforms.append(data.strip())
        if self._total_state and data.strip():
            self.totals[self._total_row][self._total_state] = \
                int(data.strip())
            self._total_state = None


def expected_counts(log, expect_files):
    """Per state, from the raw log and expectation files alone (a
    variant's base file and those added to it): a result line of a test
    not listed is a pass if 'ok', a listed SKIP that skips is a skip, a
    listed FAIL that fails is a known divergence, anything else a
    failure."""
    listed = {}
    for expect_file in expect_files:
        with open(expect_file, encoding="utf-8") as f:
            for line in f:
                m = _EXPECT.match(line.strip())
                if m:
                    listed[m.group(2)] = m.group(1)
    counts = dict.fromkeys(htmlreport.STATES, 0)
    with open(log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    subtest = None              # "# Subtest: NAME" of the indented block
    for line in text.replace("\r", "\n").split("\n"):
        indented = line[:1] in (" ", "\t")
        sub = _SUBTEST.match(line.strip())
        if indented and sub:
            subtest = sub.group(1)
            continue
        m = _RESULT.match(line.strip())
        if not m:
            continue
        ok, directive = m.group(1) == "ok", (m.group(4) or "").upper()
        # KTAP subtests are cells of their own, named PARENT.case.
        name = subtest + "." + m.group(3) if indented and subtest \
            else m.group(3)
        if not indented:
            subtest = None
        want = listed.get(name)
        if ok and not directive and want is None:
            counts[htmlreport.PASS] += 1
        elif ok and directive == "SKIP" and want == "SKIP":
            counts[htmlreport.SKIP] += 1
        elif not ok and directive != "SKIP" and want == "FAIL":
            counts[htmlreport.DIVERGENCE] += 1
        else:
            counts[htmlreport.FAIL] += 1
    return counts


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=os.path.join(ROOT, "build",
                                                      "results"))
    ap.add_argument("--expect", default=os.path.join(ROOT, "tests",
                                                     "expect"))
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build",
                                                     "kernel.elf"))
    args = ap.parse_args(argv)
    exe = chromium()
    if exe is None:
        print("report_check: chromium not found: apt-get install chromium",
              file=sys.stderr)
        return 2
    index, columns, groups = htmlreport.write(args.results, args.expect,
                                              kernel=args.kernel)
    if not columns:
        print("report_check: no platform has both a log in %s and an "
              "expectation file" % args.results, file=sys.stderr)
        return 2
    url = "file://" + os.path.abspath(index)
    shot = os.path.join(args.results, "report.png")
    if os.path.exists(shot):
        os.unlink(shot)
    # Two browsers at once, each with its own profile: the DOM and the
    # screenshot.
    with tempfile.TemporaryDirectory(prefix="cetbed-chromium-") as prof:
        dom_proc = start_chromium(exe, ["--dump-dom", url],
                                  os.path.join(prof, "dom"))
        shot_proc = start_chromium(exe, ["--window-size=%d,%d" % SCREEN,
                                         "--screenshot=" + shot, url],
                                   os.path.join(prof, "shot"))
        dom_text = finish(dom_proc)
        finish(shot_proc)
    bad = []
    dom = Dom()
    dom.feed(dom_text)
    names = [c.name for c in columns]
    if dom.platforms != names:
        bad.append("platform columns %s, logs with expectations %s"
                   % (dom.platforms, names))
    for i, col in enumerate(columns):
        got = dict.fromkeys(htmlreport.STATES, 0)
        for ci, state in dom.cells:
            if ci == i:
                got[state] = got.get(state, 0) + 1
        want = expected_counts(col.log, (col.expect_path,) + col.expect_extra)
        crash = 1 if col.cmp.crash and col.result.last_started and \
            col.result.last_started[1] not in {t.name for t in
                                               col.result.tests} else 0
        want[htmlreport.FAIL] += crash
        want[htmlreport.NOT_RUN] = dom.rows - sum(want.values())
        if got != want:
            bad.append("%s: cells %s, the log says %s" % (col.name, got, want))
        if dom.totals.get(col.name) != want:
            bad.append("%s: totals row %s, the log says %s"
                       % (col.name, dom.totals.get(col.name), want))
        print("  %-24s %s" % (col.name, " ".join(
            "%s=%d" % (s, got.get(s, 0)) for s in htmlreport.STATES)))
    size = png_size(shot) if os.path.isfile(shot) else None
    if size != SCREEN:
        bad.append("screenshot %s: %s, want a %dx%d PNG" % (
            shot, size or "missing", SCREEN[0], SCREEN[1]))
    for b in bad:
        print("  WRONG " + b)
    print("  %d tests x %d platforms; page %s, screenshot %s" % (
        dom.rows, len(dom.platforms), os.path.relpath(index, ROOT),
        os.path.relpath(shot, ROOT)))
    checks = 2 * len(columns) + 2
    print("report: %d passed, %d failed" % (checks - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
