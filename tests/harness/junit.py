"""JUnit XML for one platform run, so CI dashboards can show it.

Testcases carry the comparison, not only the raw outcome: a known
divergence listed in the expectation file is reported as skipped with its
reason, and a stale expectation is a failure.
"""

import re
import xml.etree.ElementTree as ET

import ktap

# XML 1.0 cannot carry most control characters, and a serial log can.
_BAD_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value):
    return _BAD_XML.sub("?", value) if value else value


def _text(lines):
    return _clean("\n".join(lines)) or None


def _sub(parent, tag, **attrs):
    return ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})


def _case(suite, platform, name):
    return _sub(suite, "testcase", classname="cetbed." + platform, name=name)


def _not_run(suite, platform, result, cmp, names):
    """A crashed run still lists every planned test, so CI history keeps
    them: the test that was running is the error, the rest are skipped.
    names: the planned tests in order (from the kernel image), or None.
    Returns (errors, skipped, testcases added, crash carried)."""
    plan = result.plan if result.plan is not None else \
        (len(names) if names is not None else 0)
    if names is not None and (len(names) != plan or any(
            t.number > len(names) or names[t.number - 1] != t.name
            for t in result.tests)):
        names = None            # another build's list would misname them
    seen = {t.number for t in result.tests}
    last = result.last_started
    if last is not None and last[0] in seen:
        last = None             # it reported; the run stopped after it
    where = "in test %d %s" % last if last else (
        "before its plan" if result.plan is None else
        "after test %d" % max(seen) if seen else "before test 1")
    errors = skipped = added = 0
    carried = False
    for n in range(1, plan + 1):
        if n in seen:
            continue
        name = names[n - 1] if names else (
            last[1] if last and last[0] == n and last[1] else "test_%d" % n)
        case = _case(suite, platform, name)
        added += 1
        if last and last[0] == n:
            errors += 1
            carried = True
            _sub(case, "error", message=cmp.crash,
                 type="CRASH").text = _text(result.unreported)
        else:
            skipped += 1
            _sub(case, "skipped", message="not run: the run stopped " + where)
    return errors, skipped, added, carried


def build(platform, result, cmp, seconds=0.0, cmdline=None, log_path=None,
          names=None):
    """Return an ElementTree for this run.  names: the tests the plan
    promises, in order, to name those a crash left unreported."""
    root = ET.Element("testsuites")
    suite = _sub(root, "testsuite", name="cetbed." + platform)
    props = _sub(suite, "properties")
    if cmdline is None:
        cmdline = "(default)"
    for key, value in (("platform", platform), ("cmdline", cmdline),
                       ("verdict", result.verdict or "none"),
                       ("log", log_path or "")):
        _sub(props, "property", name=key, value=value)
    for group, values in sorted(result.fingerprint.items()):
        for key, value in sorted(values.items()):
            _sub(props, "property", name="%s.%s" % (group, key), value=value)

    failures = errors = skipped = 0
    for c in cmp.checks:
        t = c.test
        case = _case(suite, platform, t.name)
        detail = _text(t.diagnostics)
        if c.ok and c.expected == ktap.PASS:
            continue
        if c.ok:
            skipped += 1
            msg = t.reason if t.outcome == ktap.SKIP else \
                "known divergence: %s (%s)" % (c.reason, t.outcome)
            _sub(case, "skipped", message=msg).text = detail
        elif t.outcome in (ktap.ERROR, ktap.TIMEOUT):
            errors += 1
            _sub(case, "error", message=c.note, type=t.outcome).text = detail
        else:
            failures += 1
            _sub(case, "failure", message=c.note,
                 type=t.outcome).text = detail

    extra = 0
    if cmp.crash:
        e, sk, extra, carried = _not_run(suite, platform, result, cmp, names)
        errors += e
        skipped += sk
        if not carried:
            # No planned test was running: the run itself is the error.
            errors += 1
            extra += 1
            case = _case(suite, platform, "CRASH")
            _sub(case, "error", message=cmp.crash,
                 type="CRASH").text = _text(result.diagnostics)
    if cmp.problems:
        failures += 1
        case = _case(suite, platform, "run")
        _sub(case, "failure", message=cmp.problems[0],
             type="MISMATCH").text = _text(cmp.problems)

    tests = len(cmp.checks) + extra + (1 if cmp.problems else 0)
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", "%.3f" % seconds)
    ET.indent(root)
    return ET.ElementTree(root)


def write(path, tree):
    tree.write(path, encoding="utf-8", xml_declaration=True)
