/*
 * Feature gating: the control bits the kernel set must follow its view of
 * the CPU (CPUID, less what clearcpuid= hid), bit by bit.  A gate that reads
 * CPUID directly, or none at all, shows up here on a masked platform.
 */
#include "cet.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "kernel/task.h"
#include "lib.h"
#include "test.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"

static void check_bit(struct test_case_run *t, const char *reg, u64 value, u64 bit, bool want,
		      enum cpu_feat_id id)
{
	if (!!(value & bit) != want)
		test_fail(t, "%s bit 0x%lx is %s, but the kernel's view of the CPU says %s", reg,
			  bit, want ? "clear" : "set",
			  want ? "the feature is there" : cpu_feat_missing(id));
}

TEST(cpu_control_bits_follow_features, "cpu")
{
	u64 cr4 = read_cr4();

	check_bit(t, "CR4", cr4, X86_CR4_SMEP, cpu.smep, FEAT_SMEP);
	check_bit(t, "CR4", cr4, X86_CR4_SMAP, cpu.smap, FEAT_SMAP);
	check_bit(t, "CR4", cr4, X86_CR4_UMIP, cpu.umip, FEAT_UMIP);
	check_bit(t, "CR4", cr4, X86_CR4_PGE, cpu.pge, FEAT_PGE);
	CHECK(t, !!(cr4 & X86_CR4_CET) == (cpu.shstk || cpu.ibt),
	      "CR4.CET is %d with shstk=%d ibt=%d", !!(cr4 & X86_CR4_CET), cpu.shstk, cpu.ibt);
	if (cr4 & X86_CR4_CET) {
		u64 s_cet = rdmsr(MSR_IA32_S_CET);
		check_bit(t, "IA32_S_CET", s_cet, CET_ENDBR_EN, cpu.ibt, FEAT_IBT);
		check_bit(t, "IA32_S_CET", s_cet, CET_SH_STK_EN, cpu.kshstk, FEAT_KSHSTK);
		CHECK(t, kshstk_on == cpu.kshstk, "kshstk_on %d, kshstk %d", kshstk_on, cpu.kshstk);
	}
	/* IA32_XSS exists wherever CPUID has XSAVES, masked or not. */
	if (cpu.leafd_1_eax & BIT(3)) {
		u64 xss = rdmsr(MSR_IA32_XSS);
		check_bit(t, "IA32_XSS", xss, BIT(XFEATURE_CET_U), cet_path == CET_PATH_XSAVES,
			  FEAT_XSS_CET_U);
		CHECK(t, cet_path != CET_PATH_XSAVES || cpu.xss_cet_u,
		      "CET_U switched with XSAVES: %s", cpu_feat_missing(FEAT_XSS_CET_U));
	}
	if (cr4 & X86_CR4_OSXSAVE)
		CHECK(t, cpu.xsave, "CR4.OSXSAVE set: %s", cpu_feat_missing(FEAT_XSAVE));
}
