"""The result summary line the kernel shows as a QR code: text in, fields
and results out. The format is described in include/kernel/report/summary.h.

Pure apart from main()'s printing. A summary knows the counts, the verdict
and which tests failed, not which passed or skipped, so compare() holds it
against expectations as far as that goes.
"""

import hashlib
import json
import re

import expect
import ktap

VERSION = 1
KEYS = ("R", "N", "F", "C", "X", "H", "M")
CET_BITS = ("shstk", "ibt", "cet_sss", "xsaves", "xss_cet_u", "xss_cet_s")
COUNTS = ("planned", "passed", "skipped", "failed", "errors")

_MAGIC = re.compile(r"CETBED(\d+)$")
_ITEM = re.compile(r"(\d+)(?:-(\d+))?(e?)$")
_HEX = re.compile(r"[0-9a-f]+$")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


class SummaryError(ValueError):
    """The text is not a summary this decoder understands."""


def _unescape(text, what):
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        raise SummaryError("%s: bad %%-escape in %r" % (what, text))
    raw = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return raw.encode("latin-1").decode("utf-8", "replace")


def _number(text, what, base=10):
    if not text or (base == 10 and not text.isdigit()) or \
            (base == 16 and not _HEX.match(text)):
        raise SummaryError("%s: %r is not a number" % (what, text))
    return int(text, base)


def _failing(text):
    """F's value -> ([(number, 'FAIL'|'ERROR')], truncated)."""
    truncated = text.endswith("+")
    if truncated:
        text = text[:-1]
    out = []
    for item in text.split(",") if text else ():
        m = _ITEM.match(item)
        if not m:
            raise SummaryError("F: bad entry %r" % item)
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        if last < first:
            raise SummaryError("F: backwards range %r" % item)
        outcome = ktap.ERROR if m.group(3) else ktap.FAIL
        out.extend((n, outcome) for n in range(first, last + 1))
    numbers = [n for n, _ in out]
    if numbers != sorted(set(numbers)):
        raise SummaryError("F: numbers not ascending: %s" % text)
    return out, truncated


def decode(text):
    """A summary line -> dict; raises SummaryError."""
    text = text.strip()
    if not text.isascii():
        raise SummaryError("a summary is ASCII; this text is not")
    parts = text.split(";")
    m = _MAGIC.match(parts[0])
    if not m:
        raise SummaryError("not a cetbed summary (no CETBED prefix): %r"
                           % text[:40])
    if int(m.group(1)) != VERSION:
        raise SummaryError("summary format %s; this decoder reads %d"
                           % (m.group(1), VERSION))
    fields, extra = {}, {}
    for part in parts[1:]:
        key, eq, value = part.partition("=")
        if not eq:
            raise SummaryError("field without '=': %r" % part)
        if key in fields:
            raise SummaryError("field %s twice" % key)
        (fields if key in KEYS else extra)[key] = value
    absent = [k for k in KEYS if k not in fields]
    if absent:
        raise SummaryError("missing fields: %s" % ", ".join(absent))

    d = {"version": VERSION, "verdict": fields["R"]}
    if d["verdict"] not in ktap.VERDICTS:
        raise SummaryError("R: unknown verdict %r" % d["verdict"])
    counts = fields["N"].split(",")
    if len(counts) != len(COUNTS):
        raise SummaryError("N: %d counts, want %d"
                           % (len(counts), len(COUNTS)))
    for name, value in zip(COUNTS, counts):
        d[name] = _number(value, "N " + name)
    d["failing"], d["failing_truncated"] = _failing(fields["F"])
    cpu = fields["C"].split(",")
    if len(cpu) != 5:
        raise SummaryError("C: %d parts, want 5" % len(cpu))
    d["cpu"] = {"vendor": _unescape(cpu[0], "C vendor")}
    for name, value in zip(("family", "model", "stepping", "microcode"),
                           cpu[1:]):
        d["cpu"][name] = _number(value, "C " + name, 16)
    bits = fields["X"]
    if len(bits) != len(CET_BITS) or set(bits) - set("01"):
        raise SummaryError("X: want %d digits 0 or 1, got %r"
                           % (len(CET_BITS), bits))
    d["cet"] = {name: int(b) for name, b in zip(CET_BITS, bits)}
    if len(fields["H"]) != 16 or not _HEX.match(fields["H"]):
        raise SummaryError("H: want 16 hex digits, got %r" % fields["H"])
    d["log_hash"] = fields["H"]
    d["machine"] = _unescape(fields["M"], "M")
    d["bench"] = _bench(extra.pop("B")) if "B" in extra else {}
    d["extra"] = extra
    return d


def _bench(text):
    """B's value -> {key: median cycles}, in the order given."""
    out = {}
    for item in text.split(",") if text else ():
        key, colon, value = item.partition(":")
        if not colon or not re.match(r"[a-z0-9]+$", key) or key in out:
            raise SummaryError("B: bad entry %r" % item)
        out[key] = _number(value, "B " + key)
    return out


def problems(d):
    """What does not add up within one summary."""
    out = []
    done = d["passed"] + d["skipped"] + d["failed"] + d["errors"]
    if done != d["planned"]:
        out.append("%d of %d planned tests reported: the run stopped early"
                   % (done, d["planned"]))
    listed = len(d["failing"])
    bad = d["failed"] + d["errors"]
    if listed > bad or (listed < bad and not d["failing_truncated"]):
        out.append("%d failing tests listed, counts say %d" % (listed, bad))
    outcomes = ([ktap.PASS] * d["passed"] + [ktap.SKIP] * d["skipped"]
                + [ktap.FAIL] * d["failed"] + [ktap.ERROR] * d["errors"])
    allowed = ktap.allowed_verdicts(outcomes)
    # Boot errors make ERROR without any test erroring.
    if d["verdict"] not in allowed and d["verdict"] != "ERROR":
        out.append("verdict %s inconsistent with the counts (expected %s)"
                   % (d["verdict"], " or ".join(sorted(allowed))))
    return out


def _name(number, names):
    return (names or {}).get(number) or "(test %d)" % number


def to_result(d, names=None):
    """The summary as a finished ktap.Result: plan, verdict, fingerprint and
    the failing tests; names maps test numbers to names (e.g. from a log of
    the same build), else a failing test is called '(test N)'."""
    r = ktap.Result(version=1, plan=d["planned"], verdict=d["verdict"])
    cpu = d["cpu"]
    r.fingerprint = {
        "cpu": {"vendor": cpu["vendor"], "family": "0x%x" % cpu["family"],
                "model": "0x%x" % cpu["model"],
                "stepping": "0x%x" % cpu["stepping"],
                "microcode": "0x%x" % cpu["microcode"]},
        "cet": {k: str(v) for k, v in d["cet"].items()},
    }
    r.tests = [ktap.TestResult(n, _name(n, names), outcome,
                               "reported by the summary")
               for n, outcome in d["failing"]]
    r.errors = problems(d)
    r.finished = True
    return r


def compare(d, expectations, names=None):
    """An expect.Comparison of what a summary can tell: each failing test
    against its expectation (by name, given names), the number of skips,
    expected failures that did not fail, and the verdict."""
    result = to_result(d, names)
    cmp = expect.Comparison()
    cmp.checks = [expect.check_test(t, expectations) for t in result.tests]
    cmp.problems.extend("summary: " + p for p in result.errors)
    # The summary counts top-level tests only: KTAP subtests ("PARENT.case",
    # a Linux selftest's cases) are judged from serial logs, not from here.
    want = [e for e in expectations.values()
            if not ktap.is_subtest_name(e.name)]
    skips = sum(1 for e in want if e.outcome == ktap.SKIP)
    if d["skipped"] != skips:
        cmp.problems.append("%d tests skipped; the expectations list %d SKIP"
                            % (d["skipped"], skips))
    if names and not d["failing_truncated"]:
        failing = {t.name for t in result.tests}
        for e in want:
            if e.outcome == ktap.FAIL and e.name not in failing:
                cmp.problems.append(
                    "stale expectation: FAIL %s (line %d) is not among the "
                    "failing tests" % (e.name, e.line))
    outcomes = [e.outcome for e in want]
    outcomes += [ktap.PASS] * max(0, d["planned"] - len(want))
    cmp.expected_verdicts = ktap.allowed_verdicts(outcomes)
    if not cmp.mismatches and d["verdict"] not in cmp.expected_verdicts:
        cmp.problems.append("verdict %s, expected %s" % (
            d["verdict"], " or ".join(sorted(cmp.expected_verdicts))))
    return cmp


def verdict_lines(platform, d, cmp):
    """Closing lines like report.summary()'s, from a summary's counts."""
    lines = ["  mismatch: %d %s: %s" % (c.test.number, c.test.name, c.note)
             for c in cmp.mismatches]
    lines.extend("  mismatch: " + p for p in cmp.problems)
    lines.append("%s: %s (from the summary: %d passed, %d skipped, %d failed, "
                 "%d errors; verdict %s)"
                 % (platform, "MATCH" if cmp.matched else "MISMATCH",
                    d["passed"], d["skipped"], d["failed"], d["errors"],
                    d["verdict"]))
    return lines


def kernel_output(log):
    """The bytes the kernel hashed, out of a raw serial log (bytes): from
    the newline before the last 'KTAP version 1' through the verdict line,
    without the CR the serial driver puts before each LF. None if the log
    has no KTAP header."""
    data = log.replace(b"\r\n", b"\n")
    start = data.rfind(b"\nKTAP version 1\n")
    if start < 0:
        return None
    end = data.find(b"\nTest result: ", start)
    if end >= 0:
        end = data.find(b"\n", end + 1)
    return data[start:] if end < 0 else data[start:end + 1]


def log_hash(log):
    """H of a serial log (bytes), or None without a KTAP header."""
    out = kernel_output(log)
    return None if out is None else hashlib.sha256(out).hexdigest()[:16]


# The kernel's UEFI variables (include/kernel/report/efivars.h): Linux shows each
# as a file in /sys/firmware/efi/efivars whose first 4 bytes are the
# attributes, little-endian, then the data.
EFIVAR_ATTRS = {1: "NON_VOLATILE", 2: "BOOTSERVICE_ACCESS",
                4: "RUNTIME_ACCESS"}
_PROGRESS = re.compile(
    r"run=([0-9a-f]+) (?:test=([1-9]\d*) (\S+)|(done)|boot (\S+))$")


def read_efivar(data):
    """Bytes of an efivars file -> (attributes, ASCII text)."""
    if len(data) < 4:
        raise SummaryError("%d bytes: an efivars file starts with 4 bytes "
                           "of attributes" % len(data))
    attrs = int.from_bytes(data[:4], "little")
    if attrs & ~0x7f or not attrs & 4:
        raise SummaryError("attributes 0x%x: not a runtime variable as "
                           "efivars shows one (is this the raw file?)"
                           % attrs)
    try:
        text = data[4:].decode("ascii")
    except UnicodeDecodeError:
        raise SummaryError("the data is not ASCII text") from None
    return attrs, text


def attr_names(attrs):
    names = [n for bit, n in EFIVAR_ATTRS.items() if attrs & bit]
    extra = attrs & ~sum(EFIVAR_ATTRS)
    if extra:
        names.append("0x%x" % extra)
    return "|".join(names) or "none"


def decode_progress(text):
    """A CetbedProgress record -> {'run', 'test', 'name', 'done'}; raises
    SummaryError."""
    m = _PROGRESS.match(text.strip())
    if not m:
        raise SummaryError("not a cetbed progress record: %r" % text[:60])
    return {"run": m.group(1), "done": bool(m.group(4)),
            "test": int(m.group(2)) if m.group(2) else None,
            "name": m.group(3), "boot": m.group(5)}


def describe_progress(p):
    if p["done"]:
        return ["run %s finished; its results are in CetbedSummary"
                % p["run"]]
    if p.get("boot"):
        return ["run %s stopped during start-up, in step '%s', before any "
                "test ran (a reset, hang or power loss)" % (p["run"], p["boot"])]
    return ["run %s stopped in test %d %s: it started and the run stored no "
            "summary after it (a reset, hang or power loss)"
            % (p["run"], p["test"], p["name"])]


def describe(d, names=None):
    """Lines for a person."""
    lines = ["summary format %d: %s" % (d["version"], d["verdict"]),
             "  tests: %d planned, %d passed, %d skipped, %d failed, "
             "%d errors" % tuple(d[c] for c in COUNTS)]
    for n, outcome in d["failing"]:
        lines.append("  %-5s %d %s" % (outcome, n, _name(n, names)))
    if d["failing_truncated"]:
        lines.append("  ... more failing tests than the summary lists")
    cpu = d["cpu"]
    lines.append("  cpu: vendor=%s family=0x%x model=0x%x stepping=0x%x "
                 "microcode=0x%x" % (cpu["vendor"], cpu["family"],
                                     cpu["model"], cpu["stepping"],
                                     cpu["microcode"]))
    lines.append("  cet: " + " ".join("%s=%d" % kv for kv in d["cet"].items()))
    lines.append("  machine: %s" % (d["machine"] or "(not given)"))
    lines.append("  log hash: %s" % d["log_hash"])
    if d.get("bench"):
        lines.append("  bench medians (TSC cycles): " + " ".join(
            "%s=%d" % kv for kv in d["bench"].items()))
    lines.extend("  warning: " + p for p in problems(d))
    return lines


def to_json(d):
    return json.dumps(d, indent=2, sort_keys=True)
