/* The ring-3 task program: one case per run (include/user/task.h). */
#include "errno.h"
#include "lib.h"
#include "user/callchain.h"
#include "user/task.h"
#include "user/usys.h"

u64 u_rdssp(void);
void u_thread_start(u64 arg);
void u_thread_smash(void);
void u_thread_ud(void);
void u_wrss8(u64 *addr, u64 value);
void u_spin(void);
extern char u_thread_ud_rip[], u_thread_smash_ret[];
extern char u_dirty_page[];

#define PAGE 4096UL
#define STACK_SIZE 16384

static u8 stacks[TK_THREADS_N][STACK_SIZE] __attribute__((aligned(16)));
volatile u64 thread_ssp[TK_THREADS_N];
static volatile u64 shared_value = 1;
static volatile int vfork_child_ran;
/* Set by the vfork parent as soon as it runs again; the child must never see it. */
static volatile int vfork_parent_back;
static int faulty_mode;

static long fail(const char *what, u64 value, long code)
{
	uput_hex(what, value);
	return code;
}

static bool wait_for(long id, u64 how, u64 code, struct wait_status *ws)
{
	struct wait_status local;
	if (!ws)
		ws = &local;
	if (sys_wait(id, ws) != id)
		return false;
	return ws->how == how && (how != WAIT_EXITED || ws->code == code);
}

/* Thread bodies: arg = mode << 8 | index. */
long thread_main(u64 arg);
long thread_main(u64 arg)
{
	unsigned idx = arg & 0xff, mode = arg >> 8;

	if (mode == 1) /* the leak cycles: nothing to do */
		return 0;
	if (mode == 2) { /* parked: the kernel inspects its shadow stack */
		thread_ssp[idx] = u_rdssp();
		u_spin();
	}
	thread_ssp[idx] = u_rdssp();
	long r = callchain_run(64, NULL);
	if (idx == TK_FAULTY_THREAD) {
		if (faulty_mode)
			u_thread_smash();
		u_thread_ud();
	}
	return r;
}

static long fork_wait(void)
{
	long pid = sys_fork();
	if (pid < 0)
		return fail("fork failed", (u64)pid, 1);
	if (pid == 0) {
		shared_value = 2;
		sys_exit(7);
	}
	if (!wait_for(pid, WAIT_EXITED, 7, NULL))
		return 2;
	if (shared_value != 1)
		return fail("the child's write reached the parent", shared_value, 3);
	return sys_wait(0, NULL) == -ECHILD ? 0 : 4;
}

static long fork_calls(void)
{
	long pid = sys_fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		sys_exit(callchain_run(64, NULL) | callchain_run(100, NULL));
	long r = callchain_run(64, NULL);
	struct wait_status ws;
	if (!wait_for(pid, WAIT_EXITED, 0, &ws))
		return fail("the child's call chain failed", ws.code, 2);
	return r ? fail("the parent's call chain failed", (u64)r, 3) : 0;
}

static unsigned pages_of(u64 a, u64 b)
{
	return a / PAGE == b / PAGE ? 1 : 2;
}

static long fork_wrss(void)
{
	/* u_rdssp() ran one call deeper: main's own slot is the one above. */
	u64 ssp = u_rdssp();
	u64 *slot = (u64 *)(ssp + 8), orig = *slot;
	/* A call from here pushes at ssp; u_wrss8 writes slot. */
	unsigned pages = pages_of(ssp, ssp + 8);
	long pid = sys_fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		u_wrss8(slot, 0x1111);
		if (*slot != 0x1111)
			sys_exit(30);
		long n = sys_task_stats(TASK_STAT_COW_FAULTS_SHSTK);
		sys_exit(n == pages ? 0 : 40 + n);
	}
	struct wait_status ws;
	if (!wait_for(pid, WAIT_EXITED, 0, &ws))
		return fail("child: WRSS or copy-on-write count wrong, status", ws.code, 2);
	if (*slot != orig)
		return fail("the child's WRSS reached the parent's shadow stack", *slot, 3);
	(void)u_rdssp(); /* the parent's first shadow-stack access since fork */
	long n = sys_task_stats(TASK_STAT_COW_FAULTS_SHSTK);
	return n == 1 ? 0 : fail("parent: shadow-stack copy-on-write faults", (u64)n, 4);
}

static long dirty_mprotect(bool then_wrss)
{
	u_dirty_page[0] = 1; /* the page is dirty now */
	if (sys_mprotect(u_dirty_page, PAGE, PROT_READ))
		return 1;
	if (then_wrss)
		u_wrss8((u64 *)u_dirty_page, 0x2222);
	return then_wrss ? 2 : 0;
}

/* Writes u_dirty_page, then a fork child exits at once: 0, or 1-2 on failure. */
static long dirty_fork(void)
{
	u_dirty_page[0] = 1;
	long pid = sys_fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		sys_exit(0);
	return wait_for(pid, WAIT_EXITED, 0, NULL) ? 0 : 2;
}

/* Shared by fork, then write-protected: the write must fault, not copy. */
static long fork_mprotect_write(void)
{
	long err = dirty_fork();
	if (err)
		return err;
	if (sys_mprotect(u_dirty_page, PAGE, PROT_READ))
		return 3;
	((volatile u64 *)u_dirty_page)[0] = 2;
	return 4;
}

static long dirty_fork_wrss(void)
{
	long err = dirty_fork();
	if (err)
		return err;
	u_wrss8((u64 *)u_dirty_page, 0x2222);
	return 3;
}

static long threads(u64 mode)
{
	long ids[TK_THREADS_N];
	u64 main_ssp = u_rdssp();

	faulty_mode = (int)mode;
	for (unsigned i = 0; i < TK_THREADS_N; i++) {
		ids[i] = sys_thread(u_thread_start, stacks[i] + STACK_SIZE, i, STACK_SIZE);
		if (ids[i] < 0)
			return fail("thread creation failed", (u64)ids[i], 1);
	}
	for (unsigned i = 0; i < TK_THREADS_N; i++) {
		struct wait_status ws;
		if (sys_wait(ids[i], &ws) != ids[i])
			return 2;
		if (i == TK_FAULTY_THREAD) {
			u64 vec = mode ? 21 : 6, ec = mode ? 1 : 0;
			u64 rip = (u64)(mode ? u_thread_smash_ret : u_thread_ud_rip);
			if (ws.how != WAIT_FAULTED || ws.vector != vec || ws.error_code != ec)
				return fail("the faulty thread's status, vector", ws.vector, 3);
			if (ws.rip != rip)
				return fail("the faulty thread's rip", ws.rip, 7);
		} else if (ws.how != WAIT_EXITED || ws.code != 0) {
			return fail("a healthy thread did not finish, code", ws.code, 4);
		}
	}
	/* With shadow stacks: each thread ran on a stack of its own. */
	if (main_ssp) {
		for (unsigned i = 0; i < TK_THREADS_N; i++) {
			if (!thread_ssp[i] || thread_ssp[i] / PAGE == main_ssp / PAGE)
				return fail("a thread's SSP is on main's shadow stack", thread_ssp[i], 5);
			for (unsigned j = 0; j < i; j++)
				if (thread_ssp[i] / PAGE == thread_ssp[j] / PAGE)
					return fail("two threads share a shadow stack", thread_ssp[i], 6);
		}
	}
	return 0;
}

static __attribute__((noinline, noreturn)) void vfork_child(u64 parent_ssp)
{
	u64 min = 0;
	long r = callchain_run(32, &min);
	/* On the parent's shadow stack, below where the parent stopped. */
	if (parent_ssp && !(min < parent_ssp && min > parent_ssp - 8 * PAGE))
		sys_exit(8);
	/*
	 * Give a parent that was not suspended every chance to run: it would
	 * set vfork_parent_back at once.  Without this, a preempted child could
	 * finish before such a parent looked, and the test would pass.
	 */
	for (int i = 0; i < 8; i++)
		sys_yield();
	if (vfork_parent_back)
		sys_exit(6);
	vfork_child_ran = 1; /* memory is shared: the parent sees this */
	sys_exit(r ? 1 : 7);
}

static long vfork_case(void)
{
	u64 before = u_rdssp();
	long pid = sys_vfork();
	if (pid == 0)
		vfork_child(before);
	if (pid < 0)
		return 1;
	vfork_parent_back = 1;
	/*
	 * The parent was suspended until the child ended.  If not, both run on
	 * this stack: leave at once, through no call or return.
	 */
	if (!vfork_child_ran)
		sys_exit(5);
	if (u_rdssp() != before)
		return fail("the parent's SSP moved across vfork", u_rdssp(), 2);
	if (callchain_run(64, NULL))
		return 3;
	struct wait_status ws;
	return wait_for(pid, WAIT_EXITED, 7, &ws) ? 0 : fail("vfork child status", ws.code, 4);
}

static __attribute__((noreturn)) void preempt_child(u64 wanted, u64 start)
{
	u64 ssp = u_rdssp();
	for (long i = 0; i < 100000000; i++) {
		long r = callchain_run(100, NULL);
		if (r)
			sys_exit(10 + r);
		if (u_rdssp() != ssp)
			sys_exit(9);
		if ((u64)sys_task_stats(TASK_STAT_PREEMPTIONS) - start >= wanted)
			sys_exit(0);
	}
	sys_exit(8);
}

static long preempt(u64 wanted)
{
	u64 start = (u64)sys_task_stats(TASK_STAT_PREEMPTIONS);
	long ids[2];
	for (int i = 0; i < 2; i++) {
		ids[i] = sys_fork();
		if (ids[i] == 0)
			preempt_child(wanted, start);
		if (ids[i] < 0)
			return 1;
	}
	for (int i = 0; i < 2; i++) {
		struct wait_status ws;
		if (!wait_for(ids[i], WAIT_EXITED, 0, &ws))
			return fail("a preempted child failed, status", ws.code, 2 + i);
	}
	return 0;
}

static long leaks(void)
{
	long before = sys_free_frames();
	for (int i = 0; i < 100; i++) {
		long pid = sys_fork();
		if (pid == 0)
			sys_exit(0);
		if (pid < 0 || !wait_for(pid, WAIT_EXITED, 0, NULL))
			return fail("fork cycle failed at", (u64)i, 1);
	}
	long after = sys_free_frames();
	if (after != before)
		return fail("frames lost over 100 fork/exit cycles", (u64)(before - after), 2);
	/*
	 * The first thread may add page tables that stay with the address space
	 * (its shadow stack's range is reused after); count from there.
	 */
	for (int i = 0; i <= 100; i++) {
		if (i == 1)
			before = sys_free_frames();
		long id = sys_thread(u_thread_start, stacks[0] + STACK_SIZE, 1 << 8, STACK_SIZE);
		if (id < 0 || !wait_for(id, WAIT_EXITED, 0, NULL))
			return fail("thread cycle failed at", (u64)i, 3);
	}
	after = sys_free_frames();
	if (after != before)
		return fail("frames lost over 100 thread/exit cycles", (u64)(before - after), 4);
	return 0;
}

/*
 * The parent's write right after fork must fault (copy-on-write): fork
 * write-protected this page, and a stale writable TLB entry would let the
 * write land in the frame the child still shares.
 */
static volatile u64 tlb_word __attribute__((aligned(4096)));

static long fork_parent_write(void)
{
	tlb_word = 1; /* a writable, dirty translation, now in the TLB */
	long before = sys_task_stats(TASK_STAT_COW_FAULTS);
	long pid = sys_fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		sys_exit((long)tlb_word);
	tlb_word = 2;
	long faults = sys_task_stats(TASK_STAT_COW_FAULTS) - before;
	struct wait_status ws;
	if (!wait_for(pid, WAIT_EXITED, 1, &ws))
		return fail("the child saw the parent's write after fork; it read", ws.code, 2);
	return faults >= 1 ? 0 : fail("parent: no copy-on-write fault for its write", 0, 3);
}

static long thread_park(u64 stack_size)
{
	long id = sys_thread(u_thread_start, stacks[0] + STACK_SIZE, 2 << 8, stack_size);
	if (id < 0)
		return fail("thread failed", (u64)id, 1);
	/* Until it noted its SSP, or died trying (kill finds no live task then). */
	while (!thread_ssp[0] && !sys_kill(id, SIG_USR2))
		sys_yield();
	return thread_ssp[0] ? 0 : 2;
}

u64 u_mapped;

long main(long which, u64 arg);
long main(long which, u64 arg)
{
	switch (which) {
	case TK_FORK_WAIT:
		return fork_wait();
	case TK_FORK_CALLS:
		return fork_calls();
	case TK_FORK_WRSS:
		return fork_wrss();
	case TK_DIRTY_MPROTECT:
		return dirty_mprotect(false);
	case TK_DIRTY_MPROTECT_WRSS:
		return dirty_mprotect(true);
	case TK_DIRTY_FORK_WRSS:
		return dirty_fork_wrss();
	case TK_FORK_MPROTECT_WRITE:
		return fork_mprotect_write();
	case TK_THREADS:
		return threads(arg);
	case TK_VFORK:
		return vfork_case();
	case TK_PREEMPT:
		return preempt(arg);
	case TK_LEAKS:
		return leaks();
	case TK_SPIN:
		u_spin();
		return 1;
	case TK_FORK_PARENT_WRITE:
		return fork_parent_write();
	case TK_THREAD_PARK:
		return thread_park(arg);
	case TK_MAP_SHSTK: {
		long r = sys_map_shadow_stack(0, arg, SHADOW_STACK_SET_TOKEN);
		u_mapped = (u64)r;
		return r < 0 ? -r : 0;
	}
	default:
		return 255;
	}
}
