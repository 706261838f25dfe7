/*
 * A Linux program run as one KTAP test: its output goes to the console
 * line by line as it is written (# out: / # err:), and its end becomes the
 * result: exit status 0 passes, 4 (kselftest's skip) skips with the
 * program's last "SKIP" line as the reason, anything else fails with the
 * status or the signal, as Linux's wait status encodes it.
 */
#include "kernel/cpu_feat.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "x86/cpu.h"
#include "lib.h"
#include "mm/frame.h"
#include "test.h"

/* Output beyond this is counted, not printed: the serial line is slow. */
#define LX_OUTPUT_MAX (8 * 1024)
#define KSFT_SKIP 4

void lx_syscall_reset_log(void);
void lx_proc_free_all(void);

static struct {
	char line[200];
	size_t len;
	int fd;
	u64 total, dropped;
	char skip[140];
	const char *run;	 /* the running test's name */
	unsigned subtests;	 /* kselftest [OK]/[FAIL]/[SKIP] lines seen */
	unsigned sub_ok, sub_fail;
} out;

/*
 * kselftest's "[OK]\tcase", "[FAIL]\tcase", "[SKIP]\treason" lines become
 * KTAP subtests of the run, named after the text in snake_case.
 */
static void subtest(const char *tag, const char *text, size_t n)
{
	char name[48];
	size_t k = 0;
	bool gap = false;

	for (size_t i = 0; i < n && k < sizeof(name) - 1; i++) {
		char c = text[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (gap && k)
				name[k++] = '_';
			if (k < sizeof(name) - 1)
				name[k++] = c;
			gap = false;
		} else {
			gap = true;
		}
	}
	name[k] = '\0';
	if (!out.subtests++)
		kprintf("    KTAP version 1\n    # Subtest: %s\n", out.run);
	if (!strcmp(tag, "OK")) {
		out.sub_ok++;
		kprintf("    ok %u %s\n", out.subtests, name);
	} else if (!strcmp(tag, "FAIL")) {
		out.sub_fail++;
		kprintf("    not ok %u %s\n", out.subtests, name);
	} else {
		kprintf("    ok %u %s # SKIP %.*s\n", out.subtests, name, (int)n, text);
	}
}

static void scan_subtest(const char *l, size_t n)
{
	static const char *const tags[] = { "OK", "FAIL", "SKIP" };
	for (unsigned i = 0; i < ARRAY_SIZE(tags); i++) {
		size_t t = strlen(tags[i]);
		if (n > t + 2 && l[0] == '[' && !memcmp(l + 1, tags[i], t) && l[t + 1] == ']') {
			size_t s = t + 2;
			while (s < n && (l[s] == ' ' || l[s] == '\t'))
				s++;
			subtest(tags[i], l + s, n - s);
			return;
		}
	}
}

static struct test_case lx_cases[LX_RUNS_MAX];

static void flush_line(void)
{
	if (!out.len)
		return;
	for (size_t i = 0; i < out.len; i++)
		if ((u8)out.line[i] < 0x20 || (u8)out.line[i] > 0x7e)
			out.line[i] = out.line[i] == '\t' ? ' ' : '?';
	diag("%s %.*s", out.fd == 2 ? "err:" : "out:", (int)out.len, out.line);
	scan_subtest(out.line, out.len);
	/* "SKIP: reason" or kselftest's "[SKIP] reason": the reason is the rest. */
	size_t k = out.len >= 6 && !memcmp(out.line, "SKIP: ", 6)   ? 6
		   : out.len >= 7 && !memcmp(out.line, "[SKIP] ", 7) ? 7
								     : 0;
	if (k)
		snprintf(out.skip, sizeof(out.skip), "%.*s", (int)(out.len - k), out.line + k);
	out.len = 0;
}

bool lx_console_full(void)
{
	return out.total >= LX_OUTPUT_MAX;
}

void lx_console_write(struct uproc *p, int fd, const char *buf, size_t n)
{
	(void)p;
	if (!buf) { /* past the limit: only counted */
		out.dropped += n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (out.total >= LX_OUTPUT_MAX) {
			out.dropped++;
			continue;
		}
		out.total++;
		if (fd != out.fd)
			flush_line();
		out.fd = fd;
		if (buf[i] == '\n') {
			flush_line();
			continue;
		}
		out.line[out.len++] = buf[i];
		if (out.len == sizeof(out.line))
			flush_line();
	}
}

static void judge(struct test_case_run *t, const struct lx_proc *lp)
{
	int w = lp->wstatus;

	if (w & 0x7f) {
		int sig = w & 0x7f;
		const struct task *m = lp->leader;
		bool cp = m && m->lx.fault_signal == (u64)sig && m->lx.fault_code == LX_SEGV_CPERR;
		test_fail(t, "killed by signal %d (%s%s)", sig, lx_signal_name(sig),
			  cp ? ", SEGV_CPERR: control-protection fault" : "");
		return;
	}
	int code = (w >> 8) & 0xff;
	/* A kselftest's cases decide: the exit status only summarises them. */
	if (out.subtests) {
		if (out.sub_fail)
			test_fail(t, "%u of %u cases failed (exit status %d)", out.sub_fail,
				  out.subtests, code);
		else if (!out.sub_ok)
			test_skip(t, "%s", out.skip[0] ? out.skip : "every case skipped");
		return;
	}
	if (code == KSFT_SKIP)
		test_skip(t, "%s", out.skip[0] ? out.skip : "exit status 4 (kselftest's skip)");
	else if (code)
		test_fail(t, "exit status %d", code);
}

void lx_run_test(struct test_case_run *t, const struct lx_run *r)
{
	static struct uproc p;
	u64 frames = frame_free_count();

	/*
	 * ibt=on asks the kernel for IBT before _start.  Linux has no interface
	 * through which a program could learn that it was refused, and ring 3
	 * still reads CPUID.(7,0):EDX[20] when clearcpuid=ibt hides IBT from
	 * the kernel only, so the refusal is the run's result: a SKIP that
	 * names the bit (or the mask).
	 */
	if (r->force_ibt && !cpu_feat_has(FEAT_IBT)) {
		test_skip(t, "ibt=on: %s", cpu_feat_missing(FEAT_IBT));
		return;
	}
	memset(&out, 0, sizeof(out));
	out.fd = 1;
	out.run = r->name;
	lx_syscall_reset_log();
	if (lx_exec(&p, r)) {
		test_error(t, "%s", p.err);
		lx_proc_free_all();
		return;
	}
	struct lx_proc *lp = p.main->lx.proc;
	u64 t0 = timer_ticks, tsc0 = rdtsc();
	enum uproc_state st = uproc_run(&p, 0, 0);
	u64 ms = (timer_ticks - t0) * 1000 / TIMER_HZ, tsc = rdtsc() - tsc0;
	flush_line();
	if (out.subtests)
		kprintf("    1..%u\n", out.subtests);
	if (out.dropped)
		diag("%s: output past %d KiB not shown (%lu more bytes)", r->name,
		     LX_OUTPUT_MAX >> 10, out.dropped);
	if (st != UPROC_TIMEOUT) {
		if (lp->ended || lp->exiting) {
			diag("%s: wait status 0x%x after %lu ms (%lu TSC cycles)", r->name,
			     lp->wstatus, ms, tsc);
			judge(t, lp);
		} else {
			test_error(t, "the program ended without exit: %s", p.kill_reason);
		}
	}
	uproc_destroy(&p);
	lx_proc_free_all();
	/* Every page, table and shadow stack of every process it made is back. */
	u64 after = frame_free_count();
	if (after != frames)
		test_fail(t, "%ld frames not freed after the run (%lu free before, %lu after)",
			  (long)(frames - after), frames, after);
}

static void lx_case_body(struct test_case_run *t)
{
	lx_run_test(t, &lx_runs[t->tc - lx_cases]);
}

const struct test_case *lx_test_cases(unsigned *n);
const struct test_case *lx_test_cases(unsigned *n)
{
	*n = lx_runs_collect();
	for (unsigned i = 0; i < *n; i++)
		lx_cases[i] = (struct test_case){ lx_runs[i].name, "linux", lx_case_body, false };
	return lx_cases;
}
