"""Per-platform expectations and the comparison of a run against them.

A test not listed must PASS. A listed test must end exactly as listed, so
an expectation that no longer holds is reported instead of hiding a fix.
"""

import re
from dataclasses import dataclass, field

import ktap

OUTCOMES = (ktap.SKIP, ktap.FAIL)
# A skip the kernel command line caused (clearcpuid=), not the CPU.
MASKED = "masked by clearcpuid="
_NAME = re.compile(r"[A-Za-z0-9_.\-]+$")


class ExpectError(Exception):
    """The expectation file itself is wrong: a harness error, not a run
    result."""


@dataclass
class Expectation:
    outcome: str
    name: str
    reason: str
    line: int


def parse_expectations(text, path="<expect>"):
    """Map test name -> Expectation. Raises ExpectError on any bad line."""
    out = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        where = "%s:%d" % (path, lineno)
        if parts[0] not in OUTCOMES:
            raise ExpectError("%s: unknown outcome %r (use %s)"
                              % (where, parts[0], " or ".join(OUTCOMES)))
        if len(parts) < 2:
            raise ExpectError("%s: %s without a test name" % (where, parts[0]))
        if not _NAME.match(parts[1]):
            raise ExpectError("%s: bad test name %r" % (where, parts[1]))
        if len(parts) < 3 or not parts[2].strip():
            raise ExpectError("%s: %s %s has no reason; every expectation "
                              "says why" % (where, parts[0], parts[1]))
        if parts[1] in out:
            raise ExpectError("%s: %s listed twice (first at line %d)"
                              % (where, parts[1], out[parts[1]].line))
        out[parts[1]] = Expectation(parts[0], parts[1], parts[2].strip(),
                                    lineno)
    return out


def load_expectations(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ExpectError("cannot read %s: %s" % (path, e.strerror)) from e
    return parse_expectations(text, path)


def is_filtered(cmdline):
    """A tests= option narrows the run, so unplanned expectations are not
    stale there."""
    return any(tok.startswith("tests=") for tok in (cmdline or "").split())


@dataclass
class TestCheck:
    """One test's outcome held against its expectation."""
    test: object            # ktap.TestResult
    expected: str           # PASS, SKIP or FAIL
    reason: str             # the expectation's reason, if listed
    ok: bool
    note: str               # why it mismatches, or how it matched


def check_test(test, expectations):
    exp = expectations.get(test.name)
    expected = exp.outcome if exp else ktap.PASS
    reason = exp.reason if exp else ""
    got = test.outcome
    if got == expected == ktap.SKIP and (MASKED in reason) != \
            (MASKED in test.reason):
        # A masked platform must skip because of the mask, and an
        # unmasked one never claims a mask.
        return TestCheck(test, expected, reason, False,
                         "skipped for another reason: expected '%s', got "
                         "'%s'" % (reason, test.reason))
    if got == expected or (expected == ktap.FAIL and got == ktap.TIMEOUT):
        note = {ktap.PASS: "passed",
                ktap.SKIP: "skipped as expected",
                ktap.FAIL: "failed as expected"}[expected]
        return TestCheck(test, expected, reason, True, note)
    if got == ktap.PASS:
        note = ("stale expectation: listed as %s (%s) but it passed; remove "
                "the line" % (expected, reason))
    elif expected == ktap.PASS:
        note = "unexpected " + got
    else:
        note = "expected %s (%s), got %s" % (expected, reason, got)
    return TestCheck(test, expected, reason, False, note)


@dataclass
class Comparison:
    checks: list = field(default_factory=list)    # TestCheck per reported test
    problems: list = field(default_factory=list)  # run-level mismatches
    crash: str = None                             # why the run stopped early
    expected_verdicts: set = field(default_factory=set)

    @property
    def matched(self):
        return (self.crash is None and not self.problems
                and all(c.ok for c in self.checks))

    @property
    def mismatches(self):
        return [c for c in self.checks if not c.ok]

    def count(self, note):
        return sum(1 for c in self.checks if c.ok and c.note == note)


def compare(result, expectations, cmdline=None, crash=None):
    """Hold a finished ktap.Result against expectations.

    crash is a reason from the runner (timeout, emulator died) that the
    log alone cannot show.
    """
    cmp = Comparison()
    cmp.checks = [check_test(t, expectations)
                  for t in result.tests + result.subtests]
    why = [w for w in (crash, result.crash_reason()) if w]
    if why:
        cmp.crash = "%s; last test started: %s" % (
            "; ".join(why), result.last_started_text())
    cmp.problems.extend("protocol: " + e for e in result.protocol_errors())
    cmp.problems.extend("kernel reported ERROR: " + e
                        for e in result.kernel_errors)
    if not cmp.crash and not is_filtered(cmdline) and result.plan == 0:
        cmp.problems.append("the unfiltered run planned no tests")
    if not cmp.crash and not is_filtered(cmdline):
        ran = {t.name for t in result.tests + result.subtests}
        for name in sorted(set(expectations) - ran):
            e = expectations[name]
            cmp.problems.append(
                "stale expectation: %s %s is listed (line %d) but the "
                "unfiltered run has no such test" % (e.outcome, name, e.line))
    # The verdict follows the planned tests; subtests only feed their parent.
    cmp.expected_verdicts = ktap.allowed_verdicts(
        c.expected for c in cmp.checks[:len(result.tests)])
    # A test that did not end as expected, or a kernel error, already
    # explains a verdict that differs; only one wrong on its own is news.
    explained = cmp.mismatches or result.kernel_errors
    if result.verdict is not None and not explained and \
            result.verdict not in cmp.expected_verdicts:
        cmp.problems.append("verdict %s, expected %s" % (
            result.verdict, " or ".join(sorted(cmp.expected_verdicts))))
    return cmp
