#!/usr/bin/env python3
"""Runs lava/cetbed-qemu.yaml on this machine with Debian's lava-run (the
LAVA dispatcher without a server) and the device dictionary in
lava/devices/qemu-local.yaml, booting build/cetbed.iso; then checks that
the test cases LAVA recorded are the KTAP results of the serial output it
logged (skips left out, as the job's monitor says).

lava-dispatcher keeps its files in /var/lib/lava/dispatcher, so this runs
as root.  usage: lava_run.py      exit 0 when LAVA's cases match the log
"""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lava_check       # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "lava")


def give_back(path):
    """Under sudo, what this wrote in build/ goes back to the user, so their
    later builds can replace it."""
    uid, gid = os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if not uid or not gid:
        return
    for top, dirs, files in os.walk(path):
        for name in [top] + [os.path.join(top, n) for n in dirs + files]:
            os.lchown(name, int(uid), int(gid))


def main():
    iso = os.path.join(ROOT, "build", "cetbed.iso")
    if not os.path.isfile(iso):
        print("lava_run: %s not found: run make" % iso, file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("lava_run: lava-run keeps its files in /var/lib/lava: run "
              "as root", file=sys.stderr)
        return 2
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(ROOT, "lava", "cetbed-qemu.yaml")) as f:
        job = re.sub(r"url: \S+cetbed\.iso", "url: file://" + iso, f.read())
    job_path = os.path.join(OUT, "cetbed-qemu-local.yaml")
    with open(job_path, "w") as f:
        f.write(job)
    argv = ["lava-run", "--job-id", "1", "--output-dir",
            os.path.join(OUT, "out"), "--device",
            os.path.join(ROOT, "lava", "devices", "qemu-local.yaml"),
            job_path]
    print("lava_run: " + " ".join(argv))
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              errors="replace", timeout=600)
    except FileNotFoundError:
        print("lava_run: lava-run not found: apt-get install "
              "lava-dispatcher", file=sys.stderr)
        return 2
    log_path = os.path.join(OUT, "lava-run.log")
    with open(log_path, "w") as f:
        f.write(done.stdout)
    give_back(OUT)
    cases, target, job_result = [], [], None
    for line in done.stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        msg = rec.get("msg")
        if rec.get("lvl") == "target" and isinstance(msg, str):
            target.append(msg)
        elif rec.get("lvl") == "results" and isinstance(msg, dict):
            if msg.get("definition") == "cetbed":
                cases.append((msg["extra"]["test_case_id"], msg["result"]))
            elif msg.get("case") == "job":
                job_result = msg.get("result")
    want = lava_check.log_cases("\n".join(target))
    print("lava_run: job %s, %d test cases (%d pass, %d fail); the serial "
          "output LAVA logged has %d results that are no skips; log %s" % (
              job_result, len(cases), sum(1 for _, r in cases if r == "pass"),
              sum(1 for _, r in cases if r == "fail"), len(want),
              os.path.relpath(log_path, ROOT)))
    ok = done.returncode == 0 and job_result == "pass" and cases and \
        cases == want
    print("lava-run: %d passed, %d failed" % (int(ok), int(not ok)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
