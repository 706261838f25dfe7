/*
 * Tasks, threads and copy-on-write with shadow stacks (program "task").
 * task_* tests need no CET and run everywhere; task_shstk_* add the
 * shadow-stack rules and SKIP with the CPUID reason where CET is absent.
 */
#include "cet.h"
#include "kernel/cpu.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "syscall.h"
#include "test.h"
#include "user/task.h"
#include "x86/cet.h"

#define START_SHSTK UPROC_START_SHSTK
#define START_WRSS (UPROC_START_SHSTK | UPROC_START_WRSS)

static u64 leaf(struct test_case_run *t, u64 *pml4, u64 va)
{
	int level;
	u64 *e = pt_walk(pml4, va, &level);
	if (!e || level != 1) {
		test_error(t, "0x%lx is not mapped", va);
		return 0;
	}
	return *e;
}

/* A page that was written, write-protected: Dirty parked, never W=0,D=1. */
static void check_saved_dirty(struct test_case_run *t, const char *what, u64 pte)
{
	CHECK(t, !(pte & PTE_W) && !(pte & PTE_D) && (pte & PTE_SW_SAVED_DIRTY),
	      "%s: PTE 0x%lx (want W=0 D=0 saved-dirty)", what, pte);
	CHECK(t, !pte_is_shstk_type(pte), "%s: PTE 0x%lx is a shadow-stack PTE", what, pte);
}

TEST(task_fork_cow_ptes, "task")
{
	struct uproc p;
	if (!test_load(t, &p, "task", 0))
		return;
	/* A written data page and a shadow-stack page, forked by the kernel. */
	long data = umem_reserve(p.mm, 0, PAGE_SIZE);
	long ss = umem_reserve(p.mm, 0, PAGE_SIZE);
	if (data < 0 || ss < 0 || umem_map(p.mm, data, PAGE_SIZE, PTE_U | PTE_W | mm_nx()) ||
	    umem_map_shstk(p.mm, ss, PAGE_SIZE)) {
		test_error(t, "cannot map the pages");
		goto out;
	}
	*pt_walk(p.pml4, data, NULL) |= PTE_A | PTE_D;
	struct umem *child = umem_fork(p.mm);
	if (!child) {
		test_error(t, "umem_fork failed");
		goto out;
	}
	u64 *pml4s[2] = { p.pml4, child->pml4 };
	for (int i = 0; i < 2; i++) {
		u64 d = leaf(t, pml4s[i], data), s = leaf(t, pml4s[i], ss);
		check_saved_dirty(t, i ? "child data" : "parent data", d);
		CHECK(t, d & PTE_SW_COW, "data page not copy-on-write: 0x%lx", d);
		CHECK(t, !(s & (PTE_W | PTE_D)) && (s & PTE_SW_SAVED_DIRTY) && (s & PTE_SW_COW) &&
			     (s & PTE_SW_SHSTK),
		      "%s shadow-stack page: PTE 0x%lx (want W=0 D=0 saved-dirty cow)",
		      i ? "child" : "parent", s);
		CHECK_EQ(t, frame_refs(pte_addr(d)), 2, "data frame references");
	}
	CHECK_EQ(t, umem_stray_shstk(p.mm), 0, "stray W=0,D=1 leaves in the parent");
	CHECK_EQ(t, umem_stray_shstk(child), 0, "stray W=0,D=1 leaves in the child");
	umem_put(child);
	CHECK_EQ(t, frame_refs(pte_addr(leaf(t, p.pml4, data))), 1, "references after the child");
out:
	uproc_destroy(&p);
}

TEST(task_fork_and_wait, "task")
{
	test_run_exit(t, "task", TK_FORK_WAIT, 0, 0, 0);
}

TEST(task_mprotect_saves_dirty, "task")
{
	struct uproc p;
	if (!test_load(t, &p, "task", 0))
		return;
	if (expect_exit(t, &p, TK_DIRTY_MPROTECT, 0, 0)) {
		u64 pte = leaf(t, p.pml4, uproc_symbol(&p, "u_dirty_page"));
		check_saved_dirty(t, "after mprotect", pte);
		CHECK_EQ(t, umem_stray_shstk(p.mm), 0, "stray W=0,D=1 leaves");
	}
	uproc_destroy(&p);
}

TEST(task_fork_mprotect_readonly_write_faults, "task")
{
	/*
	 * A page still marked copy-on-write since fork, then mprotect'ed
	 * read-only: its next write is a #PF for the program (W, present), not
	 * a copy that makes it writable again.
	 */
	struct uproc p;
	if (!test_load(t, &p, "task", 0))
		return;
	u64 page = uproc_symbol(&p, "u_dirty_page");
	if (uproc_run(&p, TK_FORK_MPROTECT_WRITE, 0) != UPROC_FAULTED) {
		test_fail(t, "the write to the read-only page did not fault (exit %ld)", p.exit_code);
	} else {
		CHECK_EQ(t, p.fault.vector, X86_EXC_PF, "vector");
		CHECK_EQ(t, p.fault.cr2, page, "cr2");
		CHECK_EQ(t, p.fault.error_code & (PF_EC_P | PF_EC_W | PF_EC_U | PF_EC_SS),
			 PF_EC_P | PF_EC_W | PF_EC_U, "error code");
	}
	uproc_destroy(&p);
}

TEST(task_thread_fault_is_isolated, "task")
{
	/* Thread 1 hits UD2: it alone ends, its waiter sees #UD, the others finish. */
	test_run_exit(t, "task", TK_THREADS, 0, 0, 0);
}

TEST(task_vfork_parent_waits, "task")
{
	test_run_exit(t, "task", TK_VFORK, 0, 0, 0);
}

static void preemption(struct test_case_run *t, u64 start)
{
	u64 sw0 = sched_switches, pre0 = sched_preemptions, ticks0 = timer_ticks;
	u32 hz = timer_fast(true);
	test_run_exit(t, "task", TK_PREEMPT, 2000, start, 0);
	timer_fast(false);
	u64 sw = sched_switches - sw0, pre = sched_preemptions - pre0;
	diag("preemption: %lu task switches, %lu preemptions, %lu timer ticks, interrupts at %u Hz",
	     sw, pre, timer_ticks - ticks0, hz);
	CHECK(t, pre >= 2000, "only %lu preemptions", pre);
	/*
	 * Nearly every interrupt preempts, and timer_ticks counts one per
	 * hz / TIMER_HZ interrupts whatever the rate, so the watchdog and
	 * alarms keep their milliseconds during the fast phase.
	 */
	u64 interrupts = (timer_ticks - ticks0) * (hz / TIMER_HZ);
	CHECK(t, interrupts * 2 >= pre && interrupts <= 2 * pre + hz / TIMER_HZ,
	      "%lu timer ticks at %u Hz for %lu preemptions", timer_ticks - ticks0, hz, pre);
}

TEST(task_preemption_deep_calls, "task")
{
	preemption(t, 0);
}

TEST(task_no_leaks, "task")
{
	u64 before = frame_free_count();
	test_run_exit(t, "task", TK_LEAKS, 0, 0, 0);
	CHECK_EQ(t, frame_free_count(), before, "free frames after 100 fork and 100 thread cycles");
}

TEST(task_watchdog_stops_spinner, "task")
{
	struct uproc p;
	u64 before = frame_free_count();
	if (!test_load(t, &p, "task", 0))
		return;
	p.timeout_ms = 50;
	enum uproc_state s = uproc_run(&p, TK_SPIN, 0);
	CHECK_EQ(t, s, UPROC_TIMEOUT, "state of the spinning program");
	uproc_destroy(&p);
	CHECK_EQ(t, frame_free_count(), before, "free frames after the stopped program");
}

/*
 * Opt-in: spins until the per-run watchdog (timeout=SECONDS, default 20 s)
 * stops it, so the run shows `not ok ... # TIMEOUT` and goes on.
 */
TEST_OPTIN(task_spin_forever, "task")
{
	struct uproc p;
	if (test_load(t, &p, "task", 0)) {
		uproc_run(&p, TK_SPIN, 0);
		uproc_destroy(&p);
	}
}

TEST(task_shstk_fork_call_ret, "task")
{
	if (test_need_shstk(t))
		test_run_exit(t, "task", TK_FORK_CALLS, 0, START_SHSTK, 0);
}

TEST(task_shstk_fork_wrss_stays_private, "task")
{
	/* Also: each side takes exactly one copy-on-write fault per shadow-stack page. */
	if (test_need_shstk(t))
		test_run_exit(t, "task", TK_FORK_WRSS, 0, START_WRSS, 0);
}

/* A written page, write-protected, must not be usable as a shadow stack. */
static void dirty_wrss(struct test_case_run *t, u64 which, bool cow)
{
	struct uproc p;
	if (!test_load(t, &p, "task", START_WRSS))
		return;
	u64 page = uproc_symbol(&p, "u_dirty_page");
	struct fault_expect want = { X86_EXC_PF, PF_EC_P | PF_EC_W | PF_EC_U | PF_EC_SS,
				     uproc_symbol(&p, "u_wrss8_rip"), page };
	if (uproc_run(&p, which, 0) != UPROC_FAULTED) {
		test_fail(t, "WRSS to the write-protected dirty page did not fault (exit %ld)",
			  p.exit_code);
	} else {
		check_fault(t, &p.fault, &want);
		u64 pte = leaf(t, p.pml4, page);
		check_saved_dirty(t, cow ? "after fork" : "after mprotect", pte);
		CHECK(t, !cow || (pte & PTE_SW_COW), "PTE 0x%lx not copy-on-write", pte);
	}
	uproc_destroy(&p);
}

TEST(task_shstk_dirty_page_not_shadow_stack, "task")
{
	if (!test_need_shstk(t))
		return;
	diag("write-protected by mprotect");
	dirty_wrss(t, TK_DIRTY_MPROTECT_WRSS, false);
	diag("write-protected by fork");
	dirty_wrss(t, TK_DIRTY_FORK_WRSS, true);
}

TEST(task_shstk_threads_own_stacks, "task")
{
	/* Thread 1 smashes its return: #CP(1) ends it alone, reported to the waiter. */
	if (test_need_shstk(t))
		test_run_exit(t, "task", TK_THREADS, 1, START_SHSTK, 0);
}

TEST(task_shstk_vfork_shares_parent_stack, "task")
{
	if (test_need_shstk(t))
		test_run_exit(t, "task", TK_VFORK, 0, START_SHSTK, 0);
}

TEST(task_shstk_preemption_ssp_checks, "task")
{
	if (test_need_shstk(t))
		preemption(t, START_SHSTK);
}

TEST(task_shstk_no_leaks, "task")
{
	if (!test_need_shstk(t))
		return;
	u64 before = frame_free_count();
	test_run_exit(t, "task", TK_LEAKS, 0, START_SHSTK, 0);
	CHECK_EQ(t, frame_free_count(), before, "free frames after 100 fork and 100 thread cycles");
}

/* (Regression for a missing flush after fork write-protects the parent.) */
TEST(task_fork_parent_write_faults, "task")
{
	test_run_exit(t, "task", TK_FORK_PARENT_WRITE, 0, 0, 0);
}
