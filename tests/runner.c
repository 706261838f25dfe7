/*
 * The test runner: selection, KTAP output, outcomes and the final verdict,
 * on every console and, where there is a screen, as the verdict screen.
 */
#include "console.h"
#include "fault.h"
#include "kernel/boot_error.h"
#include "kernel/lib/cmdline.h"
#include "kernel/report/fbcon.h"
#include "kernel/cpu.h"
#include "kernel/report/efivars.h"
#include "kernel/platform/power.h"
#include "kernel/report/report.h"
#include "kernel/report/verdict.h"
#include "kernel/report/summary.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/pt.h"
#include "kernel/timer.h"
#include "test.h"
#include "x86/cpu.h"
#include "x86/trap.h"

#ifndef CETBED_VERSION
#define CETBED_VERSION "unknown"
#endif


extern const struct test_case __tests_start[], __tests_end[];
const struct test_case *lx_test_cases(unsigned *n);

/* Built-in tests, then one per Linux program run the boot modules name. */
static const struct test_case *lx_cases;
static unsigned nr_builtin, nr_lx;

static const struct test_case *case_at(unsigned i)
{
	return i < nr_builtin ? &__tests_start[i] : &lx_cases[i - nr_builtin];
}

static struct test_case_run *running;
u64 test_timeout_ms;
const struct cmdline *test_cmdline;

void test_note_timeout(const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	if (!running)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("TIMEOUT: %s", msg);
	if (running->outcome < TEST_FAIL || !running->timeout) {
		running->outcome = running->outcome > TEST_FAIL ? running->outcome : TEST_FAIL;
		running->timeout = true;
		snprintf(running->reason, sizeof(running->reason), "%s", msg);
	}
}

static const u8 verdict_codes[] = { EXIT_SUCCESS_CODE, EXIT_SKIP_CODE, EXIT_FAILURE_CODE,
				    EXIT_ERROR_CODE };
STATIC_ASSERT((int)VERDICT_ERROR == (int)TEST_ERROR && (int)VERDICT_SKIP == (int)TEST_SKIP);

/* The run so far, for the verdict screen. */
static struct verdict_info run_info;

const struct test_case_run *test_running(void)
{
	return running;
}

void test_skip(struct test_case_run *t, const char *fmt, ...)
{
	va_list ap;
	if (t->outcome >= TEST_SKIP)
		return;
	t->outcome = TEST_SKIP;
	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
}

void test_fail_at(struct test_case_run *t, const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("FAIL: %s:%d: %s", file, line, msg);
	if (t->outcome < TEST_FAIL) {
		t->outcome = TEST_FAIL;
		snprintf(t->reason, sizeof(t->reason), "%s", msg);
	}
}

void test_error(struct test_case_run *t, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("ERROR: %s", msg);
	if (t->outcome < TEST_ERROR) {
		t->outcome = TEST_ERROR;
		snprintf(t->reason, sizeof(t->reason), "%s", msg);
	}
}


static void body_trampoline(void *arg)
{
	struct test_case_run *t = arg;
	t->tc->body(t);
}

static enum test_outcome run_one(const struct test_case *tc, unsigned number)
{
	struct test_case_run t = { .tc = tc, .number = number, .outcome = TEST_PASS };
	struct fault_catch c;

	/* Stored before it is printed: a reset the log shows in test N finds N stored. */
	efivars_test_start(number, tc->name);
	kprintf("# start %u %s\n", number, tc->name);
	running = &t;
	if (fault_catch_call(&c, body_trampoline, &t)) {
		/* A kernel-mode fault the test did not expect: report, carry on. */
		write_cr3(virt_to_phys(kernel_pml4));
		trap_dump(&c.frame, c.info.cr2);
		test_error(&t, "unexpected %s (error 0x%lx) at rip 0x%lx in the kernel",
			   x86_vector_name(c.info.vector), c.info.error_code, c.info.rip);
	}
	running = NULL;

	switch (t.outcome) {
	case TEST_PASS:
		kprintf("ok %u %s\n", number, tc->name);
		break;
	case TEST_SKIP:
		kprintf("ok %u %s # SKIP %s\n", number, tc->name, t.reason);
		break;
	case TEST_FAIL:
		if (t.timeout)
			kprintf("not ok %u %s # TIMEOUT %s\n", number, tc->name, t.reason);
		else
			kprintf("not ok %u %s\n", number, tc->name);
		break;
	case TEST_ERROR:
		kprintf("not ok %u %s # ERROR %s\n", number, tc->name, t.reason);
		break;
	}
	return t.outcome;
}

static bool test_area_is_cet(const char *area)
{
	return !strcmp(area, "shstk") || !strcmp(area, "ibt") || !strcmp(area, "sss");
}

void tests_run(const struct cmdline *cl)
{
	unsigned planned = 0;
	enum test_outcome worst = TEST_PASS;
	unsigned passed = 0;
	struct verdict_info *vi = &run_info;

	test_timeout_ms = (u64)cl->timeout_s * 1000;
	test_cmdline = cl;
	nr_builtin = (unsigned)(__tests_end - __tests_start);
	lx_cases = lx_test_cases(&nr_lx);
	unsigned total = nr_builtin + nr_lx;
	for (unsigned i = 0; i < total; i++)
		if (cmdline_selects(cl, case_at(i)->name, case_at(i)->optin) && !cl->list)
			planned++;
	for (unsigned i = 0; i < cl->nr_patterns; i++) {
		bool hit = false;
		for (unsigned k = 0; k < total && !hit; k++)
			hit = glob_match(cl->patterns[i], case_at(k)->name);
		if (!hit)
			boot_error("tests= pattern '%s' matches no test", cl->patterns[i]);
	}
	if (cl->list)
		for (unsigned i = 0; i < total; i++)
			diag("test: %s (%s)%s", case_at(i)->name, case_at(i)->area,
			     case_at(i)->optin ? " opt-in: runs only when named exactly" : "");
	if (cl->tests_given && !cl->nr_patterns)
		diag("tests= is empty: no test selected");

	/* Boot-level errors get one result of their own, after the tests. */
	unsigned errors = boot_error_count();
	bool boot_result = errors != 0;
	kprintf("1..%u\n", planned + boot_result);
	unsigned n = 0;
	for (unsigned i = 0; i < total; i++) {
		const struct test_case *tc = case_at(i);
		if (!cmdline_selects(cl, tc->name, tc->optin) || cl->list)
			continue;
		enum test_outcome o = run_one(tc, ++n);
		passed += o == TEST_PASS;
		if (o > worst)
			worst = o;
		vi->skipped += o == TEST_SKIP;
		if (test_area_is_cet(tc->area)) {
			vi->cet_passed += o == TEST_PASS;
			vi->cet_skipped += o == TEST_SKIP;
		}
		vi->failed += o == TEST_FAIL;
		vi->errors += o == TEST_ERROR;
		if (o >= TEST_FAIL) {
			if (vi->nr_failed < VERDICT_MAX_FAILED)
				vi->failed_tests[vi->nr_failed] = (struct verdict_failed){
					n, tc->name, o == TEST_ERROR
				};
			vi->nr_failed++;
		}
	}
	if (boot_result) {
		kprintf("not ok %u boot # ERROR %s%s\n", ++n, boot_error_first(),
			errors > 1 ? " (and more)" : "");
		vi->errors++;
		if (vi->nr_failed < VERDICT_MAX_FAILED)
			vi->failed_tests[vi->nr_failed] = (struct verdict_failed){ n, "boot", true };
		vi->nr_failed++;
	}
	/*
	 * The run: ERROR or FAILURE if any test says so; SUCCESS if anything
	 * passed and the rest skipped for what the platform lacks (each skip
	 * keeps its reason on its own line); SKIP only if nothing passed.
	 */
	if (worst == TEST_SKIP && passed)
		worst = TEST_PASS;
	if (!passed && worst == TEST_PASS)
		worst = TEST_SKIP;
	if (errors)
		worst = TEST_ERROR;

	vi->verdict = (enum verdict)worst;
	vi->version = CETBED_VERSION;
	vi->planned = n;
	vi->passed = passed;
	vi->boot_errors = errors;
	vi->boot_error = boot_error_first();
	vi->shstk_enumerated = cpu.shstk;
	vi->ibt_enumerated = cpu.ibt;
	vi->cet_enforced = read_cr4() & X86_CR4_CET;
	vi->hold_seconds = fbcon_active() ? cl->screen_seconds : 0;
	/* Interrupts nobody asked for: the tests' own included, a machine's tells. */
	if (timer_unknown_irqs || trap_nmis)
		diag("irq: %lu unexpected interrupts (acknowledged), %lu NMIs during the run",
		     timer_unknown_irqs, trap_nmis);
	if (vi->hold_seconds)
		diag("screen: the verdict screen stays %u s before power-off, or until a key is "
		     "pressed",
		     vi->hold_seconds);
	else if (cl->screen_seconds)
		diag("screen: screen=%u ignored: there is no screen console", cl->screen_seconds);
	kprintf("Test result: %s\n", verdict_name(vi->verdict));
	console_flush();
	/* One summary, its log hash through the verdict line: QR code and UEFI variable. */
	static char text[SUMMARY_TEXT_MAX];
	int len;
	const struct summary *s = report_summary(vi, text, sizeof(text), &len);
	efivars_run_end(s);
	fbcon_verdict_screen(vi);
	if (len > 0)
		report_draw_qr(text, (size_t)len);
	if (vi->hold_seconds)
		verdict_hold(vi->hold_seconds);
	power_off(verdict_codes[worst]);
}
