/*
 * Task system calls.  Which shadow stack a new task gets:
 *   fork   - a copy-on-write copy of the parent's (same SSP, its own frames);
 *   vfork  - the parent's own, shared while the parent waits; never freed by the child;
 *   thread - a new one with guard pages, sized like the thread's stack, freed when it ends.
 */
#include "errno.h"
#include "kernel/task.h"
#include "kernel/uproc.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "syscall.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/paging.h"
#include "x86/segment.h"

/* The child starts as the parent returns from this system call, with 0. */
static struct task *spawn(struct umem *mm, const struct trap_frame *f)
{
	struct trap_frame tf = *f;
	tf.rax = 0;
	struct task *t = task_create_user(current->proc, mm, current, &tf);
	if (!t)
		return NULL;
	/* The parent's CET_U state is live in the CPU: that is the child's. */
	cet_task_save(&t->cet);
	task_fpu_inherit(t);
	t->shstk_features = current->shstk_features;
	t->shstk_locked = current->shstk_locked;
	return t;
}

long sys_fork(const struct trap_frame *f)
{
	struct umem *mm = umem_fork(current->mm);
	if (!mm)
		return -ENOMEM;
	struct task *t = spawn(mm, f);
	umem_put(mm); /* the child holds its own reference */
	if (!t)
		return -EAGAIN;
	t->shstk_base = current->shstk_base;
	t->shstk_size = current->shstk_size;
	return t->id;
}

long sys_vfork(const struct trap_frame *f)
{
	struct task *parent = current, *t = spawn(parent->mm, f);
	if (!t)
		return -EAGAIN;
	task_vfork_wait(parent, t);
	return t->id;
}

long sys_thread(u64 entry, u64 stack_top, u64 arg, u64 stack_size)
{
	if (!user_range_ok(entry, 1) || !user_range_ok(stack_top - 8, 8) || (stack_top & 15))
		return -EINVAL;
	struct trap_frame tf = { .rip = entry, .cs = USER_CS, .rflags = 0x202, .rsp = stack_top,
				 .ss = USER_DS, .rdi = arg };
	struct task *t = task_create_user(current->proc, current->mm, current, &tf);
	if (!t)
		return -EAGAIN;
	cet_task_save(&t->cet);
	t->shstk_features = current->shstk_features;
	t->shstk_locked = current->shstk_locked;
	if (current->shstk_features & SHSTK_FEAT_SHSTK) {
		u64 size = ALIGN_UP(stack_size ? stack_size : PAGE_SIZE, PAGE_SIZE);
		long addr = umem_reserve(current->mm, 0, size);
		if (addr < 0 || umem_map_shstk(current->mm, addr, size)) {
			task_kill(t, TASK_END_KILLED);
			task_reap(t);
			return addr < 0 ? addr : -ENOMEM;
		}
		t->shstk_base = addr;
		t->shstk_size = size;
		t->shstk_thread = true;
		/* An empty stack of its own; nothing to return through. */
		cet_task_set(&t->cet, cet_task_u_cet(&t->cet), addr + size);
	}
	return t->id;
}

static void fill_status(const struct task *t, struct wait_status *ws)
{
	*ws = (struct wait_status){ .id = t->id, .code = (u64)t->exit_code };
	switch (t->end) {
	case TASK_END_EXIT:
		ws->how = WAIT_EXITED;
		break;
	case TASK_END_FAULT:
		ws->how = WAIT_FAULTED;
		ws->vector = t->fault.vector;
		ws->error_code = t->fault.error_code;
		ws->rip = t->fault.rip;
		ws->ssp = t->fault_ssp;
		break;
	case TASK_END_TIMEOUT:
		ws->how = WAIT_TIMEOUT;
		break;
	default:
		ws->how = WAIT_KILLED;
	}
}

long sys_wait(u64 id, u64 ustatus)
{
	for (;;) {
		bool found = false;
		for (struct task *t = task_first(); t; t = t->all_next) {
			if (t->parent != current || (id && t->id != id))
				continue;
			found = true;
			if (t->state != TASK_ZOMBIE)
				continue;
			struct wait_status ws;
			fill_status(t, &ws);
			if (ustatus && copy_to_user(ustatus, &ws, sizeof(ws)))
				return -EFAULT;
			long ret = t->id;
			task_reap(t);
			return ret;
		}
		if (!found)
			return -ECHILD;
		current->state = TASK_BLOCKED;
		schedule();
	}
}

long sys_mprotect(u64 addr, u64 size, u64 prot)
{
	return umem_protect(current->mm, addr, size, (unsigned)prot);
}

long sys_free_frames(void)
{
	return (long)frame_free_count();
}

long sys_yield(void)
{
	schedule();
	return 0;
}

long sys_gettid(void)
{
	return current->id;
}

long sys_task_stats(u64 which)
{
	switch (which) {
	case TASK_STAT_COW_FAULTS:
		return (long)current->cow_faults;
	case TASK_STAT_COW_FAULTS_SHSTK:
		return (long)current->cow_faults_shstk;
	case TASK_STAT_SWITCHES:
		return (long)sched_switches;
	case TASK_STAT_PREEMPTIONS:
		return (long)sched_preemptions;
	default:
		return -EINVAL;
	}
}
