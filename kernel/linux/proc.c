/*
 * Linux processes and threads on cetbed's tasks: clone (fork, vfork,
 * CLONE_VM threads), exit and exit_group, wait4, futex, sleeping, and the
 * per-task FS/GS bases.  A process ends when its last thread does; its
 * parent collects the wait status with wait4.
 */
#include "cet.h"
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/umem.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/cet.h"

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define WNOHANG 1
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_CMD_MASK 0x7f
#define FUTEX_CLOCK_REALTIME 0x100
#define NS_PER_TICK (1000000000UL / TIMER_HZ)

static struct lx_proc procs[LX_PROCS_MAX];

struct lx_proc *lx_proc_by_pid(unsigned pid)
{
	for (unsigned i = 0; i < LX_PROCS_MAX; i++)
		if (procs[i].used && procs[i].pid == pid && !procs[i].ended)
			return &procs[i];
	return NULL;
}

struct lx_proc *lx_proc_alloc(void)
{
	for (unsigned i = 0; i < LX_PROCS_MAX; i++)
		if (!procs[i].used) {
			memset(&procs[i], 0, sizeof(procs[i]));
			procs[i].used = true;
			return &procs[i];
		}
	return NULL;
}

void lx_proc_free(struct lx_proc *lp)
{
	if (!lp->used)
		return;
	lx_files_close_all(lp);
	for (unsigned i = 0; i < LX_PROCS_MAX; i++)
		if (procs[i].parent == lp)
			procs[i].parent = NULL;
	umem_put(lp->mm);
	lp->mm = NULL;
	lp->used = false;
}

void lx_proc_free_all(void);
void lx_proc_free_all(void)
{
	for (unsigned i = 0; i < LX_PROCS_MAX; i++)
		lx_proc_free(&procs[i]);
}

/* The bases change only through arch_prctl, which keeps t's copy up to date. */
void lx_switch_in(struct task *t)
{
	wrmsr(MSR_FS_BASE, t->lx.fs_base);
	wrmsr(MSR_GS_BASE, t->lx.gs_base);
}

/* Runs fn with the other process's page tables and VMAs, e.g. to write into a fork child. */
static int with_proc(struct lx_proc *lp, u64 uaddr, u32 val)
{
	struct lx_proc *mine = current->lx.proc;
	u64 cr3 = read_cr3();
	write_cr3(virt_to_phys(lp->mm->pml4));
	current->lx.proc = lp;
	int err = lx_copy_to_user(uaddr, &val, 4);
	current->lx.proc = mine;
	write_cr3(cr3);
	return err;
}

/* Tasks of lp that ended: gone for good. */
static void reap_tasks(struct lx_proc *lp)
{
	for (struct task *t = task_first(), *next; t; t = next) {
		next = t->all_next;
		if (t->lx.proc == lp && t->state == TASK_ZOMBIE && t != current && t != lp->leader) {
			t->lx.proc = NULL;
			task_reap(t);
		}
	}
}

long lx_sys_clone(struct trap_frame *f, u64 flags, u64 sp, u64 ptid, u64 ctid, u64 tls)
{
	struct task *parent = current;
	struct lx_proc *plp = parent->lx.proc, *lp = plp;
	bool thread = (flags & CLONE_VM) && !(flags & CLONE_VFORK);
	struct umem *mm = plp->mm;

	reap_tasks(plp);
	/*
	 * The new task's FS base is written to the MSR at every switch to it:
	 * Linux refuses one outside the user half here, as ARCH_SET_FS does,
	 * and a non-canonical one would be #GP in the kernel.
	 */
	if ((flags & CLONE_SETTLS) && tls >= USER_TOP)
		return -EPERM;
	if (thread && !(flags & CLONE_THREAD))
		return -EINVAL; /* a CLONE_VM process other than vfork is not supported */
	if (!thread) {
		lp = lx_proc_alloc();
		if (!lp)
			return -EAGAIN;
		if (flags & CLONE_VM) {
			umem_get(mm);
		} else if (!(mm = umem_fork(plp->mm))) {
			lp->used = false;
			return -ENOMEM;
		}
		memcpy(lp->vma, plp->vma, sizeof(lp->vma));
		lp->nr_vma = plp->nr_vma;
		lp->brk_start = plp->brk_start;
		lp->brk = plp->brk;
		memcpy(lp->act, plp->act, sizeof(lp->act));
		lx_files_copy(lp, plp);
		lp->mm = mm;
		lp->parent = plp;
	}
	struct trap_frame tf = *f;
	tf.rax = 0;
	if (sp)
		tf.rsp = sp;
	struct task *t = task_create_user(parent->proc, mm, parent, &tf);
	if (!t) {
		if (lp != plp)
			lx_proc_free(lp);
		return -EAGAIN;
	}
	cet_task_save(&t->cet);
	task_fpu_inherit(t);
	t->shstk_features = parent->shstk_features;
	t->shstk_locked = parent->shstk_locked;
	t->lx = (struct lx_task){ .proc = lp, .thread = thread, .fs_base = parent->lx.fs_base,
				  .gs_base = parent->lx.gs_base, .sigmask = parent->lx.sigmask };
	if (flags & CLONE_SETTLS)
		t->lx.fs_base = tls;
	if (!thread) {
		t->lx.altstack_sp = parent->lx.altstack_sp;
		t->lx.altstack_size = parent->lx.altstack_size;
		t->lx.altstack_flags = parent->lx.altstack_flags;
		lp->leader = t;
		lp->pid = t->id;
		/* A fork child's shadow stack is the parent's, copy-on-write (umem_fork). */
		t->shstk_base = parent->shstk_base;
		t->shstk_size = parent->shstk_size;
	} else {
		long err = lx_thread_shstk(t, 0);
		if (err < 0) {
			task_kill(t, TASK_END_KILLED);
			t->lx.proc = NULL;
			task_reap(t);
			return err;
		}
	}
	lp->threads++;
	if (flags & CLONE_CHILD_CLEARTID)
		t->lx.clear_child_tid = ctid;
	if ((flags & CLONE_PARENT_SETTID) && lx_copy_to_user(ptid, &t->id, 4))
		return -EFAULT;
	if (flags & CLONE_CHILD_SETTID)
		with_proc(lp, ctid, t->id);
	if (flags & CLONE_VFORK)
		task_vfork_wait(parent, t);
	return t->id;
}

static long futex_wake(struct umem *mm, u64 uaddr, u64 n)
{
	long woken = 0;
	for (struct task *t = task_first(); t && (u64)woken < n; t = t->all_next)
		if (t->mm == mm && t->lx.futex_uaddr == uaddr && t->state == TASK_BLOCKED) {
			t->lx.futex_uaddr = 0;
			task_wake(t);
			woken++;
		}
	return woken;
}

/* The last thread of a process is gone: record it and tell the parent. */
static void proc_ended(struct lx_proc *lp, int wstatus)
{
	if (!lp->exiting)
		lp->wstatus = wstatus;
	lp->ended = true;
	lx_ptrace_release(lp);
	/* SIGCHLD to the parent: CLD_EXITED (1) with the status, or CLD_KILLED (2) with the signal. */
	struct task *pl = lp->parent ? lp->parent->leader : NULL;
	if (pl && pl->state != TASK_ZOMBIE) {
		int w = lp->wstatus;
		pl->lx.chld_code = w & 0x7f ? 2 : 1;
		pl->lx.chld_pid = (s32)lp->pid;
		pl->lx.chld_status = w & 0x7f ? w & 0x7f : (w >> 8) & 0xff;
		lx_send_signal(pl, LX_SIGCHLD, LX_SI_USER);
	}
	if (lp->parent)
		for (struct task *t = task_first(); t; t = t->all_next)
			if (t->lx.proc == lp->parent && t->lx.in_wait4)
				task_wake(t);
}

static void thread_gone(struct task *t, int wstatus)
{
	struct lx_proc *lp = t->lx.proc;

	if (t->lx.clear_child_tid && t == current) {
		u32 zero = 0;
		if (!lx_copy_to_user(t->lx.clear_child_tid, &zero, 4))
			futex_wake(t->mm, t->lx.clear_child_tid, 1);
	}
	if (--lp->threads == 0)
		proc_ended(lp, wstatus);
}

void lx_exit_thread(long code)
{
	struct task *t = current;
	/* A thread's own shadow stack goes with it (Linux's shstk_free). */
	if (t->lx.thread && t->shstk_size)
		lx_unmap_range(t->lx.proc, t->shstk_base, t->shstk_base + t->shstk_size);
	thread_gone(current, LX_WEXITED((int)code));
	task_exit(TASK_END_EXIT, code & 0xff);
}

void lx_exit_group(int wstatus)
{
	struct task *self = current;
	struct lx_proc *lp = self->lx.proc;

	if (!lp->exiting) {
		lp->exiting = true;
		lp->wstatus = wstatus;
	}
	for (struct task *t = task_first(); t; t = t->all_next) {
		if (t == self || t->lx.proc != lp || t->state == TASK_ZOMBIE)
			continue;
		task_kill(t, TASK_END_KILLED);
		thread_gone(t, wstatus);
	}
	thread_gone(self, wstatus);
	if (wstatus & 0x7f)
		task_exit(TASK_END_KILLED, -1);
	task_exit(TASK_END_EXIT, (wstatus >> 8) & 0xff);
}

void lx_die_by_signal(int sig)
{
	diag("%s[%u]: killed by signal %d (%s)", current->proc->prog->name, current->id, sig,
	     lx_signal_name(sig));
	lx_exit_group(LX_WSIGNALED(sig));
}

long lx_sys_wait4(u64 upid, u64 ustatus, u64 options, u64 rusage)
{
	struct lx_proc *me = current->lx.proc;
	int pid = (int)upid;

	(void)rusage;
	for (;;) {
		bool found = false;
		for (unsigned i = 0; i < LX_PROCS_MAX; i++) {
			struct lx_proc *c = &procs[i];
			if (!c->used || c->parent != me || (pid > 0 && c->pid != (unsigned)pid))
				continue;
			found = true;
			u32 stop;
			if (lx_ptrace_wait_stop(c, &stop)) {
				if (ustatus && lx_copy_to_user(ustatus, &stop, 4))
					return -EFAULT;
				return c->pid;
			}
			if (!c->ended)
				continue;
			u32 st = (u32)c->wstatus;
			if (ustatus && lx_copy_to_user(ustatus, &st, 4))
				return -EFAULT;
			long ret = c->pid;
			reap_tasks(c);
			if (c->leader && c->leader->state == TASK_ZOMBIE) {
				c->leader->lx.proc = NULL;
				task_reap(c->leader);
			}
			lx_proc_free(c);
			return ret;
		}
		if (!found)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (current->lx.sigpending & ~current->lx.sigmask)
			return -EINTR;
		current->lx.in_wait4 = true;
		current->lx.interruptible = true;
		current->state = TASK_BLOCKED;
		schedule();
		current->lx.in_wait4 = false;
		current->lx.interruptible = false;
	}
}

/* Blocks until woken, the tick `until` (0: none), or a signal; -ETIMEDOUT, -EINTR or 0. */
static long block_until(u64 until)
{
	struct task *t = current;

	if (until && timer_ticks >= until)
		return -ETIMEDOUT;
	if (t->lx.sigpending & ~t->lx.sigmask)
		return -EINTR;
	t->lx.sleep_until = until;
	t->lx.interruptible = true;
	t->state = TASK_BLOCKED;
	schedule();
	t->lx.sleep_until = 0;
	t->lx.interruptible = false;
	return 0;
}

void lx_timer_wake(void)
{
	for (struct task *t = task_first(); t; t = t->all_next)
		if (t->lx.sleep_until && timer_ticks >= t->lx.sleep_until &&
		    t->state == TASK_BLOCKED)
			task_wake(t);
}

static u64 ts_to_ticks(u64 uts, long *err)
{
	u64 ts[2];
	if (lx_copy_from_user(ts, uts, sizeof(ts))) {
		*err = -EFAULT;
		return 0;
	}
	if (ts[1] >= 1000000000UL || (s64)ts[0] < 0) {
		*err = -EINVAL;
		return 0;
	}
	*err = 0;
	return ts[0] * TIMER_HZ + (ts[1] + NS_PER_TICK - 1) / NS_PER_TICK;
}

/* pause: sleeps until a signal is to be delivered. */
long lx_sys_pause(void)
{
	while (block_until(0) != -EINTR)
		;
	return -EINTR;
}

long lx_sys_nanosleep(u64 req, u64 rem)
{
	long err;
	u64 until = timer_ticks + ts_to_ticks(req, &err) + 1;

	if (err)
		return err;
	while (timer_ticks < until) {
		if (block_until(until) == -EINTR) {
			u64 left = until > timer_ticks ? until - timer_ticks : 0;
			u64 ts[2] = { left / TIMER_HZ, (left % TIMER_HZ) * NS_PER_TICK };
			if (rem)
				lx_copy_to_user(rem, ts, sizeof(ts));
			return -EINTR;
		}
	}
	return 0;
}

long lx_sys_futex(u64 uaddr, u64 op, u64 val, u64 timeout, u64 uaddr2, u64 val3)
{
	struct task *t = current;
	u64 cmd = op & FUTEX_CMD_MASK;
	u64 until = 0;
	long err;

	(void)uaddr2, (void)val3;
	if (uaddr & 3)
		return -EINVAL;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		u32 cur;
		if (lx_copy_from_user(&cur, uaddr, 4))
			return -EFAULT;
		if (cur != (u32)val)
			return -EAGAIN;
		if (timeout) {
			u64 ticks = ts_to_ticks(timeout, &err);
			if (err)
				return err;
			/* WAIT is relative; WAIT_BITSET absolute on the chosen clock. */
			if (cmd == FUTEX_WAIT)
				until = timer_ticks + ticks + 1;
			else {
				u64 epoch = op & FUTEX_CLOCK_REALTIME ? LX_EPOCH_AT_BOOT * TIMER_HZ : 0;
				ticks = ticks > epoch ? ticks - epoch : 0;
				until = ticks > timer_ticks ? ticks + 1 : timer_ticks;
			}
		}
		t->lx.futex_uaddr = uaddr;
		while (t->lx.futex_uaddr) {
			long r = block_until(until);
			if (r && t->lx.futex_uaddr) {
				t->lx.futex_uaddr = 0;
				return r;
			}
		}
		return 0;
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(t->mm, uaddr, val);
	default:
		return -ENOSYS;
	}
}
