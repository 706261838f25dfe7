"""KTAP parser for the cetbed serial console: lines in, results out.

Pure: no I/O. Firmware and GRUB share the serial port, so anything that is
not a kernel line is ignored rather than rejected.
"""

import re
from dataclasses import dataclass, field

PASS, SKIP, FAIL, ERROR, TIMEOUT = "PASS", "SKIP", "FAIL", "ERROR", "TIMEOUT"
VERDICTS = ("SUCCESS", "SKIP", "FAILURE", "ERROR")

_ESC = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"        # CSI: colours, cursor moves
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)"     # OSC
    r"|[()*+][0-9A-Za-z]"                 # charset selection
    r"|[@-Z\\-_])")                       # two-byte escapes
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_VERSION = re.compile(r"KTAP version (\d+)$")
_PLAN = re.compile(r"1\.\.(\d+)$")
_RESULT = re.compile(r"(not ok|ok) (\d+)(?:[ \t]+(.*))?$")
# A subtest result, indented four spaces inside a running test (KTAP's
# nesting); cetbed prints these for a kselftest's [OK]/[FAIL]/[SKIP] lines.
_SUBRESULT = re.compile(r"    (not ok|ok) (\d+)(?:[ \t]+(.*))?$")
_START = re.compile(r"# start (\d+)(?: (\S+))?\s*$")
_KERROR = re.compile(r"# ERROR: ?(.*)$")
_FINGERPRINT = re.compile(r"# (cpu|cet): (.*)$")
# A fingerprint line is nothing but key=value words; prose under the same
# prefix ("# cet: not enumerated (CPUID...=0)") stays a diagnostic.
_FIELD = re.compile(r"[a-z_][a-z0-9_]*=\S*$")
_DIAG = re.compile(r"#(?: (.*)|)$")
_VERDICT = re.compile(r"Test result: (\S+)\s*$")

# The result the kernel adds after the tests for boot-level errors (unknown
# command-line options, bad boot information): no test of the image.
BOOT_TEST = "boot"

# The errors finish() records when a run stopped early.
_CRASH_ERRORS = ("no verdict line", "no plan line", "plan 1..")


@dataclass
class TestResult:
    number: int
    name: str
    outcome: str
    reason: str = ""
    diagnostics: list = field(default_factory=list)


@dataclass
class Event:
    """One thing worth showing live: kind is version, fingerprint, plan,
    start, result, verdict, kernel_error or error; value depends on kind."""
    kind: str
    value: object


@dataclass
class Result:
    version: int = None
    plan: int = None
    tests: list = field(default_factory=list)
    # Subtests, named PARENT.NAME, judged like tests but outside the plan.
    subtests: list = field(default_factory=list)
    verdict: str = None
    last_started: tuple = None      # (number, name) of the last '# start'
    diagnostics: list = field(default_factory=list)    # outside any test
    fingerprint: dict = field(default_factory=dict)    # {'cpu': {k: v}}
    kernel_errors: list = field(default_factory=list)  # '# ERROR:' lines
    errors: list = field(default_factory=list)         # protocol violations
    missing: list = field(default_factory=list)        # planned, unreported
    # What a test that started and never reported said before the end.
    unreported: list = field(default_factory=list)
    finished: bool = False

    @property
    def crashed(self):
        """The run stopped early: the plan was not fulfilled or the verdict
        never came."""
        return self.verdict is None or self.plan is None or bool(self.missing)

    def crash_reason(self):
        why = []
        if self.version is None:
            why.append("no KTAP header")
        if self.plan is None:
            why.append("no plan line")
        elif self.missing:
            why.append("plan 1..%d not fulfilled (%d of %d reported)"
                       % (self.plan, self.plan - len(self.missing), self.plan))
        if self.verdict is None:
            why.append("no verdict line")
        return "; ".join(why)

    def protocol_errors(self):
        """Errors other than the run stopping early, which crash_reason()
        already tells."""
        return [e for e in self.errors if not e.startswith(_CRASH_ERRORS)]

    def last_started_text(self):
        if self.last_started is None:
            return "none"
        return "%d %s" % self.last_started


def subtest_name(parent, case):
    """A KTAP subtest is named PARENT.case (test names are snake_case)."""
    return "%s.%s" % (parent, case)


def is_subtest_name(name):
    return "." in name


def strip_escapes(text):
    return _CTRL.sub("", _ESC.sub("", text))


def candidates(segment):
    """Texts that may hold a kernel line, in order of preference.

    A kernel line is anchored at the start of the physical line; the only
    junk allowed before it is output that ended with an escape sequence
    (OVMF's console), so each escape also opens a candidate.
    """
    out = [strip_escapes(segment).rstrip()]
    for m in _ESC.finditer(segment):
        out.append(strip_escapes(segment[m.end():]).rstrip())
    return out


def allowed_verdicts(outcomes, kernel_errors=0):
    """Verdicts consistent with these outcomes.

    ERROR if any test errored, FAILURE if any failed, else SUCCESS if
    any passed (skips beside passes are the platform lacking something and
    stay visible per test), else SKIP (all skipped, or an empty plan).
    A timeout is one test's failure, not a broken environment, so it ranks
    with FAIL.
    """
    outcomes = list(outcomes)
    if kernel_errors or ERROR in outcomes:
        return {"ERROR"}
    if FAIL in outcomes or TIMEOUT in outcomes:
        return {"FAILURE"}
    if PASS in outcomes:
        return {"SUCCESS"}
    return {"SKIP"}


def _parse_result(m):
    ok = m.group(1) == "ok"
    number = int(m.group(2))
    rest = m.group(3) or ""
    name, _, directive = rest.partition("#")
    name = name.strip()
    if name.startswith("- "):
        name = name[2:].strip()
    directive = directive.strip()
    word, _, reason = directive.partition(" ")
    word = word.upper()
    reason = reason.strip()
    problem = None
    if word == "SKIP":
        outcome = SKIP
        if not ok:
            problem = "'not ok' with a SKIP directive"
    elif word in (ERROR, TIMEOUT):
        outcome = word
        if ok:
            problem = "'ok' with a %s directive" % word
    else:
        outcome = PASS if ok else FAIL
        reason = directive
    return TestResult(number, name, outcome, reason), problem


class Parser:
    """Incremental KTAP parser: feed() lines as they arrive, finish() at
    the end. feed() returns the events that line produced."""

    def __init__(self):
        self.result = Result()
        self._pending = []          # diagnostics since the last result
        self._running = None        # (number, name) started, not reported
        self._headless = False      # 'no header' already reported
        self._after_verdict = False

    def _error(self, events, msg):
        self.result.errors.append(msg)
        events.append(Event("error", msg))

    def feed(self, raw):
        events = []
        if self.result.finished:
            return events
        # A bare CR returns the cursor to column 0: what follows it starts
        # a line as far as the console is concerned.
        for segment in raw.rstrip("\n").split("\r"):
            for text in candidates(segment):
                if self._take(text, events):
                    break
        return events

    def _take(self, text, events):
        r = self.result
        for pattern, handler in self._dispatch:
            m = pattern.match(text)
            if m:
                break
        else:
            return False
        if handler is None:
            # Diagnostics count only once the kernel has spoken: '#' lines
            # from firmware before the header are noise.
            if r.version is None:
                return False
            words = m.group(2).split() if m.re is _FINGERPRINT else ()
            if words and all(_FIELD.match(w) for w in words):
                values = dict(kv.split("=", 1) for kv in words)
                # The kernel may spread one group over several lines.
                r.fingerprint.setdefault(m.group(1), {}).update(values)
                events.append(Event("fingerprint", (m.group(1), values)))
            self._pending.append(text[2:])
            # A Linux program's output and CET fault report, for a live echo.
            if text.startswith(("# out: ", "# err: ", "# cet-fault: ")):
                events.append(Event("output", text[2:]))
            return True
        if r.verdict is not None and not self._after_verdict:
            self._after_verdict = True
            self._error(events, "kernel output after the verdict: %r" % text)
        handler(self, m, events)
        return True

    def _version(self, m, events):
        r = self.result
        if r.version is not None:
            self._error(events, "second KTAP header: the kernel restarted")
        r.version = int(m.group(1))
        events.append(Event("version", r.version))

    def _plan(self, m, events):
        r = self.result
        self._check_header(events, "plan")
        if r.plan is not None:
            self._error(events, "second plan line 1..%s" % m.group(1))
        else:
            r.plan = int(m.group(1))
            if r.tests:
                self._error(events, "plan line after the first result")
            events.append(Event("plan", r.plan))
        self._pending_to_header()

    def _kernel_error(self, m, events):
        self.result.kernel_errors.append(m.group(1))
        self._pending.append("ERROR: " + m.group(1))
        events.append(Event("kernel_error", m.group(1)))

    def _pending_to_header(self):
        self.result.diagnostics.extend(self._pending)
        self._pending = []

    def _check_header(self, events, what):
        if self.result.version is None and not self._headless:
            self._headless = True
            self._error(events, "%s before the KTAP header" % what)

    def _start(self, m, events):
        r = self.result
        number, name = int(m.group(1)), m.group(2) or ""
        self._check_header(events, "'# start %d'" % number)
        if self._running is not None:
            self._error(events, "test %d %s started but never reported"
                        % self._running)
        self._pending_to_header()
        r.last_started = self._running = (number, name)
        events.append(Event("start", r.last_started))

    def _result(self, m, events):
        r = self.result
        test, problem = _parse_result(m)
        self._check_header(events, "result %d" % test.number)
        if problem:
            self._error(events, "test %d: %s" % (test.number, problem))
        if not test.name:
            self._error(events, "test %d has no name" % test.number)
        seen = {t.number for t in r.tests}
        if test.number in seen:
            self._error(events, "duplicate test number %d (%s)"
                        % (test.number, test.name))
        elif seen and test.number < max(seen):
            self._error(events, "test %d (%s) out of order after %d"
                        % (test.number, test.name, max(seen)))
        if r.plan is None:
            self._error(events, "test %d (%s) reported before the plan"
                        % (test.number, test.name))
        elif not 1 <= test.number <= r.plan:
            self._error(events, "test %d (%s) is not in the plan 1..%d"
                        % (test.number, test.name, r.plan))
        if self._running is not None and (
                self._running[0] != test.number
                or (self._running[1] and self._running[1] != test.name)):
            self._error(events, "result %d %s does not match the running "
                        "test %d %s"
                        % ((test.number, test.name) + self._running))
        self._running = None
        test.diagnostics = self._pending
        self._pending = []
        r.tests.append(test)
        events.append(Event("result", test))

    def _verdict(self, m, events):
        r = self.result
        word = m.group(1)
        self._check_header(events, "verdict")
        if r.verdict is not None:
            self._error(events, "second verdict line")
            return
        if word not in VERDICTS:
            self._error(events, "unknown verdict %r" % word)
        r.verdict = word
        self._pending_to_header()
        events.append(Event("verdict", word))

    def finish(self):
        """Close the run: derive the checks that need the whole log."""
        r = self.result
        if r.finished:
            return r
        if self._running is not None:
            r.unreported = list(self._pending)
        self._pending_to_header()
        if r.plan is not None:
            seen = {t.number for t in r.tests}
            r.missing = [n for n in range(1, r.plan + 1) if n not in seen]
        if r.verdict is None:
            r.errors.append("no verdict line")
        elif r.verdict in VERDICTS:
            allowed = allowed_verdicts((t.outcome for t in r.tests),
                                       len(r.kernel_errors))
            if r.verdict not in allowed:
                r.errors.append("verdict %s inconsistent with the results "
                                "(expected %s)"
                                % (r.verdict, " or ".join(sorted(allowed))))
        if r.plan is None:
            r.errors.append("no plan line")
        elif r.missing:
            r.errors.append("plan 1..%d not fulfilled: no result for %s"
                            % (r.plan, _ranges(r.missing)))
        r.finished = True
        return r


def _subresult(self, m, events):
    if self._running is None:
        self._error(events, "subtest result outside a running test: %r"
                    % m.group(0).strip())
        return
    test, problem = _parse_result(m)
    if problem:
        self._error(events, "subtest %d: %s" % (test.number, problem))
    test.name = subtest_name(self._running[1], test.name)
    self.result.subtests.append(test)
    events.append(Event("subresult", test))


Parser._subresult = _subresult
Parser._dispatch = (
    (_VERSION, Parser._version),
    (_SUBRESULT, Parser._subresult),
    (_PLAN, Parser._plan),
    (_RESULT, Parser._result),
    (_VERDICT, Parser._verdict),
    (_START, Parser._start),
    (_KERROR, Parser._kernel_error),
    (_FINGERPRINT, None),
    (_DIAG, None),
)


def _ranges(numbers):
    spans, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            spans.append((start, prev))
            start = prev = n
    if start is not None:
        spans.append((start, prev))
    return ", ".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in spans)


def parse(lines):
    """Parse a whole log (an iterable of lines) into a Result."""
    p = Parser()
    for line in lines:
        p.feed(line)
    return p.finish()


def parse_text(text):
    return parse(text.split("\n"))
