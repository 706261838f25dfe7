/*
 * User-mode shadow stacks: the ring-3 fault matrix (program "shstk"), the
 * shadow-stack mapping type, and the kernel-side MSR, XSAVES and U/S checks.
 * Every CET test SKIPs with the CPUID reason where shadow stacks are absent;
 * control cases that need no CET run everywhere.
 */
#include "cet.h"
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "probes.h"
#include "shstk.h"
#include "syscall.h"
#include "test.h"
#include "user/shstk.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"

#define START_SHSTK UPROC_START_SHSTK
#define START_WRSS (UPROC_START_SHSTK | UPROC_START_WRSS)
#define PF_SS_WRITE (PF_EC_P | PF_EC_W | PF_EC_U | PF_EC_SS)

/*
 * Runs a case in p (already created) expected to fault exactly; cr2 is only
 * checked for #PF.  Returns true on a match; p stays loaded for more checks.
 */
static bool sh_fault(struct test_case_run *t, struct uproc *p, u64 which, u64 arg, u64 vector,
		     u64 ec, const char *rip_sym, u64 cr2)
{
	struct fault_expect want = { vector, ec, uproc_symbol(p, rip_sym), cr2 };
	if (!want.rip) {
		test_error(t, "shstk has no symbol %s", rip_sym);
		return false;
	}
	if (uproc_run(p, which, arg) == UPROC_EXITED) {
		test_fail(t, "case %lu exited with %ld instead of faulting", which, p->exit_code);
		return false;
	}
	bool ok = check_fault(t, &p->fault, &want);
	if (!ok)
		trap_dump(&p->fault_frame, p->fault.cr2);
	return ok;
}

/* Checks that [base, base + size) is a user shadow stack with unmapped guards. */
static void check_shstk_mapping(struct test_case_run *t, u64 *pml4, u64 base, u64 size)
{
	CHECK(t, !pt_walk(pml4, base - PAGE_SIZE, NULL), "guard below 0x%lx is mapped", base);
	CHECK(t, !pt_walk(pml4, base + size, NULL), "guard above 0x%lx is mapped", base + size);
	for (u64 va = base; va < base + size; va += PAGE_SIZE) {
		int level;
		u64 *e = pt_walk(pml4, va, &level);
		if (!CHECK(t, e && level == 1, "shadow-stack page 0x%lx not mapped", va))
			return;
		CHECK(t, pte_is_shstk_type(*e) && (*e & PTE_U) && (*e & mm_nx()) == mm_nx(),
		      "0x%lx: PTE 0x%lx is not a user shadow-stack page", va, *e);
		for (int l = 2; l <= 4; l++) {
			u64 *u = pt_entry_at(pml4, va, l);
			CHECK(t, u && (*u & PTE_W), "0x%lx: level-%d entry not writable", va, l);
		}
	}
}

TEST(shstk_ctl_and_map_shadow_stack, "shstk")
{
	struct uproc p;

	if (!cet_shstk_available()) {
		/* Without CET, enabling is refused and crt0 reports it. */
		test_run_exit(t, "shstk", SH_FIRST_CALL, 0, START_SHSTK, START_FAILED_EXIT);
		return test_skip(t, "%s", cet_shstk_missing_reason());
	}
	if (!test_load(t, &p, "shstk", START_SHSTK))
		return;
	if (uproc_run(&p, SH_CTL_API, 0) != UPROC_EXITED || p.exit_code) {
		test_fail(t, "the API case failed at step %ld", p.exit_code);
	} else {
		/* The stack SHSTK_OP_ENABLE made, and the one map_shadow_stack placed. */
		CHECK_EQ(t, p.main->shstk_size, SHSTK_DEFAULT_SIZE, "initial shadow stack size");
		check_shstk_mapping(t, p.pml4, p.main->shstk_base, p.main->shstk_size);
		u64 ssp = cet_task_ssp(&p.main->cet);
		CHECK(t, ssp > p.main->shstk_base && ssp <= p.main->shstk_base + p.main->shstk_size,
		      "saved SSP 0x%lx outside the initial shadow stack", ssp);
		CHECK_EQ(t, cet_task_u_cet(&p.main->cet), CET_SH_STK_EN, "saved U_CET");
		check_shstk_mapping(t, p.pml4, test_var(t, &p, "u_stack_b"), 8192);
	}
	uproc_destroy(&p);
}

TEST(shstk_call_ret_nested_64, "shstk")
{
	if (test_need_shstk(t))
		test_run_exit(t, "shstk", SH_CALL_RET_64, 0, START_SHSTK, 0);
}

TEST(shstk_rdssp_off_keeps_register, "shstk")
{
	/* RDSSP is a NOP without shadow stacks: runs on every CPU. */
	test_run_exit(t, "shstk", SH_RDSSP_OFF, 0, 0, 0);
}

TEST(shstk_smashed_return_cp1, "shstk")
{
	struct uproc p;

	/* Control: with shadow stacks off the smash works. */
	test_run_exit(t, "shstk", SH_SMASH, 0, 0, SH_EXIT_SMASH_WORKED);
	if (!test_need_shstk(t) || !test_load(t, &p, "shstk", START_SHSTK))
		return;
	if (sh_fault(t, &p, SH_SMASH, 0, X86_EXC_CP, CP_EC_NEAR_RET, "u_smash_ret", 0))
		CHECK_EQ(t, p.fault_ssp, test_var(t, &p, "u_saved_ssp"), "SSP at #CP");
	uproc_destroy(&p);
}

TEST(shstk_far_ret_mismatch_cp2, "shstk")
{
	test_run_exit(t, "shstk", SH_FAR_RET_LIP, 0, 0, SH_EXIT_SMASH_WORKED);
	if (!test_need_shstk(t))
		return;
	for (u64 which = SH_FAR_RET_LIP; which <= SH_FAR_RET_CS; which++) {
		struct uproc p;
		if (!test_load(t, &p, "shstk", START_SHSTK))
			return;
		if (sh_fault(t, &p, which, 0, X86_EXC_CP, CP_EC_FAR_RET, "u_far_ret_rip", 0))
			CHECK_EQ(t, p.fault_ssp, test_var(t, &p, "u_saved_ssp"), "SSP at #CP");
		uproc_destroy(&p);
	}
}

TEST(shstk_rstorssp_bad_token_cp4, "shstk")
{
	static const char *const kinds[] = { "mode bit clear", "wrong address",
					     "previous-SSP token" };
	if (!test_need_shstk(t))
		return;
	for (u64 kind = BAD_TOKEN_MODE; kind <= BAD_TOKEN_PREV; kind++) {
		struct uproc p;
		if (!test_load(t, &p, "shstk", START_WRSS))
			return;
		diag("token: %s", kinds[kind]);
		if (sh_fault(t, &p, SH_RSTORSSP_BAD, kind, X86_EXC_CP, CP_EC_RSTORSSP,
			     "u_rstorssp_rip", 0))
			CHECK_EQ(t, p.fault_ssp, test_var(t, &p, "u_saved_ssp"), "SSP at #CP");
		uproc_destroy(&p);
	}
}

TEST(shstk_rstorssp_token_in_normal_page, "shstk")
{
	struct uproc p;
	if (!test_need_shstk(t) || !test_load(t, &p, "shstk", START_SHSTK))
		return;
	/*
	 * The SDM reads the token with a locked shadow-stack load inside an
	 * atomic load-check-store, so the CPU may report the access as a read
	 * (0x45: P, U, SS; Bochs does) or as the store it is part of (0x47, W
	 * too).  Until real hardware settles it both pass, and the log says
	 * which one this CPU gave.
	 */
	const u64 read = PF_EC_P | PF_EC_U | PF_EC_SS, write = read | PF_EC_W;
	struct fault_expect want = { X86_EXC_PF, read, uproc_symbol(&p, "u_rstorssp_rip"),
				     uproc_symbol(&p, "u_normal_page") };
	if (uproc_run(&p, SH_RSTORSSP_NORMAL, 0) == UPROC_EXITED) {
		test_fail(t, "case %d exited with %ld instead of faulting", SH_RSTORSSP_NORMAL,
			  p.exit_code);
	} else {
		if (p.fault.vector == X86_EXC_PF && p.fault.error_code == write)
			want.error_code = write;
		diag("RSTORSSP on an ordinary page: #PF error 0x%lx (%s)", p.fault.error_code,
		     p.fault.error_code == write ? "W=1, reported as the token store"
		     : p.fault.error_code == read ? "W=0, reported as the token load"
						  : "neither 0x45 nor 0x47");
		if (!check_fault(t, &p.fault, &want))
			trap_dump(&p.fault_frame, p.fault.cr2);
	}
	uproc_destroy(&p);
}

TEST(shstk_wrss_needs_wr_shstk_en, "shstk")
{
	struct uproc p;

	/* WRSS without shadow stacks is #UD on every CPU. */
	if (test_load(t, &p, "shstk", 0))
		sh_fault(t, &p, SH_WRSS, 0, X86_EXC_UD, 0, "u_wrss_rip", 0);
	uproc_destroy(&p);
	if (!test_need_shstk(t) || !test_load(t, &p, "shstk", START_SHSTK))
		return;
	sh_fault(t, &p, SH_WRSS, 0, X86_EXC_UD, 0, "u_wrss_rip", 0);
	uproc_destroy(&p);
	test_run_exit(t, "shstk", SH_WRSS, 0, START_WRSS, 0);
}

TEST(shstk_wrss_write_used_by_ret, "shstk")
{
	if (test_need_shstk(t))
		test_run_exit(t, "shstk", SH_WRSS_REDIRECT, 0, START_WRSS, SH_EXIT_REDIRECTED);
}

TEST(shstk_mov_store_faults_without_ss, "shstk")
{
	struct uproc p;
	if (!test_need_shstk(t) || !test_load(t, &p, "shstk", START_SHSTK))
		return;
	/* The case first checks that a normal read sees the return address. */
	if (uproc_run(&p, SH_MOV_STORE, 0) == UPROC_FAULTED) {
		struct fault_expect want = { X86_EXC_PF, PF_EC_P | PF_EC_W | PF_EC_U,
					     uproc_symbol(&p, "u_mov_store_rip"),
					     test_var(t, &p, "u_saved_ssp") };
		check_fault(t, &p.fault, &want);
	} else {
		test_fail(t, "exited with %ld instead of faulting", p.exit_code);
	}
	uproc_destroy(&p);
}

TEST(shstk_wrss_to_normal_memory_pf_ss, "shstk")
{
	struct uproc p;
	if (!test_need_shstk(t) || !test_load(t, &p, "shstk", START_WRSS))
		return;
	sh_fault(t, &p, SH_WRSS_NORMAL, 0, X86_EXC_PF, PF_SS_WRITE, "u_wrss_rip",
		 uproc_symbol(&p, "u_normal_page"));
	uproc_destroy(&p);
}

/*
 * Starts the program with shadow stacks on and SSP at the top of one page
 * at va, mapped with `flags`; `upper` is cleared in the entry of that level.
 */
static void first_call_on(struct test_case_run *t, u64 va, u64 flags, int upper_level,
			  bool expect_fault)
{
	struct uproc p;
	if (!test_load(t, &p, "shstk", 0))
		return;
	if (umem_map(p.mm, va, PAGE_SIZE, flags)) {
		test_error(t, "cannot map 0x%lx", va);
		goto out;
	}
	if (upper_level) {
		u64 *e = pt_entry_at(p.pml4, va, upper_level);
		if (!e) {
			test_error(t, "no level-%d entry for 0x%lx", upper_level, va);
			goto out;
		}
		*e &= ~PTE_W;
	}
	cet_task_set(&p.main->cet, CET_SH_STK_EN, va + PAGE_SIZE);
	if (expect_fault)
		sh_fault(t, &p, SH_FIRST_CALL, 0, X86_EXC_PF, PF_SS_WRITE, "crt0_call_main",
			 va + PAGE_SIZE - 8);
	else if (uproc_run(&p, SH_FIRST_CALL, 0) != UPROC_EXITED || p.exit_code)
		test_fail(t, "the control run on 0x%lx did not exit 0", va);
out:
	uproc_destroy(&p);
}

TEST(shstk_call_with_ssp_in_normal_memory, "shstk")
{
	if (!test_need_shstk(t))
		return;
	first_call_on(t, 0x0000700000200000UL, PTE_U | PTE_W | mm_nx(), 0, true);
}

/* The rule of the seed thread: a W=0,D=1 leaf is a shadow stack only if every upper level is writable. */
TEST(shstk_upper_level_readonly_is_not_shstk, "shstk")
{
	if (!test_need_shstk(t))
		return;
	u64 shstk = PTE_U | PTE_A | PTE_D | mm_nx();
	first_call_on(t, 0x0000700000200000UL, shstk, 0, false); /* control */
	diag("PDE R/W=0");
	first_call_on(t, 0x0000700000200000UL, shstk, 2, true);
	diag("PDPTE R/W=0");
	first_call_on(t, 0x0000704000000000UL, shstk, 3, true);
}

TEST(shstk_overflow_into_guard_page, "shstk")
{
	struct uproc p;
	if (!test_need_shstk(t) || !test_load(t, &p, "shstk", START_SHSTK))
		return;
	if (uproc_run(&p, SH_OVERFLOW, 0) != UPROC_FAULTED) {
		test_fail(t, "exited with %ld instead of overflowing", p.exit_code);
		goto out;
	}
	u64 base = test_var(t, &p, "u_stack_b"), below = test_var(t, &p, "u_stack_a");
	/* The CALL that found no room: a not-present shadow-stack write. */
	struct fault_expect want = { X86_EXC_PF, PF_EC_W | PF_EC_U | PF_EC_SS,
				     uproc_symbol(&p, "u_recurse_call"), base - 8 };
	check_fault(t, &p.fault, &want);
	CHECK_EQ(t, p.fault_ssp, base, "SSP at the overflow");
	/* The neighbouring stack below the guard is untouched: its token is intact. */
	CHECK(t, below + 2 * PAGE_SIZE == base, "neighbour at 0x%lx, stack at 0x%lx", below, base);
	u64 tok;
	CHECK(t, uproc_peek(&p, below + PAGE_SIZE - 8, &tok) &&
		     tok == shstk_restore_token(below + PAGE_SIZE - 8),
	      "neighbour's token changed");
out:
	uproc_destroy(&p);
}

TEST(shstk_incssp_past_top_hits_guard, "shstk")
{
	struct uproc p;
	if (!test_need_shstk(t) || !test_load(t, &p, "shstk", START_SHSTK))
		return;
	if (uproc_run(&p, SH_INCSSP_TOP, 0) != UPROC_FAULTED) {
		test_fail(t, "exited with %ld instead of faulting", p.exit_code);
	} else {
		/* Two entries below the top; popping four reads past it (a load: no W). */
		u64 top = test_var(t, &p, "u_stack_b") + PAGE_SIZE;
		struct fault_expect want = { X86_EXC_PF, PF_EC_U | PF_EC_SS,
					     uproc_symbol(&p, "u_incssp_rip"), top + 8 };
		check_fault(t, &p.fault, &want);
		CHECK_EQ(t, p.fault_ssp, top - 16, "SSP at the fault");
	}
	uproc_destroy(&p);
}

TEST(shstk_swapcontext_tokens, "shstk")
{
	if (test_need_shstk(t))
		test_run_exit(t, "shstk", SH_SWAPCONTEXT, 0, START_SHSTK, 0);
}

TEST(shstk_call_rel0_does_not_push, "shstk")
{
	if (test_need_shstk(t))
		test_run_exit(t, "shstk", SH_CALL_REL0, 0, START_SHSTK, 0);
}

TEST(shstk_cet_state_is_per_program, "shstk")
{
	struct uproc a;
	if (!test_need_shstk(t) || !test_load(t, &a, "shstk", START_SHSTK))
		return;
	diag("cet: state path %s", cet_path == CET_PATH_XSAVES ? "XSAVES/XRSTORS" : "RDMSR/WRMSR");
	if (sh_fault(t, &a, SH_SMASH, 0, X86_EXC_CP, CP_EC_NEAR_RET, "u_smash_ret", 0)) {
		CHECK_EQ(t, cet_task_u_cet(&a.main->cet), CET_SH_STK_EN, "saved U_CET");
		CHECK_EQ(t, cet_task_ssp(&a.main->cet), a.fault_ssp, "saved SSP");
	}
	/* A program started after it must not inherit its CET state. */
	CHECK_EQ(t, rdmsr(MSR_IA32_U_CET), 0, "U_CET in the kernel after the switch");
	test_run_exit(t, "shstk", SH_SMASH, 0, 0, SH_EXIT_SMASH_WORKED);
	uproc_destroy(&a);
}

struct msr_write {
	u64 msr, value;
};

static void expect_wrmsr_gp(struct test_case_run *t, u64 msr, u64 value)
{
	struct msr_write w = { msr, value };
	struct fault_expect e = { X86_EXC_GP, 0, (u64)kp_wrmsr_rip, 0 };
	diag("wrmsr 0x%lx <- 0x%lx", msr, value);
	expect_kernel_fault(t, kp_wrmsr, &w, &e);
}

static void expect_wrmsr_ok(struct test_case_run *t, u64 msr, u64 value)
{
	struct msr_write w = { msr, value };
	struct fault_catch c;
	if (fault_catch_call(&c, kp_wrmsr, &w))
		test_fail(t, "wrmsr 0x%lx <- 0x%lx faulted", msr, value);
	else
		CHECK_EQ(t, rdmsr(msr), value, "MSR read back");
}

TEST(shstk_msr_pl3_ssp_checks, "shstk")
{
	if (!test_need_shstk(t))
		return;
	expect_wrmsr_ok(t, MSR_IA32_PL3_SSP, 0x00007ffffffff000UL);
	expect_wrmsr_ok(t, MSR_IA32_PL3_SSP, 0x0000000000401004UL); /* 4-byte aligned */
	expect_wrmsr_gp(t, MSR_IA32_PL3_SSP, 0x0000000000401001UL);
	expect_wrmsr_gp(t, MSR_IA32_PL3_SSP, 0x0000000000401002UL);
	expect_wrmsr_gp(t, MSR_IA32_PL3_SSP, 0x0000800000000000UL);
	expect_wrmsr_gp(t, MSR_IA32_PL3_SSP, 0x8000000000001000UL);
	wrmsr(MSR_IA32_PL3_SSP, 0);
}

TEST(shstk_msr_u_cet_reserved_bits, "shstk")
{
	if (!test_need_shstk(t))
		return;
	expect_wrmsr_ok(t, MSR_IA32_U_CET, CET_SH_STK_EN | CET_WR_SHSTK_EN);
	for (int bit = 6; bit <= 9; bit++)
		expect_wrmsr_gp(t, MSR_IA32_U_CET, CET_SH_STK_EN | BIT(bit));
	if (cpu.ibt) {
		/* TRACKER and SUPPRESS together, and a non-canonical bitmap base. */
		expect_wrmsr_gp(t, MSR_IA32_U_CET, CET_TRACKER | CET_SUPPRESS);
		expect_wrmsr_gp(t, MSR_IA32_U_CET, 0x0000800000000000UL | CET_LEG_IW_EN);
	}
	wrmsr(MSR_IA32_U_CET, 0);
}

/* An XSAVE area for the CET_U tests; SKIP where CET_U is not an XSAVES component. */
static bool xsaves_area(struct test_case_run *t, struct cet_task *c)
{
	if (!test_need_shstk(t))
		return false;
	if (cet_path != CET_PATH_XSAVES) {
		test_skip(t, "%s", cet_xsaves_missing_reason());
		return false;
	}
	if (cet_task_init(c)) {
		test_error(t, "out of memory");
		return false;
	}
	return true;
}

TEST(shstk_xsaves_cet_u_roundtrip, "shstk")
{
	struct cet_task c;

	if (!xsaves_area(t, &c))
		return;
	u64 *area = c.xsave, *cet_u = (u64 *)((u8 *)area + CET_U_XSAVE_OFFSET);
	wrmsr(MSR_IA32_U_CET, CET_SH_STK_EN | CET_WR_SHSTK_EN);
	wrmsr(MSR_IA32_PL3_SSP, 0x00007fffdead0008UL);
	cet_xsaves(area, BIT(XFEATURE_CET_U));
	CHECK_EQ(t, cet_u[0], CET_SH_STK_EN | CET_WR_SHSTK_EN, "U_CET in the XSAVE area");
	CHECK_EQ(t, cet_u[1], 0x00007fffdead0008UL, "PL3_SSP in the XSAVE area");
	CHECK_EQ(t, area[64] & BIT(XFEATURE_CET_U), BIT(XFEATURE_CET_U), "XSTATE_BV bit 11");
	CHECK_EQ(t, area[65], BIT(63) | BIT(XFEATURE_CET_U), "XCOMP_BV");
	wrmsr(MSR_IA32_U_CET, 0);
	wrmsr(MSR_IA32_PL3_SSP, 0);
	cet_xrstors(area, BIT(XFEATURE_CET_U));
	CHECK_EQ(t, rdmsr(MSR_IA32_U_CET), CET_SH_STK_EN | CET_WR_SHSTK_EN, "U_CET restored");
	CHECK_EQ(t, rdmsr(MSR_IA32_PL3_SSP), 0x00007fffdead0008UL, "PL3_SSP restored");

	wrmsr(MSR_IA32_U_CET, 0);
	wrmsr(MSR_IA32_PL3_SSP, 0);
	cet_task_free(&c);
}

/* XRSTORS of CET_U applies WRMSR's checks: a bad value is #GP, not dropped. */
TEST(shstk_xrstors_cet_u_invalid_gp, "shstk")
{
	static const struct {
		u64 u_cet, ssp;
		const char *what;
	} bad[] = {
		{ CET_SH_STK_EN, 0x8000000000001000UL, "non-canonical PL3_SSP" },
		{ CET_SH_STK_EN, 0x00007fffdead0001UL, "PL3_SSP bits 1:0 set" },
		{ CET_SH_STK_EN | BIT(7), 0x00007fffdead0000UL, "reserved U_CET bit 7" },
	};
	struct cet_task c;

	if (!xsaves_area(t, &c))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		wrmsr(MSR_IA32_U_CET, 0);
		wrmsr(MSR_IA32_PL3_SSP, 0x1000);
		cet_task_set(&c, bad[i].u_cet, bad[i].ssp);
		diag("XRSTORS with %s (U_CET 0x%lx, PL3_SSP 0x%lx)", bad[i].what, bad[i].u_cet,
		     bad[i].ssp);
		struct fault_expect e = { X86_EXC_GP, 0, (u64)kp_xrstors_rip, 0 };
		if (!expect_kernel_fault(t, kp_xrstors, c.xsave, &e))
			diag("after XRSTORS: U_CET 0x%lx PL3_SSP 0x%lx", rdmsr(MSR_IA32_U_CET),
			     rdmsr(MSR_IA32_PL3_SSP));
	}
	wrmsr(MSR_IA32_U_CET, 0);
	wrmsr(MSR_IA32_PL3_SSP, 0);
	cet_task_free(&c);
}

/* A supervisor shadow-stack page in the stack region, its token in the top slot. */
static u64 map_supervisor_shstk(u64 *frame)
{
	u64 va = kstack_guard(KSTACK_REGION + KSTACK_REGION_SIZE - 16 * PAGE_SIZE);
	*frame = frame_alloc();
	if (!*frame)
		return 0;
	*(u64 *)phys_to_virt(*frame + PAGE_SIZE - 8) = va + PAGE_SIZE - 8;
	if (pt_map(kernel_pml4, va, *frame, PTE_A | PTE_D | mm_nx())) {
		frame_free(*frame);
		return 0;
	}
	return va;
}

TEST(shstk_user_supervisor_mismatch, "shstk")
{
	struct uproc p;
	u64 frame;

	if (!test_need_shstk(t))
		return;
	u64 sva = map_supervisor_shstk(&frame);
	if (!sva)
		return test_error(t, "cannot map a supervisor shadow stack");
	if (!test_load(t, &p, "shstk", 0))
		goto out;
	long user = umem_reserve(p.mm, 0, PAGE_SIZE);
	if (user < 0 || umem_map_shstk(p.mm, user, PAGE_SIZE) ||
	    umem_map(p.mm, user + 2 * PAGE_SIZE, PAGE_SIZE, PTE_U | PTE_W | mm_nx())) {
		test_error(t, "cannot map user pages");
		goto out_p;
	}
	write_cr3(virt_to_phys(p.pml4));

	/* WRUSS is a user access: fine on a user shadow stack ... */
	struct msr_write w = { user + 8, 0x1234 };
	struct fault_catch c;
	if (fault_catch_call(&c, kp_wruss, &w))
		test_fail(t, "WRUSS to a user shadow-stack page faulted");
	/* ... a fault on a supervisor one, and on ordinary user memory. */
	struct fault_expect e = { X86_EXC_PF, PF_SS_WRITE, (u64)kp_wruss_rip, sva };
	w.msr = sva;
	diag("WRUSS to a supervisor shadow-stack page");
	expect_kernel_fault(t, kp_wruss, &w, &e);
	w.msr = e.cr2 = user + 2 * PAGE_SIZE;
	diag("WRUSS to ordinary user memory");
	expect_kernel_fault(t, kp_wruss, &w, &e);

	/* WRSS at CPL0 is a supervisor access: a user shadow-stack page faults. */
	struct msr_write s = { user + 16, sva + PAGE_SIZE - 8 };
	struct fault_expect se = { X86_EXC_PF, PF_EC_P | PF_EC_W | PF_EC_SS,
				   (u64)kp_wrss_supervisor_rip, user + 16 };
	diag("WRSS (CPL0) to a user shadow-stack page");
	u64 s_cet = rdmsr(MSR_IA32_S_CET);
	expect_kernel_fault(t, kp_wrss_supervisor, &s, &se);
	CHECK_EQ(t, rdmsr(MSR_IA32_S_CET), s_cet, "S_CET after the fault");
	write_cr3(virt_to_phys(kernel_pml4));
out_p:
	uproc_destroy(&p);
out:
	pt_unmap(kernel_pml4, sva);
	frame_free(frame);
}
