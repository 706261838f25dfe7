/*
 * IRETQ from CPL0 to a 32-bit (compatibility-mode) CPL3 code segment while
 * user shadow stacks are on.  The 32-bit SSP of the new mode cannot hold an
 * IA32_PL3_SSP above 4 GiB, so the SDM makes that IRET fault instead.
 */
#include "cet.h"
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/pt.h"
#include "probes.h"
#include "test.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/paging.h"
#include "x86/segment.h"

/*
 * Where the IRETQ goes: below 4 GiB (compatibility-mode EIP) and left
 * unmapped, so that an IRETQ that completes faults on its first fetch.
 */
#define IC_USER_RIP 0x3ff00000UL
#define IC_USER_RSP 0x3ff01000UL
/* IA32_PL3_SSP values: bits 63:32 set, and clear (8-byte aligned both). */
#define IC_SSP_ABOVE_4G 0x100000ff8UL
#define IC_SSP_BELOW_4G 0x3ff02ff8UL
/* How far below the test's SSP the spare supervisor token goes. */
#define IC_TOKEN_GAP 512

struct ic_run {
	struct fault_catch c;
	struct kp_iret_frame frame;
	u64 pl3_before, pl3_after;
};

/*
 * Runs kp_iret_compat to cs with U_CET.SH_STK_EN set and IA32_PL3_SSP = ssp,
 * and catches whatever it raises.  A CPU that raises the fault at CPL0 needs
 * nothing more.  One that loads CPL3 state first, or lets the IRETQ
 * complete, delivers the fault from CPL3: through TSS.RSP0, which must not
 * be the live stack under us, and, with supervisor shadow stacks, through
 * the token IA32_PL0_SSP names, which the kernel holds busy.  So both point
 * at spare ones meanwhile: a scratch data stack, and a free token planted
 * below our own SSP, where the catch can unwind to us with INCSSP as usual.
 * Interrupts stay off, so no task switch sees the borrowed values.
 */
static bool ic_iret(struct test_case_run *t, u64 cs, u64 ssp, struct ic_run *r)
{
	u64 *pml4 = phys_to_virt(read_cr3() & PTE_ADDR_MASK);

	if (!(read_cr4() & X86_CR4_CET)) {
		test_error(t, "shadow stacks are enumerated but CR4.CET is clear");
		return false;
	}
	if (pt_walk(pml4, IC_USER_RIP, NULL)) {
		test_error(t, "0x%lx is mapped; the IRETQ target must not be", IC_USER_RIP);
		return false;
	}
	u64 token = 0;
	if (kshstk_on) {
		token = (kshstk_ssp() - IC_TOKEN_GAP) & ~7UL;
		if (token - IC_TOKEN_GAP < current->kshstk_top - KSTACK_PAGES * PAGE_SIZE) {
			test_error(t, "no room below SSP 0x%lx for a spare token", kshstk_ssp());
			return false;
		}
	}
	u64 rsp0 = kstack_alloc();
	if (!rsp0) {
		test_error(t, "out of memory");
		return false;
	}
	r->frame = (struct kp_iret_frame){ .rip = IC_USER_RIP, .cs = cs,
					   .rflags = X86_RFLAGS_FIXED, .rsp = IC_USER_RSP,
					   .ss = USER_DS };
	u64 flags = read_rflags();
	cli();
	u64 u_cet = rdmsr(MSR_IA32_U_CET), pl3 = rdmsr(MSR_IA32_PL3_SSP);
	u64 pl0 = rdmsr(MSR_IA32_PL0_SSP), old_rsp0 = tss_rsp0();
	wrmsr(MSR_IA32_U_CET, u_cet | CET_SH_STK_EN);
	wrmsr(MSR_IA32_PL3_SSP, ssp);
	r->pl3_before = rdmsr(MSR_IA32_PL3_SSP);
	tss_set_rsp0(rsp0);
	if (token) {
		kshstk_write(token, token);
		wrmsr(MSR_IA32_PL0_SSP, token);
	}
	bool faulted = fault_catch_call(&r->c, kp_iret_compat, &r->frame);
	r->pl3_after = rdmsr(MSR_IA32_PL3_SSP);
	wrmsr(MSR_IA32_PL0_SSP, pl0);
	tss_set_rsp0(old_rsp0);
	wrmsr(MSR_IA32_PL3_SSP, pl3);
	wrmsr(MSR_IA32_U_CET, u_cet);
	if (flags & X86_RFLAGS_IF)
		asm volatile("sti" ::: "memory");
	kstack_free(rsp0);
	if (!faulted) {
		test_error(t, "kp_iret_compat returned");
		return false;
	}
	CHECK_EQ(t, r->pl3_before, ssp, "IA32_PL3_SSP as written");
	return true;
}

/* The fault's own frame, for the log when it is not what the SDM says. */
static void ic_dump(const struct ic_run *r)
{
	diag("caught frame: rip %04lx:%016lx rsp %04lx:%016lx rflags %lx; at the IRETQ rsp %04lx:%016lx",
	     r->c.frame.cs, r->c.frame.rip, r->c.frame.ss, r->c.frame.rsp, r->c.frame.rflags,
	     r->frame.iret_ss, r->frame.iret_rsp);
	diag("IA32_PL3_SSP 0x%lx before, 0x%lx after", r->pl3_before, r->pl3_after);
}

/* An IRETQ that completed: the first fetch at CPL3, from an unmapped page. */
static bool ic_reached_cpl3(struct test_case_run *t, const struct ic_run *r, u64 cs)
{
	/* SDM Vol. 3A 4.7: I is reported when EFER.NXE or CR4.SMEP is set. */
	bool id = (rdmsr(MSR_EFER) & EFER_NXE) || (read_cr4() & X86_CR4_SMEP);
	struct fault_expect pf = { X86_EXC_PF, PF_EC_U | (id ? PF_EC_I : 0), IC_USER_RIP,
				   IC_USER_RIP };
	bool ok = check_fault(t, &r->c.info, &pf) && CHECK_EQ(t, r->c.frame.cs, cs, "CS at the #PF");
	if (!ok)
		ic_dump(r);
	return ok;
}

/*
 * The IRETQ to cs with IA32_PL3_SSP = ssp, after a 64-bit one with a small
 * IA32_PL3_SSP that must reach CPL3.  That first one leaves SSP below
 * 4 GiB: without supervisor shadow stacks CPL0 keeps the SSP of the last
 * CPL3 code, unused, and an emulator that (wrongly) checks that value
 * would otherwise give results that depend on which tests ran before.
 */
static bool ic_run(struct test_case_run *t, u64 cs, u64 ssp, struct ic_run *r)
{
	if (!ic_iret(t, USER_CS, IC_SSP_BELOW_4G, r))
		return false;
	if (!ic_reached_cpl3(t, r, USER_CS)) {
		test_fail(t, "a 64-bit IRETQ to CPL3 did not get there");
		return false;
	}
	return ic_iret(t, cs, ssp, r);
}

/*
 * SDM Vol. 2A, IRET, RETURN-TO-OUTER-PRIVILEGE-LEVEL: when shadow stacks
 * are enabled for the new CPL 3 (CR4.CET and IA32_U_CET.SH_STK_EN), the new
 * SSP is IA32_PL3_SSP, and if the new CS is not a 64-bit one (EFER.LMA AND
 * CS.L = 0) while its bits 63:32 are not all zero, the IRET raises #GP(0).
 * FRED's ERETU has the same check.  (The IRET page's exception list also
 * files this case under #CP; its pseudocode and ERETU say #GP(0).)
 * Two controls come first: the same IRETQ reaches CPL3 (where its first
 * fetch, from an unmapped page, is a user #PF) with a 64-bit CS and the
 * same IA32_PL3_SSP, and with the 32-bit CS and IA32_PL3_SSP[63:32] = 0.
 */
TEST(shstk_iret_compat_ssp_above_4g_gp, "shstk")
{
	struct ic_run r;

	if (!test_need_shstk(t))
		return;
	diag("control: 64-bit CS, IA32_PL3_SSP 0x%lx", IC_SSP_ABOVE_4G);
	if (!ic_run(t, USER_CS, IC_SSP_ABOVE_4G, &r))
		return;
	ic_reached_cpl3(t, &r, USER_CS);
	diag("control: 32-bit CS, IA32_PL3_SSP 0x%lx", IC_SSP_BELOW_4G);
	if (!ic_run(t, USER_CS32, IC_SSP_BELOW_4G, &r))
		return;
	ic_reached_cpl3(t, &r, USER_CS32);
	diag("32-bit CS, IA32_PL3_SSP 0x%lx", IC_SSP_ABOVE_4G);
	if (!ic_run(t, USER_CS32, IC_SSP_ABOVE_4G, &r))
		return;
	struct fault_expect gp = { X86_EXC_GP, 0, (u64)kp_iret_compat_rip, 0 };
	if (!check_fault(t, &r.c.info, &gp))
		ic_dump(&r);
}

/*
 * The same #GP(0) is a fault of the IRETQ itself, so it is taken with the
 * state from before it (SDM Vol. 3A 6.5, faults): CPL0 in KERNEL_CS, RSP
 * still at the IRETQ frame, no stack switch, and IA32_PL3_SSP untouched (a
 * delivery from CPL3 would have saved SSP into it).
 */
TEST(shstk_iret_compat_gp_before_state_change, "shstk")
{
	struct ic_run r;

	if (!test_need_shstk(t))
		return;
	if (!ic_run(t, USER_CS32, IC_SSP_ABOVE_4G, &r))
		return;
	struct fault_expect gp = { X86_EXC_GP, 0, (u64)kp_iret_compat_rip, 0 };
	bool ok = check_fault(t, &r.c.info, &gp);
	if (ok && r.c.frame.cs != KERNEL_CS)
		test_fail(t, "the #GP was delivered with CS 0x%lx (CPL%lu state loaded); the SDM "
			     "takes it before any state changes",
			  r.c.frame.cs, r.c.frame.cs & 3);
	ok = ok && r.c.frame.cs == KERNEL_CS;
	ok &= CHECK_EQ(t, r.c.frame.rsp, r.frame.iret_rsp, "RSP at the #GP");
	ok &= CHECK_EQ(t, r.c.frame.ss, r.frame.iret_ss, "SS at the #GP");
	ok &= CHECK_EQ(t, r.pl3_after, r.pl3_before, "IA32_PL3_SSP after the #GP");
	if (!ok)
		ic_dump(&r);
}
