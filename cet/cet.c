/*
 * CET enabling and the per-task CET_U state.  CR4.CET is set only when CPUID
 * enumerates shadow stacks or IBT: QEMU's TCG hangs on it otherwise.
 */
#include "cet.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"

#define XSAVE_HEADER 512
#define XCOMP_BV_COMPACT (1UL << 63)

enum cet_path cet_path;

bool cet_shstk_available(void)
{
	return cpu.shstk;
}

const char *cet_shstk_missing_reason(void)
{
	return cpu_feat_missing(FEAT_SHSTK);
}

const char *cet_xsaves_missing_reason(void)
{
	static const enum cpu_feat_id need[] = { FEAT_XSAVE, FEAT_XSAVES, FEAT_XSS_CET_U };

	for (unsigned i = 0; i < ARRAY_SIZE(need); i++)
		if (!cpu_feat_has(need[i]))
			return cpu_feat_missing(need[i]);
	return "CET_U is switched with XSAVES";
}

void cet_xsaves(void *area, u64 rfbm)
{
	asm volatile("xsaves64 (%0)" ::"r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32))
		     : "memory");
}

void cet_xrstors(void *area, u64 rfbm)
{
	asm volatile("xrstors64 (%0)" ::"r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32))
		     : "memory");
}

void cet_init(void)
{
	if (!cpu.shstk && !cpu.ibt) {
		if (cpu_feat_masked(FEAT_SHSTK) || cpu_feat_masked(FEAT_IBT))
			diag("cet: not used (%s; IBT: %s); CR4.CET left clear",
			     cpu_feat_missing(FEAT_SHSTK), cpu_feat_missing(FEAT_IBT));
		else
			diag("cet: not enumerated (CPUID.(7,0):ECX[7]=0, EDX[20]=0); CR4.CET left clear");
		return;
	}
	/* CR4.CET requires CR0.WP; clearing WP later would #GP. */
	write_cr0(read_cr0() | X86_CR0_WP);
	write_cr4(read_cr4() | X86_CR4_CET);
	/* User state is per task; the kernel itself starts with CET off. */
	wrmsr(MSR_IA32_U_CET, 0);
	wrmsr(MSR_IA32_PL3_SSP, 0);
	wrmsr(MSR_IA32_S_CET, 0);
	if (cpu.ibt) {
		/* Every indirect branch target in the kernel starts with ENDBR64. */
		wrmsr(MSR_IA32_S_CET, CET_ENDBR_EN);
		diag("cet: kernel indirect branch tracking on (IA32_S_CET.ENDBR_EN)");
	}

	if (cpu.xsaves && cpu.xss_cet_u && cpu.xsave) {
		write_cr4(read_cr4() | X86_CR4_OSXSAVE);
		wrmsr(MSR_IA32_XSS, rdmsr(MSR_IA32_XSS) | BIT(XFEATURE_CET_U));
		cet_path = CET_PATH_XSAVES;
		diag("cet: CR4.CET set; CET_U state switched with XSAVES/XRSTORS "
		     "(CPUID.(0xD,1):EAX[3] and ECX[11], IA32_XSS bit 11)");
	} else {
		cet_path = CET_PATH_MSR;
		diag("cet: CR4.CET set; CET_U state switched with RDMSR/WRMSR: %s",
		     cet_xsaves_missing_reason());
	}
}

int cet_task_init(struct cet_task *c)
{
	*c = (struct cet_task){ 0 };
	if (cet_path != CET_PATH_XSAVES)
		return 0;
	u64 pa = frame_alloc();
	if (!pa)
		return -1;
	c->xsave = phys_to_virt(pa);
	/* Compacted form, CET_U present in the layout, in its init state. */
	*(u64 *)((u8 *)c->xsave + XSAVE_HEADER + 8) = XCOMP_BV_COMPACT | BIT(XFEATURE_CET_U);
	return 0;
}

void cet_task_free(struct cet_task *c)
{
	if (c->xsave)
		frame_free(virt_to_phys(c->xsave));
	c->xsave = NULL;
}

void cet_task_load(struct cet_task *c)
{
	if (cet_path == CET_PATH_XSAVES) {
		cet_xrstors(c->xsave, BIT(XFEATURE_CET_U));
	} else if (cet_path == CET_PATH_MSR) {
		wrmsr(MSR_IA32_U_CET, c->u_cet);
		wrmsr(MSR_IA32_PL3_SSP, c->pl3_ssp);
	}
}

void cet_task_save(struct cet_task *c)
{
	if (cet_path == CET_PATH_XSAVES) {
		cet_xsaves(c->xsave, BIT(XFEATURE_CET_U));
	} else if (cet_path == CET_PATH_MSR) {
		c->u_cet = rdmsr(MSR_IA32_U_CET);
		c->pl3_ssp = rdmsr(MSR_IA32_PL3_SSP);
	}
}

static u64 *xsave_cet_u(const struct cet_task *c)
{
	return (u64 *)((u8 *)c->xsave + CET_U_XSAVE_OFFSET);
}

static u64 xstate_bv(const struct cet_task *c)
{
	return *(u64 *)((u8 *)c->xsave + XSAVE_HEADER);
}

u64 cet_task_u_cet(const struct cet_task *c)
{
	if (cet_path == CET_PATH_XSAVES)
		return xstate_bv(c) & BIT(XFEATURE_CET_U) ? xsave_cet_u(c)[0] : 0;
	return c->u_cet;
}

u64 cet_task_ssp(const struct cet_task *c)
{
	if (cet_path == CET_PATH_XSAVES)
		return xstate_bv(c) & BIT(XFEATURE_CET_U) ? xsave_cet_u(c)[1] : 0;
	return c->pl3_ssp;
}

void cet_task_set(struct cet_task *c, u64 u_cet, u64 ssp)
{
	if (cet_path == CET_PATH_XSAVES) {
		xsave_cet_u(c)[0] = u_cet;
		xsave_cet_u(c)[1] = ssp;
		*(u64 *)((u8 *)c->xsave + XSAVE_HEADER) |= BIT(XFEATURE_CET_U);
	} else {
		c->u_cet = u_cet;
		c->pl3_ssp = ssp;
	}
}
