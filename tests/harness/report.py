"""What a person reads: one line per test as it arrives, then a summary
that says whether the platform behaved as its expectation file says."""

import sys

import expect
import ktap

_DIAG_LIMIT = 40    # a panic dump is long; the log keeps all of it


class Live:
    """Prints parser events as they happen, each result held against its
    expectation."""

    def __init__(self, expectations, out=None, verbose=False, echo=None):
        self.expectations = expectations
        self.out = out or sys.stdout
        self.verbose = verbose
        # With echo set (run-elf), a program's output is printed as it
        # arrives, and echo(line) symbolizes its CET fault report.
        self.echo = echo

    def _output(self, line):
        if self.echo is None:
            return
        if line.startswith("out: "):
            self.say(line[5:])
        elif line.startswith("err: "):
            self.say(line[5:])
        else:
            self.say("  " + self.echo(line))

    def say(self, text):
        self.out.write(text + "\n")
        self.out.flush()

    def __call__(self, ev):
        getattr(self, "_" + ev.kind, lambda v: None)(ev.value)

    def _fingerprint(self, group_values):
        self.say("  %s: %s" % (group_values[0], " ".join(
            "%s=%s" % kv for kv in group_values[1].items())))

    def _plan(self, n):
        self.say("  plan: %d test%s" % (n, "" if n == 1 else "s"))

    def _version(self, v):
        if v != 1:
            self.say("  KTAP version %d (this harness knows 1)" % v)

    def _start(self, started):
        if self.verbose:
            self.say("  ....  %d %s" % started)

    def _judged(self, t, head):
        """head, the reason, and how the result stands against its expectation."""
        c = expect.check_test(t, self.expectations)
        line = head + (": " + t.reason if t.reason else "")
        if not c.ok:
            line += "   <-- MISMATCH: " + c.note
        elif c.expected != ktap.PASS:
            line += "   (%s)" % c.note
        self.say(line)

    def _result(self, t):
        self._judged(t, "  %-7s %3d %s" % (t.outcome, t.number, t.name))
        if t.outcome not in (ktap.PASS, ktap.SKIP) or self.verbose:
            for d in diagnostics(t.diagnostics):
                self.say(d)

    def _subresult(self, t):
        self._judged(t, "          %-7s %s" % (t.outcome, t.name))

    def _kernel_error(self, msg):
        self.say("  kernel ERROR: " + msg)

    def _error(self, msg):
        self.say("  protocol error: " + msg)

    def _verdict(self, v):
        self.say("  Test result: " + v)


def diagnostics(lines):
    shown = ["          | " + d for d in lines[:_DIAG_LIMIT]]
    if len(lines) > _DIAG_LIMIT:
        shown.append("          | ... %d more lines in the log"
                     % (len(lines) - _DIAG_LIMIT))
    return shown


def counts(cmp):
    """(passed, failed, skipped) as the JUnit file counts them: a known
    divergence is skipped, a crash or run-level mismatch one failure."""
    passed = sum(1 for c in cmp.checks if c.ok and c.expected == ktap.PASS)
    skipped = sum(1 for c in cmp.checks if c.ok and c.expected != ktap.PASS)
    failed = len(cmp.mismatches) + (1 if cmp.crash else 0) + \
        (1 if cmp.problems else 0)
    return passed, failed, skipped


def verdict_word(cmp):
    if cmp.crash:
        return "CRASH"
    return "MATCH" if cmp.matched else "MISMATCH"


def exit_note(result, cmp, expect_path):
    """One line that ties the counts, the kernel's verdict and the exit
    status together, so "0 failed" beside "verdict FAILURE" reads right."""
    if cmp.crash:
        return "exit status 1: the run stopped early (CRASH above)"
    if not cmp.matched:
        n = len(cmp.mismatches) + len(cmp.problems)
        return "exit status 1: %d difference%s from %s (above)" % (
            n, "" if n == 1 else "s", expect_path)
    div = cmp.count("failed as expected")
    why = ""
    if result.verdict == "FAILURE" and div:
        why = "; the kernel's FAILURE verdict is the %d known divergence%s " \
            "listed there" % (div, "" if div == 1 else "s")
    return "exit status 0: every test ended as %s says%s" % (expect_path, why)


def summary(platform, result, cmp, expect_path):
    """Closing lines: the mismatches, one platform line, the count line."""
    lines = []
    for c in cmp.mismatches:
        why = ": " + c.test.reason if c.test.reason else ""
        lines.append("  mismatch: %d %s: %s%s" % (c.test.number, c.test.name,
                                                   c.note, why))
    for p in cmp.problems:
        lines.append("  mismatch: " + p)
    if cmp.crash:
        lines.append("  CRASH: " + cmp.crash)
        lines.extend(diagnostics(result.unreported))
    passed, failed, skipped = counts(cmp)
    word = verdict_word(cmp)
    parts = ["%d passed" % passed]
    shown_as = {"skipped as expected": "skipped as expected",
                "failed as expected": "known divergences failed as listed"}
    for note in ("skipped as expected", "failed as expected"):
        n = cmp.count(note)
        if n:
            parts.append("%d %s" % (n, shown_as[note]))
    if cmp.mismatches:
        parts.append("%d not as expected in %s" % (len(cmp.mismatches),
                                                    expect_path))
    if cmp.problems:
        parts.append("%d run-level mismatch%s" % (
            len(cmp.problems), "" if len(cmp.problems) == 1 else "es"))
    if cmp.crash:
        parts.append("last test started: %s" % result.last_started_text())
    parts.append("verdict %s" % (result.verdict or "none"))
    lines.append("%s: %s (%s)" % (platform, word, ", ".join(parts)))
    lines.append("  " + exit_note(result, cmp, expect_path))
    tail = "%d passed, %d failed" % (passed, failed)
    if skipped:
        tail += ", %d skipped" % skipped
    lines.append(tail)
    return lines
