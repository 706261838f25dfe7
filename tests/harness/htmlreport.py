"""The conformance report: every test against every platform, from the
serial logs in build/results and the expectation files in tests/expect.

Nothing here names a platform or a test: a platform is any NAME with both
tests/expect/NAME.expect and results/NAME.log, or a variant from the
harness's platform table (judged against its base's expectation file and
any added ones) with a log, and a test is any name a log reports (or the
kernel image registers), so new ones appear by themselves.
Writes index.html (plain HTML and CSS), one page per log with numbered
lines that the matrix links to, and summary.md for CI job summaries.
"""

import html
import os
import re
from dataclasses import dataclass, field

import expect
import ktap
import platforms
import testlist

# Cell states, in the order the totals list them.
PASS, SKIP, DIVERGENCE, FAIL, NOT_RUN = \
    "pass", "skip", "divergence", "fail", "not-run"
STATES = (PASS, SKIP, DIVERGENCE, FAIL, NOT_RUN)
LABEL = {PASS: "pass", SKIP: "skip", DIVERGENCE: "known divergence",
         FAIL: "fail", NOT_RUN: "not run"}
MARK = {PASS: "\u2713", SKIP: "\u2013", DIVERGENCE: "\u2248",
        FAIL: "\u2717", NOT_RUN: "\u00b7"}
_CMDLINE = re.compile(r"# boot: .* cmdline='(.*)'\s*$")


@dataclass
class Cell:
    state: str
    why: str = ""
    line: int = 0               # first log line of the test, 1-based


@dataclass
class Column:
    """One platform's run."""
    name: str
    log: str
    expect_path: str
    expect_extra: tuple = ()    # more expectation files (a variant's)
    result: object = None
    cmp: object = None
    cmdline: str = None
    cells: dict = field(default_factory=dict)       # test name -> Cell
    totals: dict = field(default_factory=dict)
    error: str = None           # the expectation file is broken

    @property
    def verdict_word(self):
        if self.error:
            return "HARNESS ERROR"
        if self.cmp.crash:
            return "CRASH"
        return "MATCH" if self.cmp.matched else "MISMATCH"


def discover(results_dir, expect_dir):
    """(name, log, expect file, more expect files) for every platform that
    has a log and an expectation file of its own, then for every variant
    in the platform table that has a log and shares another's file."""
    out = []
    for fn in sorted(os.listdir(expect_dir)):
        if not fn.endswith(".expect"):
            continue
        name = fn[:-len(".expect")]
        log = os.path.join(results_dir, name + ".log")
        if os.path.isfile(log):
            out.append((name, log, os.path.join(expect_dir, fn), ()))
    for name in sorted(platforms.PLATFORMS):
        p = platforms.PLATFORMS[name]
        log = os.path.join(results_dir, name + ".log")
        own = os.path.join(expect_dir, name + ".expect")
        base = os.path.join(expect_dir, p.expect_name + ".expect")
        if os.path.isfile(own) or not os.path.isfile(log) or \
                not os.path.isfile(base):
            continue
        extra = tuple(os.path.join(expect_dir, e + ".expect")
                      for e in p.expect_extra)
        out.append((name, log, base, extra))
    return out


def _test_lines(lines):
    """Test name -> first line (1-based) of its '# start' or result."""
    first = {}
    rx = re.compile(r"^(?:# start \d+ (\S+)|(?:not )?ok \d+ (?:- )?([^\s#]+))")
    for i, raw in enumerate(lines, 1):
        m = rx.match(ktap.strip_escapes(raw).strip())
        if m:
            first.setdefault(m.group(1) or m.group(2), i)
    return first


def load_column(name, log, expect_path, expect_extra=()):
    col = Column(name, log, expect_path, tuple(expect_extra))
    with open(log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    lines = text.split("\n")
    col.result = ktap.parse(lines)
    for raw in lines:
        m = _CMDLINE.match(ktap.strip_escapes(raw).strip())
        if m:
            col.cmdline = m.group(1)
            break
    try:
        exps = expect.load_expectations(expect_path)
        for extra in expect_extra:
            exps.update(expect.load_expectations(extra))
    except expect.ExpectError as e:
        col.error = str(e)
        exps = {}
    col.cmp = expect.compare(col.result, exps, col.cmdline)
    where = _test_lines(lines)
    for c in col.cmp.checks:
        t = c.test
        line = where.get(t.name, 0)
        if not c.ok:
            col.cells[t.name] = Cell(FAIL, c.note + (
                ": " + t.reason if t.reason else ""), line)
        elif c.expected == ktap.PASS:
            col.cells[t.name] = Cell(PASS, "", line)
        elif c.expected == ktap.SKIP:
            col.cells[t.name] = Cell(SKIP, t.reason or c.reason, line)
        else:
            col.cells[t.name] = Cell(DIVERGENCE, c.reason, line)
    last = col.result.last_started
    if col.cmp.crash and last and last[1] and last[1] not in col.cells:
        col.cells[last[1]] = Cell(FAIL, "crashed: " + col.cmp.crash,
                                  where.get(last[1], 0))
    return col


def rows(columns, kernel):
    """[(area, [test names])] in the kernel's order, then any others."""
    known = []
    try:
        known = testlist.read(kernel) if kernel else []
    except testlist.TestListError:
        known = []
    area = {t.name: t.area for t in known}
    order = [t.name for t in known]
    seen = set(order)
    for col in columns:
        for t in col.result.tests:
            if t.name not in seen:
                seen.add(t.name)
                order.append(t.name)
                area[t.name] = testlist.area_of(t.name)
        for name in col.cells:
            if name not in seen:
                seen.add(name)
                order.append(name)
                area[name] = testlist.area_of(name)
    groups = {}
    for name in order:
        groups.setdefault(area[name], []).append(name)
    return sorted(groups.items())


def build(results_dir, expect_dir, kernel=None):
    columns = [load_column(*p) for p in discover(results_dir, expect_dir)]
    groups = rows(columns, kernel)
    for col in columns:
        col.totals = dict.fromkeys(STATES, 0)
        for _, names in groups:
            for n in names:
                col.totals[col.cells.get(n, Cell(NOT_RUN)).state] += 1
    return columns, groups


def _e(s):
    return html.escape(s or "", quote=True)


_CSS = """
body{font:14px/1.35 system-ui,sans-serif;margin:0 1.2em 2em;color:#222}
h1{font-size:1.4em;margin:.6em 0 .2em}h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f0f0f0;text-align:left}
#fingerprints td:first-child,#totals td{white-space:nowrap}
#fingerprints code{white-space:normal}
#matrix{font-size:13px}#matrix thead th{position:sticky;top:0;z-index:1}
#matrix th.plat{writing-mode:vertical-rl;transform:rotate(180deg);
 white-space:nowrap;text-align:left;padding:4px 2px}
#matrix td.cell{text-align:center;width:2.2em;padding:0}
#matrix td.cell a{display:block;text-decoration:none;color:inherit;
 padding:2px 0}
#matrix tr.area th{background:#dde4ee;font-size:1.05em}
td.name{font-family:ui-monospace,monospace;white-space:nowrap}
.pass{background:#c8ecc8}.skip{background:#fff2b3}
.divergence{background:#ffd8a8}.fail{background:#f5a3a3;font-weight:bold}
.not-run{background:#eee;color:#999}.zero{color:#999}
.MATCH{color:#186018;font-weight:bold}.MISMATCH,.CRASH,.HARNESS{color:#a01010;
 font-weight:bold}
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;
 border:1px solid #ccc}
p.note{color:#555;max-width:60em}
"""


def _fingerprint_rows(columns):
    out = []
    for col in columns:
        fp = col.result.fingerprint
        cpu, cet = fp.get("cpu", {}), fp.get("cet", {})
        cpu_s = "%s %s/%s/%s%s" % (
            cpu.get("vendor", "?"), cpu.get("family", "?"),
            cpu.get("model", "?"), cpu.get("stepping", "?"),
            " hypervisor" if cpu.get("hypervisor") == "1" else "")
        # The CET bits the CPU enumerates, by name; "none" says it plainly.
        cet_s = " ".join(k for k, v in cet.items() if v == "1") or "none"
        word = col.verdict_word
        out.append(
            "<tr><td><a href='log/%s.html'>%s</a></td><td class='%s'>%s</td>"
            "<td>%s</td><td><code>%s</code></td><td>%s</td>"
            "<td><code>%s</code></td></tr>" % (
                _e(col.name), _e(col.name), word.split()[0], _e(word),
                _e(col.result.verdict or "none"),
                _e(_options(col.cmdline) or "(default)"),
                _e(cpu_s), _e(cet_s)))
    return "\n".join(out)


def _options(cmdline):
    """The kernel options alone: QEMU -kernel puts the image path first."""
    words = (cmdline or "").split()
    if words and words[0].startswith("/"):
        words = words[1:]
    return " ".join(words)


def _totals_rows(columns):
    out = []
    grand = dict.fromkeys(STATES, 0)
    for col in columns:
        cells = "".join("<td class='%s' data-state='%s'>%d</td>" % (
            s if col.totals[s] else "zero", s, col.totals[s]) for s in STATES)
        out.append("<tr data-platform='%s'><td>%s</td>%s</tr>" % (
            _e(col.name), _e(col.name), cells))
        for s in STATES:
            grand[s] += col.totals[s]
    out.append("<tr id='grand'><th>all platforms</th>%s</tr>" % "".join(
        "<th class='%s'>%d</th>" % (s if grand[s] else "zero", grand[s])
        for s in STATES))
    return "\n".join(out)


def _matrix(columns, groups):
    head = "".join("<th class='plat'>%s</th>" % _e(c.name) for c in columns)
    body = []
    for area, names in groups:
        body.append("<tr class='area'><th colspan='%d' id='area-%s'>%s "
                    "(%d)</th></tr>" % (len(columns) + 1, _e(area), _e(area),
                                        len(names)))
        for n in names:
            tds = []
            for col in columns:
                c = col.cells.get(n, Cell(NOT_RUN))
                tip = "%s: %s%s" % (col.name, LABEL[c.state],
                                    ": " + c.why if c.why else "")
                mark = MARK[c.state]
                if c.line:
                    mark = "<a href='log/%s.html#L%d'>%s</a>" % (
                        _e(col.name), c.line, mark)
                tds.append("<td class='cell %s' title='%s'>%s</td>"
                           % (c.state, _e(tip), mark))
            body.append("<tr data-test='%s'><td class='name'>%s</td>%s</tr>"
                        % (_e(n), _e(n), "".join(tds)))
    return ("<table id='matrix' data-tests='%d' data-platforms='%d'>"
            "<thead><tr><th>test</th>%s</tr></thead><tbody>\n%s\n"
            "</tbody></table>" % (sum(len(n) for _, n in groups),
                                  len(columns), head, "\n".join(body)))


def _notes(columns):
    """The reasons, spelled out: divergences, failures, run-level trouble."""
    out = []
    for col in columns:
        items = []
        if col.error:
            items.append("expectation file: " + col.error)
        if col.cmp.crash:
            items.append("CRASH: " + col.cmp.crash)
        items += col.cmp.problems
        for name, c in col.cells.items():
            if c.state in (FAIL, DIVERGENCE):
                items.append("%s %s: %s" % (LABEL[c.state], name, c.why))
        if items:
            out.append("<h3>%s</h3><ul>%s</ul>" % (_e(col.name), "".join(
                "<li>%s</li>" % _e(i) for i in items)))
    return "\n".join(out)


def render(columns, groups, title="cetbed conformance report"):
    legend = "".join("<span class='%s'>%s %s</span>" % (s, MARK[s], LABEL[s])
                     for s in STATES)
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(title)s</title><style>%(css)s</style></head><body>
<h1>%(title)s</h1>
<p class="note">Each cell is one test on one platform, held against
<code>tests/expect/PLATFORM.expect</code>: a skip names what the platform
lacks, a known divergence is listed there with its reason, a failure is
anything else. Hover a cell for the reason; click it for the log lines.</p>
<h2>Platforms</h2>
<table id="fingerprints"><thead><tr><th>platform</th><th>comparison</th>
<th>verdict</th><th>command line</th><th>cpu</th><th>cet</th></tr></thead>
<tbody>
%(fp)s
</tbody></table>
<h2>Totals</h2>
<table id="totals"><thead><tr><th>platform</th>%(theads)s</tr></thead><tbody>
%(totals)s
</tbody></table>
<p class="legend">%(legend)s</p>
<h2>Tests by area</h2>
%(matrix)s
<h2>Reasons</h2>
%(notes)s
</body></html>
""" % {"title": _e(title), "css": _CSS, "fp": _fingerprint_rows(columns),
       "theads": "".join("<th>%s</th>" % LABEL[s] for s in STATES),
       "totals": _totals_rows(columns), "legend": legend,
       "matrix": _matrix(columns, groups), "notes": _notes(columns)}


def render_log(col):
    with open(col.log, "rb") as f:
        lines = f.read().decode("utf-8", "replace").split("\n")
    body = "\n".join("<span id='L%d'><a href='#L%d'>%5d</a> %s</span>" % (
        i, i, i, _e(ktap.strip_escapes(s).rstrip())) for i, s in
        enumerate(lines, 1))
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s.log</title>
<style>body{margin:0}pre{font:13px/1.3 ui-monospace,monospace;margin:.5em}
pre a{color:#999;text-decoration:none}span:target{background:#ffef9e;
display:inline-block;width:100%%}</style></head>
<body><pre>%s</pre></body></html>
""" % (_e(col.name), body)


def markdown(columns, groups):
    out = ["# cetbed conformance", "",
           "| platform | comparison | verdict | %s |" % " | ".join(
               LABEL[s] for s in STATES),
           "|---|---|---|%s" % ("---|" * len(STATES))]
    for col in columns:
        out.append("| %s | %s | %s | %s |" % (
            col.name, col.verdict_word, col.result.verdict or "none",
            " | ".join(str(col.totals[s]) for s in STATES)))
    out.append("")
    for col in columns:
        bad = [(n, c) for n, c in col.cells.items()
               if c.state in (FAIL, DIVERGENCE)]
        if not bad and not col.cmp.crash and not col.cmp.problems:
            continue
        out.append("## %s" % col.name)
        if col.cmp.crash:
            out.append("- **CRASH**: " + col.cmp.crash)
        for p in col.cmp.problems:
            out.append("- **mismatch**: " + p)
        for n, c in bad:
            out.append("- %s `%s`: %s" % (
                "**fail**" if c.state == FAIL else "known divergence", n,
                c.why.replace("|", "\\|")))
        out.append("")
    tests = sum(len(n) for _, n in groups)
    out.append("%d tests in %d areas on %d platforms." % (
        tests, len(groups), len(columns)))
    return "\n".join(out) + "\n"


def write(results_dir, expect_dir, out_dir=None, kernel=None):
    """Write index.html, log/NAME.html and summary.md; return the path of
    index.html and the columns."""
    out_dir = out_dir or results_dir
    columns, groups = build(results_dir, expect_dir, kernel)
    os.makedirs(os.path.join(out_dir, "log"), exist_ok=True)
    for col in columns:
        with open(os.path.join(out_dir, "log", col.name + ".html"), "w",
                  encoding="utf-8") as f:
            f.write(render_log(col))
    index = os.path.join(out_dir, "index.html")
    with open(index, "w", encoding="utf-8") as f:
        f.write(render(columns, groups))
    with open(os.path.join(out_dir, "summary.md"), "w",
              encoding="utf-8") as f:
        f.write(markdown(columns, groups))
    return index, columns, groups
