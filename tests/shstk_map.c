/*
 * Shadow-stack mappings as the README states them: a thread's own shadow
 * stack (size, guard pages), map_shadow_stack sizes that are not page
 * multiples, and protection changes, which shadow-stack pages refuse.
 */
#include "cet.h"
#include "errno.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "shstk.h"
#include "syscall.h"
#include "test.h"
#include "user/shstk.h"
#include "user/task.h"
#include "kernel/cpu.h"
#include "x86/cet.h"

/* A present user shadow-stack leaf: W=0, D=1, U=1, NX where NX exists. */
static bool is_user_shstk_page(struct uproc *p, u64 va, u64 *pte)
{
	int level;
	u64 *e = pt_walk(p->pml4, va, &level);
	*pte = e ? *e : 0;
	return e && level == 1 && pte_is_shstk_type(*e) && (*e & PTE_U) &&
	       (*e & mm_nx()) == mm_nx();
}

/* [base, base + size) is shadow stack, and the page on each side is unmapped. */
static void check_shstk_range(struct test_case_run *t, struct uproc *p, u64 base, u64 size)
{
	u64 pte;
	CHECK(t, !(base & (PAGE_SIZE - 1)), "base 0x%lx is not page-aligned", base);
	for (u64 va = base; va < base + size; va += PAGE_SIZE)
		CHECK(t, is_user_shstk_page(p, va, &pte), "0x%lx: PTE 0x%lx is not a user shadow-stack page",
		      va, pte);
	CHECK(t, !pt_walk(p->pml4, base - PAGE_SIZE, NULL), "guard page below 0x%lx is mapped",
	      base);
	CHECK(t, !pt_walk(p->pml4, base + size, NULL), "guard page above 0x%lx is mapped",
	      base + size);
}

/*
 * A thread's shadow stack is its stack size rounded up to pages, empty (SSP
 * at its top), with a guard page on each side.  The thread notes RDSSP two
 * CALLs below its entry (u_thread_start, then u_rdssp), 8 bytes each.
 */
TEST(task_shstk_thread_size_and_guards, "task")
{
	static const u64 sizes[][2] = { { 3 * PAGE_SIZE + 8, 4 * PAGE_SIZE },
					{ 4 * PAGE_SIZE, 4 * PAGE_SIZE },
					{ 1, PAGE_SIZE } };
	if (!test_need_shstk(t))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct uproc p;
		if (!test_load(t, &p, "task", UPROC_START_SHSTK))
			return;
		if (expect_exit(t, &p, TK_THREAD_PARK, sizes[i][0], 0)) {
			u64 ssp = test_var(t, &p, "thread_ssp");
			CHECK(t, ssp, "the thread read SSP 0 with shadow stacks on");
			u64 top = ssp + 16, size = sizes[i][1];
			diag("stack size 0x%lx: shadow stack top 0x%lx", sizes[i][0], top);
			check_shstk_range(t, &p, top - size, size);
		}
		uproc_destroy(&p);
	}
}

/*
 * map_shadow_stack: size must be a non-zero multiple of 8; it is rounded up
 * to pages, and SHADOW_STACK_SET_TOKEN puts the token in the top 8 bytes of
 * the size asked for: at addr + size - 8, holding (addr + size) | 1.
 */
TEST(shstk_map_size_not_page_multiple, "shstk")
{
	static const u64 sizes[][2] = { { PAGE_SIZE + 8, 2 * PAGE_SIZE },
					{ 8, PAGE_SIZE },
					{ 3 * PAGE_SIZE - 8, 3 * PAGE_SIZE } };
	static const u64 bad[] = { 4, 12, PAGE_SIZE + 4, 0 };
	if (!test_need_shstk(t))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct uproc p;
		if (!test_load(t, &p, "task", 0))
			return;
		if (expect_exit(t, &p, TK_MAP_SHSTK, sizes[i][0], 0)) {
			u64 va = test_var(t, &p, "u_mapped"), token = 0;
			u64 slot = va + sizes[i][0] - 8;
			check_shstk_range(t, &p, va, sizes[i][1]);
			CHECK(t, uproc_peek(&p, slot, &token), "no token slot at 0x%lx", slot);
			CHECK_EQ(t, token, (va + sizes[i][0]) | SHSTK_TOKEN_MODE64, "restore token");
		}
		uproc_destroy(&p);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		test_run_exit(t, "task", TK_MAP_SHSTK, bad[i], 0, EINVAL);
}

/* mprotect: every protection is refused on shadow-stack pages, checked before any change. */
TEST(shstk_mprotect_refused, "shstk")
{
	u64 free0 = frame_free_count();
	struct umem *u = umem_create();
	if (!u)
		return test_error(t, "no address space");
	long base = umem_reserve(u, 0, 3 * PAGE_SIZE);
	/* An ordinary page, then two shadow-stack pages. */
	if (base < 0 || umem_map(u, base, PAGE_SIZE, PTE_U | PTE_W | mm_nx()) ||
	    umem_map_shstk(u, base + PAGE_SIZE, 2 * PAGE_SIZE)) {
		test_error(t, "cannot map the pages");
		goto out;
	}
	u64 *normal = pt_walk(u->pml4, base, NULL), *ss = pt_walk(u->pml4, base + PAGE_SIZE, NULL);
	u64 normal0 = *normal, ss0 = *ss;
	for (unsigned prot = 0; prot < 8; prot++) {
		CHECK_EQ(t, umem_protect(u, base + PAGE_SIZE, PAGE_SIZE, prot), -EINVAL,
			 "mprotect of a shadow-stack page");
		CHECK_EQ(t, umem_protect(u, base, 3 * PAGE_SIZE, prot), -EINVAL,
			 "mprotect of a range ending in a shadow stack");
		CHECK_EQ(t, *ss, ss0, "shadow-stack PTE after a refused mprotect");
		CHECK_EQ(t, *normal, normal0, "ordinary PTE after a refused mprotect");
	}
	/* The ordinary page alone may change. */
	CHECK_EQ(t, umem_protect(u, base, PAGE_SIZE, PROT_READ | PROT_EXEC), 0,
		 "mprotect of the ordinary page");
	CHECK(t, !(*normal & PTE_W) && !(*normal & PTE_NX), "read+exec: PTE 0x%lx", *normal);
	CHECK_EQ(t, umem_protect(u, base, PAGE_SIZE, PROT_READ), 0, "mprotect read-only");
	CHECK(t, (*normal & mm_nx()) == mm_nx(), "read-only, no exec: PTE 0x%lx", *normal);
out:
	umem_put(u);
	CHECK_EQ(t, frame_free_count(), free0, "free frames after the address space");
}

/* Dirty parked by a write-protect comes back when the page is writable again. */
TEST(mm_mprotect_restores_dirty, "mm")
{
	u64 free0 = frame_free_count();
	struct umem *u = umem_create();
	if (!u)
		return test_error(t, "no address space");
	long va = umem_reserve(u, 0, PAGE_SIZE);
	if (va < 0 || umem_map(u, va, PAGE_SIZE, PTE_U | PTE_W | mm_nx())) {
		test_error(t, "cannot map the page");
		goto out;
	}
	u64 *pte = pt_walk(u->pml4, va, NULL);
	*pte |= PTE_A | PTE_D; /* as if written */
	CHECK_EQ(t, umem_protect(u, va, PAGE_SIZE, PROT_READ), 0, "mprotect read-only");
	CHECK(t, !(*pte & (PTE_W | PTE_D)) && (*pte & PTE_SW_SAVED_DIRTY),
	      "read-only: PTE 0x%lx (want W=0 D=0 saved-dirty)", *pte);
	CHECK_EQ(t, umem_protect(u, va, PAGE_SIZE, PROT_READ | PROT_WRITE), 0, "mprotect writable");
	CHECK(t, (*pte & (PTE_W | PTE_D)) == (PTE_W | PTE_D) && !(*pte & PTE_SW_SAVED_DIRTY),
	      "writable again: PTE 0x%lx (want W=1 D=1, nothing saved)", *pte);
out:
	umem_put(u);
	CHECK_EQ(t, frame_free_count(), free0, "free frames after the address space");
}

/*
 * Without CET every shadow-stack call is -EOPNOTSUPP; IBT features hang on
 * the IBT bit alone (AMD has shadow stacks without IBT).  Runs everywhere.
 */
TEST(shstk_ctl_gated_on_cpuid, "shstk")
{
	u64 have = (cet_shstk_available() ? 1 : 0) | (cpu.ibt ? 2 : 0);
	test_run_exit(t, "shstk", SH_CTL_GATED, have, 0, 0);
}

/* SYS_SHSTK_CTL: WRSS needs SHSTK, NOTRACK needs IBT; a disabled WRSS is #UD again. */
TEST(shstk_ctl_dependencies, "shstk")
{
	struct uproc p;
	if (!test_need_shstk(t))
		return;
	test_run_exit(t, "shstk", SH_CTL_DEPS, cpu.ibt, 0, 0);
	if (!test_load(t, &p, "shstk", UPROC_START_SHSTK | UPROC_START_WRSS))
		return;
	struct fault_expect want = { X86_EXC_UD, 0, uproc_symbol(&p, "u_wrss_rip"), 0 };
	if (uproc_run(&p, SH_WRSS_DISABLED, 0) != UPROC_FAULTED)
		test_fail(t, "WRSS after disabling it did not fault (state %d, exit %ld)", p.state,
			  p.exit_code);
	else
		check_fault(t, &p.fault, &want);
	uproc_destroy(&p);
}
