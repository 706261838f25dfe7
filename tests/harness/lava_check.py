#!/usr/bin/env python3
"""Validates the LAVA job definitions in lava/ with the job schema of
Debian's LAVA packages (lava-common: lava_common.schemas.validate, the
check lava-server runs on submission), shows the validator rejects a broken
job, and reads a saved serial log with each job's test monitor the way
LAVA's dispatcher does: between `start` and `end`, every `pattern` match
is a test case whose result goes through `fixupdict`.

usage: lava_check.py [--log build/results/qemu-bios.log]   exit 0 when valid
"""

import argparse
import copy
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
LAVA_DIR = os.path.join(ROOT, "lava")
# Debian installs lava-common for its own python3, not for a virtualenv's.
DIST = "/usr/lib/python3/dist-packages"
_RESULT = re.compile(r"^(not ok|ok) \d+ (\S+)(.*)$")


def load_lava():
    if DIST not in sys.path:
        sys.path.append(DIST)
    try:
        import yaml
        from lava_common.schemas import validate
    except ImportError as e:
        return None, None, "%s: apt-get install lava-common python3-yaml" % e
    return yaml, validate, None


def monitor_cases(monitor, text):
    """(test_case_id, result) as LAVA's monitor action would record them,
    or raise ValueError when start or end never comes."""
    start = re.search(monitor["start"], text)
    if not start:
        raise ValueError("start %r not in the log" % monitor["start"])
    end = re.compile(monitor["end"]).search(text, start.end())
    if not end:
        raise ValueError("end %r not in the log" % monitor["end"])
    fix = monitor.get("fixupdict", {})
    cases = []
    for m in re.compile(monitor["pattern"]).finditer(text, start.end(),
                                                     end.start()):
        d = m.groupdict()
        result = fix.get(d["result"], d["result"])
        if result not in ("pass", "fail", "skip", "unknown"):
            raise ValueError("result %r is no LAVA result" % d["result"])
        cases.append((d["test_case_id"], result))
    return cases


def log_cases(text):
    """What the monitor should find, from the KTAP lines themselves: every
    result but the skips, 'ok' a pass and 'not ok' a failure."""
    out = []
    for line in text.replace("\r", "").split("\n"):
        m = _RESULT.match(line)
        if m and "# SKIP" not in m.group(3):
            out.append((m.group(2), "pass" if m.group(1) == "ok" else "fail"))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", default=os.path.join(
        ROOT, "build", "results", "qemu-bios.log"),
        help="a serial log to read with the monitors")
    args = ap.parse_args(argv)
    yaml, validate, err = load_lava()
    if err:
        print("lava_check: " + err, file=sys.stderr)
        return 2
    jobs = sorted(glob.glob(os.path.join(LAVA_DIR, "*.yaml")))
    if not jobs:
        print("lava_check: no job definitions in %s" % LAVA_DIR,
              file=sys.stderr)
        return 2
    try:
        with open(args.log, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        print("lava_check: %s: %s (run make test or make run "
              "PLATFORM=qemu-bios first)" % (args.log, e.strerror),
              file=sys.stderr)
        return 2
    want = log_cases(text)
    bad, checks = [], 0
    for path in jobs:
        name = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            job = yaml.safe_load(f)
        checks += 1
        try:
            validate(job, strict=True)
            print("  valid    %s (device type %s)" % (name,
                                                      job["device_type"]))
        except Exception as e:      # voluptuous.Invalid and friends
            bad.append("%s: the LAVA schema rejects it: %s" % (name, e))
            continue
        # The validator is live: the same job with a misspelt key fails.
        broken = copy.deepcopy(job)
        broken["actions"][-1]["test"]["monitors"][0]["patern"] = \
            broken["actions"][-1]["test"]["monitors"][0].pop("pattern")
        checks += 1
        try:
            validate(broken, strict=True)
            bad.append("%s: a job with 'patern' for 'pattern' validates: "
                       "the validator checks nothing" % name)
        except Exception:
            pass
        for action in job["actions"]:
            for mon in action.get("test", {}).get("monitors", []):
                checks += 1
                try:
                    got = monitor_cases(mon, text)
                except (ValueError, re.error, KeyError) as e:
                    bad.append("%s: monitor %s: %s" % (name, mon["name"], e))
                    continue
                if got != want:
                    diff = [(g, w) for g, w in zip(got, want) if g != w]
                    bad.append("%s: monitor %s finds %d cases, the log has "
                               "%d results that are no skips%s" % (
                                   name, mon["name"], len(got), len(want),
                                   "; first difference: %s, log %s" % diff[0]
                                   if diff else ""))
                else:
                    print("  reads    %s: %d test cases (%d pass, %d fail) "
                          "from %s" % (name, len(got), sum(
                              1 for _, r in got if r == "pass"), sum(
                              1 for _, r in got if r == "fail"),
                              os.path.relpath(args.log, ROOT)))
    for b in bad:
        print("  WRONG " + b)
    print("lava: %d passed, %d failed" % (checks - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
