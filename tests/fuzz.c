/*
 * The system-call fuzzer's driver (program "fuzz", include/user/fuzz.h).
 * It starts fuzz instances one after another until the calls asked for are
 * made; an instance that dies in ring 3 (its own unmapped stack, a forged
 * sigreturn, a bad handler) is replaced by the next, from the next call.
 * The kernel must come through every call: no kernel fault (that would end
 * the whole run), no lost frame once an instance is freed, no hang (each
 * instance has a watchdog), and every result a value or -errno.
 */
#include "cet.h"
#include "kernel/lib/cmdline.h"
#include "kernel/timer.h"
#include "lib.h"
#include "mm/frame.h"
#include "syscall.h"
#include "test.h"
#include "user/fuzz.h"

/* make test: fixed, so every run fuzzes the same calls; fuzz_seed= picks another. */
#define FUZZ_DEFAULT_SEED 0x6365746265640001UL
#define FUZZ_DEFAULT_CALLS 10000
/* Platform time for one instance of at most FUZZ_CALLS_PER_RUN calls. */
#define FUZZ_RUN_TIMEOUT_MS 20000

struct fuzz_totals {
	u64 made, errors, instances;
	u64 done, exited, faulted, killed;
	u64 skewed; /* instances whose counters disagree (resumed mid-call) */
	u64 per_nr[FUZZ_MAX_NR];
};

static bool fuzz_read_state(struct uproc *p, struct fuzz_state *fs)
{
	u64 va = uproc_symbol(p, "fuzz_state_page");
	u64 *dst = (u64 *)fs;

	for (size_t i = 0; i < sizeof(*fs) / 8; i++)
		if (!va || !uproc_peek(p, va + 8 * i, &dst[i]))
			return false;
	return true;
}

/* Instances differ in what crt0 turns on, where the CPU has it. */
static u64 fuzz_start_flags(u64 seed, u64 instance)
{
	if (!cet_shstk_available())
		return 0;
	switch ((seed + instance) % 3) {
	case 0:
		return 0;
	case 1:
		return UPROC_START_SHSTK;
	default:
		return UPROC_START_SHSTK | UPROC_START_WRSS;
	}
}

static void fuzz_report(const struct fuzz_totals *tot, u64 ticks)
{
	char line[400];
	size_t n = 0;
	u64 ms = ticks * 1000 / TIMER_HZ;

	diag("fuzz: %lu calls (%lu returned -errno) in %lu instances: %lu finished, %lu exited "
	     "early, %lu faulted in ring 3, %lu ended by the kernel",
	     tot->made, tot->errors, tot->instances, tot->done, tot->exited, tot->faulted,
	     tot->killed);
	if (tot->skewed)
		diag("fuzz: %lu instances resumed at a stray point by a forged sigreturn",
		     tot->skewed);
	diag("fuzz: %lu ms of platform time, %lu calls/s", ms, ms ? tot->made * 1000 / ms : 0);
	for (unsigned i = 0; i < FUZZ_MAX_NR; i++) {
		if (!tot->per_nr[i])
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %u%s:%lu", i,
				      i == FUZZ_MAX_NR - 1 ? "+" : "", tot->per_nr[i]);
		if (n >= sizeof(line) - 1)
			break;
	}
	diag("fuzz: calls per number (%u+ is every unknown number):%s", FUZZ_MAX_NR - 1, line);
}

/* One instance from call `next`; returns the first call it did not reach. */
static u64 fuzz_instance(struct test_case_run *t, struct fuzz_totals *tot, u64 seed, u64 next,
			 u64 count)
{
	struct uproc p;
	struct fuzz_state fs;
	u64 free0 = frame_free_count(), last = next + count - 1;

	if (!test_load(t, &p, "fuzz", fuzz_start_flags(seed, tot->instances)))
		return next;
	p.quiet = true;
	p.timeout_ms = FUZZ_RUN_TIMEOUT_MS;
	enum uproc_state st = uproc_run(&p, seed, next | count << FUZZ_COUNT_SHIFT);
	tot->instances++;
	if (!fuzz_read_state(&p, &fs)) {
		test_error(t, "calls %lu-%lu: the fuzzer's bookkeeping page is gone", next, last);
		uproc_destroy(&p);
		return next;
	}
	u64 sum = 0;
	for (unsigned i = 0; i < FUZZ_MAX_NR; i++)
		sum += fs.per_nr[i];
	/*
	 * Without shadow stacks a sigreturn through a frame the fuzzer never
	 * set up is legal and may resume it anywhere, e.g. between its two
	 * counters: the per-number counts are taken as the truth.
	 */
	tot->skewed += sum != fs.made;
	tot->made += sum;
	tot->errors += fs.errors;
	for (unsigned i = 0; i < FUZZ_MAX_NR; i++)
		tot->per_nr[i] += fs.per_nr[i];
	bool finished = st == UPROC_EXITED && p.exit_code == FUZZ_EXIT_DONE;
	tot->done += finished;
	tot->exited += st == UPROC_EXITED && !finished;
	tot->faulted += st == UPROC_FAULTED;
	tot->killed += st == UPROC_KILLED;
	if (st == UPROC_TIMEOUT)
		test_fail(t, "seed 0x%lx calls %lu-%lu: no end in %u ms (stuck at call %lu)", seed,
			  next, last, FUZZ_RUN_TIMEOUT_MS, fs.next);
	if (st == UPROC_EXITED && p.exit_code == FUZZ_EXIT_BAD_RETURN)
		test_fail(t, "seed 0x%lx call %lu: number %lu returned 0x%lx, neither a result "
			     "nor -errno",
			  seed, fs.bad_index, fs.bad_nr, fs.bad_ret);
	uproc_destroy(&p);
	u64 free1 = frame_free_count();
	CHECK(t, free1 == free0, "seed 0x%lx calls %lu-%lu: %ld frames lost (%lu free before, %lu after)",
	      seed, next, last, (long)(free0 - free1), free0, free1);
	/*
	 * The call it died in counts as made: it got its answer.  A sigreturn
	 * through a frame the fuzzer never set up may have sent its loop
	 * anywhere, so its index is only trusted within its range.
	 */
	u64 reached = finished ? next + count : fs.next + 1;
	if (reached <= next || reached > next + count)
		reached = next + 1;
	return reached;
}

/* Opt-in: make test runs it on its own boots (qemu-kernel, bochs); make fuzz runs it long. */
TEST_OPTIN(sys_fuzz_native, "sys")
{
	const struct cmdline *cl = test_cmdline;
	u64 seed = cl && cl->fuzz_seed_given ? cl->fuzz_seed : FUZZ_DEFAULT_SEED;
	u64 calls = cl && cl->fuzz_calls ? cl->fuzz_calls : FUZZ_DEFAULT_CALLS;
	u64 limit = cl && cl->fuzz_secs ? (u64)cl->fuzz_secs * TIMER_HZ : 0;
	struct fuzz_totals tot = { 0 };
	u64 t0 = timer_ticks, next = 0;

	diag("fuzz: native ABI, fuzz_seed=0x%lx fuzz_calls=%lu%s", seed, calls,
	     limit ? " (with a time limit)" : "");
	/* Indices a dead instance skipped are made up for with later ones. */
	while (tot.made < calls && t->outcome < TEST_FAIL) {
		if (limit && timer_ticks - t0 >= limit) {
			diag("fuzz: time limit of %u s reached after call %lu", cl->fuzz_secs, next);
			break;
		}
		/* The fuzzer does run: instances that die at once would make no calls. */
		if (next >= 4 * calls + FUZZ_CALLS_PER_RUN) {
			test_error(t, "only %lu calls made by call index %lu", tot.made, next);
			break;
		}
		u64 left = calls - tot.made;
		next = fuzz_instance(t, &tot, seed, next,
				     left < FUZZ_CALLS_PER_RUN ? left : FUZZ_CALLS_PER_RUN);
	}
	diag("fuzz: call indices 0-%lu used", next - 1);
	fuzz_report(&tot, timer_ticks - t0);
}
