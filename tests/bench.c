/*
 * bench_cet (opt-in, make bench-cet): what CET costs, in TSC cycles, min and
 * median of BENCH_SAMPLES samples.  Ring-3 cases run the "bench" program
 * with the timer held, so no interrupt lands in a sample; the CET-state
 * cases run in the kernel with interrupts off.  A case that needs what the
 * CPU lacks says so and is not measured; a case whose timed operation did
 * not happen every time fails the test.  Under an emulator the figures
 * count emulated instructions, not a CPU's cost: they are not meaningful.
 */
#include "bench_cet.h"
#include "cet.h"
#include "kernel/bench.h"
#include "kernel/cpu.h"
#include "kernel/timer.h"
#include "lib.h"
#include "test.h"

#define START_SHSTK UPROC_START_SHSTK
#define START_WRSS (UPROC_START_SHSTK | UPROC_START_WRSS)

static void bench_user(struct test_case_run *t, const char *key, const char *what, int which,
		       u64 start)
{
	static u64 v[BENCH_SAMPLES];
	struct uproc p;

	if ((start & START_SHSTK) && !cet_shstk_available())
		return bench_not_measured(key, what, cet_shstk_missing_reason());
	if (!test_load(t, &p, "bench", start))
		return;
	/* A console line per #CP would be most of what the round trip costs. */
	p.quiet_faults = true;
	timer_hold(true);
	enum uproc_state s = uproc_run(&p, (u64)which, 0);
	timer_hold(false);
	if (s != UPROC_EXITED || p.exit_code) {
		test_fail(t, "bench %s: state %d, exit %ld (%s)", key, s, p.exit_code,
			  p.exit_code == BN_EXIT_MISSED ? "the timed operation did not happen "
							  "every time"
							: p.kill_reason);
	} else {
		if (p.quiet_fault_count)
			diag("bench: %s: %u faults went to the handler (not logged one by one)",
			     key, p.quiet_fault_count);
		u64 base = uproc_symbol(&p, "bench_samples");
		bool ok = base != 0;
		for (int i = 0; ok && i < BENCH_SAMPLES; i++)
			ok = uproc_peek(&p, base + 8 * (u64)i, &v[i]);
		if (ok)
			bench_report(key, what, bench_stats(v, BENCH_SAMPLES));
		else
			test_error(t, "bench %s: cannot read bench_samples", key);
	}
	uproc_destroy(&p);
}

TEST_OPTIN(bench_cet, "bench")
{
	diag("bench: TSC cycles, min and median of %d samples (cheap operations timed %d at a "
	     "time, per operation)%s",
	     BENCH_SAMPLES, BENCH_BATCH,
	     cpu.hypervisor ? "; under a hypervisor: not meaningful" : "");
	bench_user(t, "cr0", "call+ret, shadow stack off", BN_CALL_RET, 0);
	bench_user(t, "cr1", "call+ret, shadow stack on", BN_CALL_RET, START_SHSTK);
	bench_user(t, "mov", "MOV store to ordinary memory", BN_MOV, 0);
	bench_user(t, "wrss", "WRSSQ store to a shadow-stack page", BN_WRSS, START_WRSS);
	bench_user(t, "sig0", "signal delivered and returned, shadow stack off", BN_SIGNAL, 0);
	bench_user(t, "sig1", "signal delivered and returned, shadow stack on", BN_SIGNAL,
		   START_SHSTK);
	bench_user(t, "cp", "#CP(1) to a user handler and back", BN_CP, START_SHSTK);
	bench_user(t, "map", "map_shadow_stack, one page with a token", BN_MAP_SHSTK, START_SHSTK);
	bench_user(t, "yld0", "yield to a thread and back, shadow stack off", BN_YIELD, 0);
	bench_user(t, "yld1", "yield to a thread and back, shadow stack on", BN_YIELD, START_SHSTK);

	const char *what_msr = "CET_U state out and in, RDMSR/WRMSR";
	const char *what_xs = "CET_U state out and in, XSAVES/XRSTORS";
	if (cet_path == CET_PATH_NONE) {
		bench_not_measured("msr", what_msr, cet_shstk_missing_reason());
		bench_not_measured("xs", what_xs, cet_shstk_missing_reason());
		return;
	}
	bench_report("msr", what_msr, bench_cet_state_msr());
	if (cet_path != CET_PATH_XSAVES) {
		bench_not_measured("xs", what_xs,
				   !cpu.xsaves ? "CPUID.(0xD,1):EAX[3] XSAVES not enumerated"
					       : "CPUID.(0xD,1):ECX[11] CET_U state component not "
						 "enumerated");
		return;
	}
	struct bench_stats st = bench_cet_state_xsaves();
	if (!st.median)
		return test_error(t, "bench xs: no frame for the XSAVE area");
	bench_report("xs", what_xs, st);
}
