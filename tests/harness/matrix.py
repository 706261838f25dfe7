"""Runs platform runs and end-to-end checks side by side, no more
CPU-bound ones at a time than there are cores, the longest first.

Every job is a process of its own (a 'cetbed.py run PLATFORM', or a check
command) with its whole output in build/results/<job>.out, so Ctrl-C
reaches each one and each ends its own emulators.  The screen shows one
line per job: on a terminal it is redrawn in place with the test running
now; otherwise a line is printed when a job starts and when it ends.
"""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import ktap

# Seconds a job with no recorded duration is assumed to take: unknown
# jobs start early rather than last.
UNKNOWN_COST = 30.0
TICK = 0.2


@dataclass
class Job:
    name: str
    argv: list
    weight: int = 1             # cores it keeps busy (0: mostly sleeps)
    serial_log: str = None      # a platform run's KTAP log, for progress
    out_path: str = None
    proc: subprocess.Popen = None
    started: float = None
    seconds: float = None
    status: int = None
    cpu: float = None           # user + system seconds, descendants included
    _out: object = None
    _tail: object = field(default=None, repr=False)

    def start(self, results, cwd):
        self.out_path = os.path.join(results, self.name + ".out")
        if self.serial_log and os.path.exists(self.serial_log):
            os.unlink(self.serial_log)
        self._out = open(self.out_path, "wb")
        self.started = time.monotonic()
        try:
            self.proc = subprocess.Popen(self.argv, cwd=cwd, stdout=self._out,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        except OSError as e:
            # A command that cannot start is that job's failure, not the
            # end of the others.
            self._out.write(("cannot start %s: %s\n" % (
                self.argv[0], e)).encode())
            self._out.close()
            self.status, self.seconds = 127, 0.0
            self.proc = _Gone()
            return
        if self.serial_log:
            self._tail = _Progress(self.serial_log)

    def poll(self):
        if self.proc is None or self.status is not None:
            return self.status
        # wait4 also gives the CPU time of the job and of every process it
        # waited for (its emulators).
        try:
            pid, wstatus, usage = os.wait4(self.proc.pid, os.WNOHANG)
        except ChildProcessError:
            pid, wstatus, usage = self.proc.pid, None, None
        if pid:
            if wstatus is None:
                status = self.proc.wait()
            else:
                status = os.waitstatus_to_exitcode(wstatus)
                self.proc.returncode = status
            self.status = status
            self.seconds = time.monotonic() - self.started
            if usage:
                self.cpu = usage.ru_utime + usage.ru_stime
            self._out.close()
        return self.status

    def progress(self):
        """What the job is doing now, in a few words."""
        if self._tail:
            return self._tail.update()
        return _last_line(self.out_path)


class _Gone:
    """Stands for a process that never started."""

    def poll(self):
        return 127


class _Progress:
    """Follows a serial log as it grows: tests done of the plan and the
    one running now."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.buf = b""
        self.parser = ktap.Parser()
        self.plan = None
        self.done = 0
        self.current = None

    def update(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return "starting"
        self.pos += len(data)
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            for ev in self.parser.feed(line.decode("utf-8", "replace")):
                if ev.kind == "plan":
                    self.plan = ev.value
                elif ev.kind == "start":
                    self.current = ev.value[1]
                elif ev.kind == "result":
                    self.done += 1
                elif ev.kind == "verdict":
                    self.current = "verdict " + ev.value
        if self.plan is None:
            return "firmware and boot loader" if self.pos == 0 else "booting"
        return "%d/%d %s" % (self.done, self.plan, self.current or "")


def _last_line(path, limit=4096):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - limit))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [ktap.strip_escapes(s).strip() for s in text.splitlines()]
    lines = [s for s in lines if s]
    return lines[-1] if lines else ""


def load_costs(path):
    try:
        with open(path) as f:
            costs = json.load(f)
        return {k: float(v) for k, v in costs.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def save_costs(path, jobs, old):
    costs = dict(old)
    for j in jobs:
        if j.status == 0 and j.seconds is not None:
            costs[j.name] = round(j.seconds, 2)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(costs, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def order(jobs, costs):
    """Longest first (by the last successful run), so the long chains do
    not start last; ties keep the given order."""
    return sorted(jobs, key=lambda j: -costs.get(j.name, UNKNOWN_COST))


class Screen:
    """One line per job: redrawn in place on a terminal, else a line at
    each start and end."""

    def __init__(self, jobs, out, tty):
        self.jobs = jobs
        self.out = out
        self.tty = tty
        self.drawn = 0
        self.width = max(len(j.name) for j in jobs) if jobs else 8

    def line(self, j):
        if j.started is None:
            state = "waiting"
        elif j.status is None:
            state = "%5.1f s  %s" % (time.monotonic() - j.started,
                                     j.progress())
        else:
            state = "%5.1f s  %s%s" % (j.seconds, _cpu(j), describe(j))
        return "  %-*s %s" % (self.width, j.name, state)

    def draw(self):
        if not self.tty:
            return
        try:
            cols = os.get_terminal_size(self.out.fileno()).columns
        except OSError:
            cols = 0
        # A pseudo-terminal may not know its width.
        cols = cols if cols >= 20 else 100
        text = "\x1b[%dA" % self.drawn if self.drawn else ""
        for j in self.jobs:
            text += "\r" + self.line(j)[:cols - 1] + "\x1b[K\n"
        self.drawn = len(self.jobs)
        self.out.write(text)
        self.out.flush()

    def event(self, j):
        if self.tty:
            return
        if j.status is None:
            self.out.write("  %-*s started\n" % (self.width, j.name))
        else:
            self.out.write(self.line(j) + "\n")
        self.out.flush()


def _cpu(j):
    return "" if j.cpu is None else "(CPU %5.1f s)  " % j.cpu


def describe(j):
    if j.status == 0:
        return "ok" + _outcome(j)
    if j.status is not None and j.status < 0:
        return "killed by signal %d" % -j.status
    return "FAILED (exit status %s)%s" % (j.status, _outcome(j))


def _outcome(j):
    """A platform run's own one-line judgement, e.g. 'MATCH (110 passed,
    ...)', when its output has one."""
    if j.out_path is None:
        return ""
    try:
        with open(j.out_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    for s in reversed(text.splitlines()):
        if s.startswith(j.name + ": MATCH") or \
                s.startswith(j.name + ": MISMATCH"):
            return ": " + s[len(j.name) + 2:]
    return ""


def run(jobs, results, cwd, cores, out=None, tty=None):
    """Runs every job; returns the exit status (0 all succeeded, 130
    interrupted, 1 otherwise)."""
    out = out or sys.stdout
    tty = out.isatty() if tty is None else tty
    os.makedirs(results, exist_ok=True)
    costs_path = os.path.join(results, "matrix-times.json")
    costs = load_costs(costs_path)
    pending = order(jobs, costs)
    screen = Screen(jobs, out, tty)
    out.write("%d jobs, at most %d CPU-bound at a time; output in %s/"
              "<job>.out\n" % (len(jobs), cores, results))
    interrupted = False
    t0 = time.monotonic()
    try:
        while pending or any(j.status is None and j.proc for j in jobs):
            busy = sum(j.weight for j in jobs
                       if j.proc and j.status is None)
            for j in list(pending):
                if busy + j.weight <= cores or busy == 0:
                    pending.remove(j)
                    j.start(results, cwd)
                    busy += j.weight
                    screen.event(j)
            for j in jobs:
                if j.proc and j.status is None and j.poll() is not None:
                    screen.event(j)
            screen.draw()
            time.sleep(TICK)
    except KeyboardInterrupt:
        # From a terminal every job got the SIGINT too and ends its own
        # emulators; a job that did not (only this process was signalled)
        # gets one after a moment, and is killed only if it ignores that.
        interrupted = True
        _stop(jobs)
    screen.draw()
    wall = time.monotonic() - t0
    if not interrupted:
        save_costs(costs_path, jobs, costs)
    bad = [j for j in jobs if j.status != 0]
    for j in bad:
        if j.out_path is None:
            continue
        out.write("\n==== %s (%s) ====\n" % (j.name, j.out_path))
        with open(j.out_path, "rb") as f:
            out.write(f.read().decode("utf-8", "replace"))
    out.write("\nall jobs:\n")
    for j in jobs:
        out.write("  %-*s %s\n" % (screen.width, j.name,
                                   "not run" if j.status is None and
                                   j.seconds is None else
                                   "%5.1f s  %s%s" % (j.seconds or 0,
                                                      _cpu(j), describe(j))))
    cpu = sum(j.cpu or 0 for j in jobs)
    out.write("jobs: %d passed, %d failed, %.1f s; CPU %.1f s in all, so at "
              "least %.1f s on %d cores\n" % (
                  len(jobs) - len(bad), len(bad), wall, cpu,
                  max([cpu / cores] + [j.cpu or 0 for j in jobs]), cores))
    out.flush()
    if interrupted:
        return 130
    return 0 if not bad else 1


def _stop(jobs, grace=3.0, patience=15.0):
    running = [j for j in jobs if j.proc and j.status is None]
    for sig, wait in ((None, grace), (signal.SIGINT, patience),
                      (signal.SIGKILL, 5.0)):
        end = time.monotonic() + wait
        for j in running:
            if sig is not None and j.poll() is None:
                j.proc.send_signal(sig)
        while time.monotonic() < end and any(j.poll() is None
                                             for j in running):
            time.sleep(0.05)
        running = [j for j in running if j.status is None]
        if not running:
            return


def platform_job(name, harness, passthrough, results):
    return Job(name, [sys.executable, harness, "run", name] + passthrough,
               serial_log=os.path.join(results, name + ".log"))


def command_job(name, command, weight=1):
    return Job(name, shlex.split(command), weight=weight)
