/*
 * setjmp/longjmp and ctx_swap in ring 3 (program "ctx"): the shadow stack
 * must follow every non-local jump and context switch, and catch the stale
 * ones.  user_* tests run with shadow stacks off on every CPU; shstk_* SKIP
 * with the CPUID reason where CET is absent.
 */
#include "cet.h"
#include "kernel/task.h"
#include "lib.h"
#include "test.h"
#include "user/ctx.h"
#include "x86/cet.h"

#define START_SHSTK UPROC_START_SHSTK

/* Runs a case expected to exit with code; p stays loaded for more checks. */
static bool cx_exit(struct test_case_run *t, struct uproc *p, u64 start, u64 which, u64 arg,
		    long code)
{
	return test_load(t, p, "ctx", start) && expect_exit(t, p, which, arg, code);
}

/*
 * Runs a case with shadow stacks on that must fault with #CP(ec) at rip_sym,
 * SSP unchanged from the value the program left in ssp_sym.
 */
static void cx_cp(struct test_case_run *t, u64 which, u64 ec, const char *rip_sym,
		  const char *ssp_sym)
{
	struct uproc p;
	if (!test_load(t, &p, "ctx", START_SHSTK))
		return;
	struct fault_expect want = { X86_EXC_CP, ec, uproc_symbol(&p, rip_sym), 0 };
	if (!want.rip) {
		test_error(t, "ctx has no symbol %s", rip_sym);
	} else if (uproc_run(&p, which, 0) != UPROC_FAULTED) {
		test_fail(t, "case %lu ended with %ld instead of faulting", which, p.exit_code);
	} else if (check_fault(t, &p.fault, &want)) {
		CHECK_EQ(t, p.fault_ssp, test_var(t, &p, ssp_sym), "SSP at #CP");
	} else {
		trap_dump(&p.fault_frame, p.fault.cr2);
	}
	uproc_destroy(&p);
}

/* The main task's SSP as the program saw it: inside its own shadow stack. */
static void check_main_ssp(struct test_case_run *t, struct uproc *p)
{
	u64 ssp = test_var(t, p, "ctx_main_ssp"), base = p->main->shstk_base;
	CHECK(t, ssp > base && ssp < base + p->main->shstk_size,
	      "main's SSP 0x%lx outside its shadow stack [0x%lx, 0x%lx)", ssp, base,
	      base + p->main->shstk_size);
}

/*
 * longjmp pops depth + 2 shadow-stack entries (the dive's levels, the
 * call into it and longjmp's own): 300 deep, and around INCSSP's 255 limit.
 */
static const u64 longjmp_depths[] = { 300, 253, 254, 508, 509 };

TEST(user_longjmp_plain, "ctx")
{
	for (unsigned i = 0; i < ARRAY_SIZE(longjmp_depths); i++) {
		struct uproc p;
		if (cx_exit(t, &p, 0, CTX_LONGJMP, longjmp_depths[i], 0))
			CHECK_EQ(t, test_var(t, &p, "ctx_main_ssp"), 0, "SSP with shadow stacks off");
		uproc_destroy(&p);
	}
}

TEST(user_swapcontext_plain, "ctx")
{
	struct uproc p;
	if (cx_exit(t, &p, 0, CTX_PING_PONG, 1000, 0))
		CHECK_EQ(t, test_var(t, &p, "ctx_rounds"), 1000, "rounds");
	uproc_destroy(&p);
}

TEST(shstk_longjmp_across_300_frames, "ctx")
{
	if (!test_need_shstk(t))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(longjmp_depths); i++) {
		struct uproc p;
		diag("depth %lu", longjmp_depths[i]);
		if (cx_exit(t, &p, START_SHSTK, CTX_LONGJMP, longjmp_depths[i], 0))
			check_main_ssp(t, &p);
		uproc_destroy(&p);
	}
}

TEST(shstk_longjmp_into_returned_frame_cp1, "ctx")
{
	/* Control: without shadow stacks the dead frame returns a second time. */
	test_run_exit(t, "ctx", CTX_LONGJMP_STALE, 0, 0, CTX_EXIT_STALE_RETURNED);
	if (test_need_shstk(t))
		cx_cp(t, CTX_LONGJMP_STALE, CP_EC_NEAR_RET, "u_lj_stale_ret", "u_lj_ssp");
}

TEST(shstk_swapcontext_ping_pong_1000, "ctx")
{
	struct uproc p;
	if (!test_need_shstk(t))
		return;
	if (cx_exit(t, &p, START_SHSTK, CTX_PING_PONG, 1000, 0)) {
		CHECK_EQ(t, test_var(t, &p, "ctx_rounds"), 1000, "rounds");
		check_main_ssp(t, &p);
	}
	uproc_destroy(&p);
}

TEST(shstk_swapcontext_consumed_token_cp4, "ctx")
{
	/* Control: without shadow stacks the stale copy resumes the worker. */
	test_run_exit(t, "ctx", CTX_STALE_TOKEN, 0, 0, CTX_EXIT_STALE_RESUMED);
	if (test_need_shstk(t))
		cx_cp(t, CTX_STALE_TOKEN, CP_EC_RSTORSSP, "ctx_swap_rstorssp", "ctx_fault_ssp");
}
