/*
 * Indirect branch tracking: the kernel runs with IA32_S_CET.ENDBR_EN where
 * CPUID enumerates IBT, and ring-3 programs may opt in (U_CET.ENDBR_EN,
 * NO_TRACK_EN).  Each test SKIPs with CPUID.(7,0):EDX[20] where IBT is absent.
 */
#include "fault.h"
#include "kernel/cpu.h"
#include "probes.h"
#include "test.h"
#include "user/ibt.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"

static bool need_ibt(struct test_case_run *t)
{
	if (cpu.ibt)
		return true;
	test_skip(t, "CPUID.(7,0):EDX[20] IBT not enumerated");
	return false;
}

TEST(ibt_kernel_indirect_call_needs_endbr, "ibt")
{
	if (!need_ibt(t))
		return;
	CHECK_EQ(t, rdmsr(MSR_IA32_S_CET) & CET_ENDBR_EN, CET_ENDBR_EN, "S_CET.ENDBR_EN");
	/* Control: kp_ud starts with ENDBR64, so the call lands and its UD2 runs. */
	struct fault_expect ud = { X86_EXC_UD, 0, (u64)kp_ud_rip, 0 };
	expect_kernel_fault(t, kp_call, (void *)kp_ud, &ud);
	/* #CP(3) is a fault at the target: rip is the target itself. */
	struct fault_expect e = { X86_EXC_CP, CP_EC_ENDBRANCH, (u64)kp_no_endbr, 0 };
	expect_kernel_fault(t, kp_call, (void *)kp_no_endbr, &e);
}

static void ibt_fault(struct test_case_run *t, u64 which, u64 start, const char *rip_sym)
{
	struct uproc p;
	if (!test_load(t, &p, "ibt", start))
		return;
	struct fault_expect want = { X86_EXC_CP, CP_EC_ENDBRANCH, uproc_symbol(&p, rip_sym), 0 };
	if (uproc_run(&p, which, 0) != UPROC_FAULTED)
		test_fail(t, "case %lu (start 0x%lx) exited %ld instead of #CP(3)", which, start,
			  p.exit_code);
	else
		check_fault(t, &p.fault, &want);
	uproc_destroy(&p);
}

TEST(ibt_user_indirect_call_needs_endbr, "ibt")
{
	/* Without IBT the same calls just work, on every CPU. */
	test_run_exit(t, "ibt", IB_CALL_NO_ENDBR, 0, 0, 0);
	if (!need_ibt(t))
		return;
	test_run_exit(t, "ibt", IB_CALL_ENDBR, 0, UPROC_START_IBT, 0);
	ibt_fault(t, IB_CALL_NO_ENDBR, UPROC_START_IBT, "u_no_endbr");
}

TEST(ibt_user_indirect_jmp_needs_endbr, "ibt")
{
	test_run_exit(t, "ibt", IB_JMP_NO_ENDBR, 0, 0, 0);
	if (need_ibt(t))
		ibt_fault(t, IB_JMP_NO_ENDBR, UPROC_START_IBT, "u_no_endbr_jmp");
}

TEST(ibt_user_notrack_needs_no_track_en, "ibt")
{
	if (!need_ibt(t))
		return;
	/* NOTRACK is honoured only with NO_TRACK_EN. */
	test_run_exit(t, "ibt", IB_NOTRACK_CALL, 0, UPROC_START_IBT | UPROC_START_NOTRACK, 0);
	ibt_fault(t, IB_NOTRACK_CALL, UPROC_START_IBT, "u_no_endbr");
}
