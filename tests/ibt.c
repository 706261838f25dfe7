/*
 * Indirect branch tracking: the kernel runs with IA32_S_CET.ENDBR_EN where
 * CPUID enumerates IBT, and ring-3 programs may opt in (U_CET.ENDBR_EN,
 * NO_TRACK_EN).  Each test SKIPs with CPUID.(7,0):EDX[20] where IBT is absent.
 */
#include "fault.h"
#include "lib.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
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
	test_skip(t, "%s", cpu_feat_missing(FEAT_IBT));
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

/* Each variant gets exactly what its property note declares and the CPU has. */
TEST(ibt_elf_note_features, "ibt")
{
	static const struct {
		const char *prog;
		bool shstk, ibt;
	} v[] = { { "notes_none", false, false },
		  { "notes_shstk", true, false },
		  { "notes_both", true, true } };

	for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
		bool shstk = v[i].shstk && cpu.shstk, ibt = v[i].ibt && cpu.ibt;
		diag("%s: expecting shadow stack %s, IBT %s", v[i].prog, shstk ? "on" : "off",
		     ibt ? "on" : "off");
		/* Case 0 exits 1 when RDSSP sees a live shadow stack. */
		test_run_exit(t, v[i].prog, 0, 0, 0, shstk ? 1 : 0);
		if (!ibt) {
			test_run_exit(t, v[i].prog, 1, 0, 0, 0);
			continue;
		}
		struct uproc p;
		if (!test_load(t, &p, v[i].prog, 0))
			continue;
		struct fault_expect want = { X86_EXC_CP, CP_EC_ENDBRANCH,
					     uproc_symbol(&p, "u_nt_no_endbr"), 0 };
		if (uproc_run(&p, 1, 0) != UPROC_FAULTED)
			test_fail(t, "%s: the ENDBR-less call was not #CP(3)", v[i].prog);
		else
			check_fault(t, &p.fault, &want);
		uproc_destroy(&p);
	}
}

TEST(ibt_legacy_bitmap_exempts_pages, "ibt")
{
	if (!need_ibt(t))
		return;
	/* A marked page runs without ENDBR64; an unmarked one still faults. */
	test_run_exit(t, "ibt", IB_LEGACY_SET, 0, UPROC_START_IBT, 0);
	ibt_fault(t, IB_LEGACY_CLEAR, UPROC_START_IBT, "u_no_endbr");
}

TEST(ibt_tracker_survives_interrupt, "ibt")
{
	if (!need_ibt(t))
		return;
	/*
	 * A single-step #DB comes between the indirect call and its target; the
	 * tracker (WAIT_FOR_ENDBRANCH), saved in IA32_U_CET on delivery and
	 * restored by IRETQ, still demands ENDBR64 at the target.
	 */
	struct uproc p;
	if (test_load(t, &p, "ibt", UPROC_START_IBT)) {
		p.resume_single_step = true;
		if (expect_exit(t, &p, IB_STEP_ENDBR, 0, 0))
			CHECK(t, p.single_steps >= 1, "no #DB came: the test saw no interrupt");
		uproc_destroy(&p);
	}
	if (!test_load(t, &p, "ibt", UPROC_START_IBT))
		return;
	p.resume_single_step = true;
	struct fault_expect want = { X86_EXC_CP, CP_EC_ENDBRANCH, uproc_symbol(&p, "u_no_endbr"), 0 };
	if (uproc_run(&p, IB_STEP_NO_ENDBR, 0) != UPROC_FAULTED)
		test_fail(t, "the target without ENDBR64 ran after the #DB (exit %ld)", p.exit_code);
	else
		check_fault(t, &p.fault, &want);
	CHECK_EQ(t, p.single_steps, 1, "single-step #DBs before the target");
	uproc_destroy(&p);
}
