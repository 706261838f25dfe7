/*
 * Signals (program "sig"): delivery, sigreturn and its checks, nesting,
 * alternate stacks, faults delivered to handlers.  sig_* run everywhere;
 * sig_shstk_* add the shadow-stack frame and SKIP where CET is absent.
 */
#include "cet.h"
#include "lib.h"
#include "test.h"
#include "user/sig.h"
#include "x86/cet.h"

#define START_SHSTK UPROC_START_SHSTK
#define START_WRSS (UPROC_START_SHSTK | UPROC_START_WRSS)

/* The kernel must end the program, saying why (reason contains `why`). */
static void sig_killed(struct test_case_run *t, u64 which, u64 arg, u64 start, const char *why)
{
	struct uproc p;
	if (!test_load(t, &p, "sig", start))
		return;
	enum uproc_state s = uproc_run(&p, which, arg);
	if (s != UPROC_KILLED) {
		test_fail(t, "case %lu arg %lu: state %d (exit %ld), expected to be ended for: %s",
			  which, arg, s, p.exit_code, why);
	} else {
		bool found = false;
		for (const char *r = p.kill_reason; *r && !found; r++)
			found = !strncmp(r, why, strlen(why));
		CHECK(t, found, "reason '%s' does not mention '%s'", p.kill_reason, why);
	}
	uproc_destroy(&p);
}

TEST(sig_handler_runs_and_returns, "sig")
{
	test_run_exit(t, "sig", SG_BASIC, 0, 0, 0);
}

TEST(sig_nested_three_deep, "sig")
{
	test_run_exit(t, "sig", SG_NESTED, 0, 0, 0);
}

TEST(sig_alarm_from_the_timer, "sig")
{
	test_run_exit(t, "sig", SG_ALARM, 0, 0, 0);
}

TEST(sig_from_another_task, "sig")
{
	test_run_exit(t, "sig", SG_FROM_THREAD, 0, 0, 0);
}

TEST(sig_shstk_from_another_task, "sig")
{
	if (test_need_shstk(t))
		test_run_exit(t, "sig", SG_FROM_THREAD, 0, START_SHSTK, 0);
}

TEST(sig_ud_handler_resumes, "sig")
{
	test_run_exit(t, "sig", SG_UD_RESUME, 0, 0, 0);
}

TEST(sig_altstack_only_onstack, "sig")
{
	test_run_exit(t, "sig", SG_ALTSTACK, 0, 0, 0);
}

TEST(sig_shstk_handler_runs_and_returns, "sig")
{
	if (test_need_shstk(t))
		test_run_exit(t, "sig", SG_BASIC, 0, START_SHSTK, 0);
}

TEST(sig_shstk_nested_three_deep, "sig")
{
	if (test_need_shstk(t))
		test_run_exit(t, "sig", SG_NESTED, 0, START_SHSTK, 0);
}

TEST(sig_shstk_alt_shadow_stack_only_onstack, "sig")
{
	if (test_need_shstk(t))
		test_run_exit(t, "sig", SG_ALTSTACK, 0, START_SHSTK, 0);
}

TEST(sig_shstk_sigreturn_modified_token, "sig")
{
	if (test_need_shstk(t))
		sig_killed(t, SG_TAMPER, SG_BREAK_TOKEN, START_WRSS, "sigreturn: the restore token");
}

TEST(sig_shstk_sigreturn_token_in_normal_memory, "sig")
{
	if (test_need_shstk(t))
		sig_killed(t, SG_TAMPER, SG_BREAK_NORMAL, START_WRSS, "is not on a shadow stack");
}

/* Each rule sigreturn applies (README, "Signals and the shadow stack"), broken once. */
TEST(sig_shstk_sigreturn_marker_misaligned, "sig")
{
	if (test_need_shstk(t))
		sig_killed(t, SG_TAMPER, SG_BREAK_MISALIGNED, START_WRSS, "not a user shadow stack");
}

TEST(sig_shstk_sigreturn_marker_names_kernel, "sig")
{
	if (test_need_shstk(t))
		sig_killed(t, SG_TAMPER, SG_BREAK_KERNEL, START_WRSS, "not a user shadow stack");
}

TEST(sig_shstk_sigreturn_token_not_above_marker, "sig")
{
	if (test_need_shstk(t))
		sig_killed(t, SG_TAMPER, SG_BREAK_FAR_TOKEN, START_WRSS,
			   "neither below its token nor on the alternate");
}

TEST(sig_shstk_sigreturn_context_ssp_differs, "sig")
{
	if (test_need_shstk(t))
		sig_killed(t, SG_TAMPER, SG_BREAK_CTX_SSP, START_SHSTK, "the saved context's SSP");
}

/* Not a shadow-stack rule: the restored rip and rsp must be user addresses. */
TEST(sig_sigreturn_kernel_rip, "sig")
{
	sig_killed(t, SG_TAMPER, SG_BREAK_RIP, 0, "are not user addresses");
	if (cet_shstk_available())
		sig_killed(t, SG_TAMPER, SG_BREAK_RIP, START_SHSTK, "are not user addresses");
}

TEST(sig_sigreturn_noncanonical_rsp, "sig")
{
	sig_killed(t, SG_TAMPER, SG_BREAK_RSP, 0, "are not user addresses");
}

TEST(sig_blocked_while_its_handler_runs, "sig")
{
	test_run_exit(t, "sig", SG_BLOCKED, 0, 0, 0);
	if (cet_shstk_available())
		test_run_exit(t, "sig", SG_BLOCKED, 0, START_SHSTK, 0);
}

TEST(sig_shstk_sigaltstack_checks, "sig")
{
	if (test_need_shstk(t))
		test_run_exit(t, "sig", SG_ALTSTACK_CHECKS, 0, START_SHSTK, 0);
}

TEST(sig_shstk_sigreturn_replayed_frame, "sig")
{
	if (test_need_shstk(t))
		sig_killed(t, SG_REPLAY, 0, START_SHSTK, "no signal-frame marker");
}

TEST(sig_shstk_frame_token_erased, "sig")
{
	struct uproc p;
	if (!test_need_shstk(t) || !test_load(t, &p, "sig", START_SHSTK))
		return;
	struct fault_expect want = { X86_EXC_CP, CP_EC_RSTORSSP,
				     uproc_symbol(&p, "u_sig_reuse_rip"), 0 };
	if (uproc_run(&p, SG_REUSE_TOKEN, 0) != UPROC_FAULTED)
		test_fail(t, "RSTORSSP onto a used signal frame's token did not fault (state %d, "
			  "exit %ld)", p.state, p.exit_code);
	else
		check_fault(t, &p.fault, &want);
	uproc_destroy(&p);
}

TEST(sig_shstk_frame_at_the_guard_page, "sig")
{
	if (!test_need_shstk(t))
		return;
	/* One entry left: the frame does not fit, and the kernel says so. */
	sig_killed(t, SG_GUARD_EDGE, 0, START_SHSTK, "no room for the signal");
	/* With an alternate shadow stack the handler runs and the program goes on. */
	diag("with an alternate shadow stack");
	test_run_exit(t, "sig", SG_GUARD_EDGE, 1, START_SHSTK, 0);
}

TEST(sig_shstk_cp_handler_recovers, "sig")
{
	/* The handler sees #CP(1) at the RET, repairs the return address, and resumes. */
	if (test_need_shstk(t))
		test_run_exit(t, "sig", SG_CP_RECOVER, 0, START_SHSTK, 0);
}

TEST(sig_shstk_pf_ss_to_handler, "sig")
{
	if (test_need_shstk(t))
		test_run_exit(t, "sig", SG_PF_SS, 0, START_WRSS, 0);
}
