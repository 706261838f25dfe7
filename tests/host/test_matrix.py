"""The job scheduler behind make test: the core bound, longest-first
order, per-job output files and the final judgement, with small Python
jobs that record when they ran."""

import io
import json
import os
import sys
import tempfile
import unittest

import support
import matrix

# Appends "start END" lines with times to a shared file, sleeps, exits.
JOB = ("import sys, time\n"
       "f = open(sys.argv[1], 'a'); f.write('%s start %.4f\\n' % "
       "(sys.argv[2], time.time())); f.flush()\n"
       "time.sleep(float(sys.argv[3]))\n"
       "print('job ' + sys.argv[2] + ' said this')\n"
       "f.write('%s end %.4f\\n' % (sys.argv[2], time.time())); f.close()\n"
       "sys.exit(int(sys.argv[4]))\n")


class Scheduler(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.results = os.path.join(self.tmp, "results")
        self.trace = os.path.join(self.tmp, "trace")
        self.script = support.write(os.path.join(self.tmp, "job.py"), JOB)
        old, matrix.TICK = matrix.TICK, 0.02
        self.addCleanup(setattr, matrix, "TICK", old)

    def job(self, name, seconds=0.3, status=0, weight=1):
        return matrix.Job(name, [sys.executable, self.script, self.trace,
                                 name, str(seconds), str(status)],
                          weight=weight)

    def run_jobs(self, jobs, cores):
        out = io.StringIO()
        status = matrix.run(jobs, self.results, self.tmp, cores, out,
                            tty=False)
        return status, out.getvalue()

    def intervals(self):
        times = {}
        for line in support.read(self.trace).splitlines():
            name, what, t = line.split()
            times.setdefault(name, {})[what] = float(t)
        return times

    def most_at_once(self, skip=()):
        events = []
        for name, t in self.intervals().items():
            if name not in skip:
                events += [(t["start"], 1), (t["end"], -1)]
        now = most = 0
        for _, d in sorted(events):
            now += d
            most = max(most, now)
        return most

    def test_never_more_than_the_bound(self):
        jobs = [self.job("j%d" % i) for i in range(5)]
        status, out = self.run_jobs(jobs, 2)
        self.assertEqual(status, 0, out)
        self.assertEqual(self.most_at_once(), 2)
        self.assertIn("jobs: 5 passed, 0 failed", out)

    def test_one_core_runs_one_at_a_time(self):
        status, out = self.run_jobs([self.job("a"), self.job("b")], 1)
        self.assertEqual(status, 0, out)
        self.assertEqual(self.most_at_once(), 1)

    def test_light_jobs_take_no_core(self):
        jobs = [self.job("a"), self.job("b"),
                self.job("sleepy", 0.6, weight=0)]
        status, out = self.run_jobs(jobs, 1)
        self.assertEqual(status, 0, out)
        t = self.intervals()
        self.assertLess(t["sleepy"]["start"], t["a"]["end"])
        self.assertEqual(self.most_at_once(skip=("sleepy",)), 1)

    def test_longest_recorded_job_starts_first(self):
        os.makedirs(self.results)
        support.write(os.path.join(self.results, "matrix-times.json"),
                      json.dumps({"short": 1.0, "long": 50.0}))
        jobs = [self.job("short", 0.1), self.job("long", 0.1)]
        status, out = self.run_jobs(jobs, 1)
        self.assertEqual(status, 0, out)
        t = self.intervals()
        self.assertLess(t["long"]["start"], t["short"]["start"])
        with open(os.path.join(self.results, "matrix-times.json")) as f:
            costs = json.load(f)
        self.assertLess(costs["long"], 5.0)   # replaced by the new time

    def test_a_failing_job_fails_the_run_and_shows_its_output(self):
        jobs = [self.job("good"), self.job("bad", 0.1, status=3)]
        status, out = self.run_jobs(jobs, 2)
        self.assertEqual(status, 1)
        self.assertIn("bad", out)
        self.assertIn("FAILED (exit status 3)", out)
        self.assertIn("==== bad (", out)
        self.assertIn("job bad said this", out)
        self.assertNotIn("job good said this", out)
        self.assertIn("jobs: 1 passed, 1 failed", out)
        self.assertIn("job good said this", support.read(
            os.path.join(self.results, "good.out")))

    def test_a_command_that_cannot_start_fails_alone(self):
        jobs = [matrix.Job("ghost", ["/nonexistent/cetbed-tool"]),
                self.job("good", 0.1)]
        status, out = self.run_jobs(jobs, 1)
        self.assertEqual(status, 1)
        self.assertIn("cannot start /nonexistent/cetbed-tool", out)
        self.assertIn("jobs: 1 passed, 1 failed", out)

    def test_every_job_has_its_own_line(self):
        jobs = [self.job("a", 0.1), self.job("b", 0.1)]
        status, out = self.run_jobs(jobs, 2)
        lines = out.splitlines()
        for name in ("a", "b"):
            self.assertTrue(any(s.split()[:2] == [name, "started"]
                                for s in lines), out)

    def test_progress_follows_the_serial_log(self):
        log = os.path.join(self.tmp, "serial.log")
        p = matrix._Progress(log)
        self.assertEqual(p.update(), "starting")
        with open(log, "w") as f:
            f.write("SeaBIOS\n")
            f.flush()
            self.assertEqual(p.update(), "booting")
            f.write("KTAP version 1\n1..3\n# start 1 a\nok 1 a\n"
                    "# start 2 b\n")
            f.flush()
            self.assertEqual(p.update(), "1/3 b")

    def test_cli_rejects_names_used_twice(self):
        status, _, err = support.cli("matrix", "qemu-bios", "--check",
                                     "qemu-bios", "true")
        self.assertEqual(status, 2)
        self.assertIn("used twice: qemu-bios", err)


if __name__ == "__main__":
    unittest.main()
