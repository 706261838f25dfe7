/* Task lifetime: creation, ending, killing and reaping (include/kernel/task.h). */
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/task.h"
#include "kernel/uproc.h"
#include "lib.h"
#include "mm/kstack.h"
#include "mm/umem.h"
#include "x86/segment.h"

#define MAX_TASKS 64

static struct task pool[MAX_TASKS];
static struct task *all_tasks;
static unsigned next_id;
struct task *current;

void task_first_entry(void);

/* The x87/SSE state a new task starts with: FNINIT's, MXCSR 0x1f80 (all masked). */
static u8 fpu_init_image[512] __aligned(16);
static bool fpu_init_ready;

static void fpu_init_state(struct task *t)
{
	if (!fpu_init_ready) {
		u32 mxcsr = 0x1f80;
		asm volatile("fninit; ldmxcsr %1; fxsave64 %0"
			     : "=m"(fpu_init_image)
			     : "m"(mxcsr));
		fpu_init_ready = true;
	}
	memcpy(t->fxsave, fpu_init_image, sizeof(t->fxsave));
}

void task_fpu_inherit(struct task *t)
{
	asm volatile("fxsave64 %0" : "=m"(t->fxsave));
}

struct task *task_first(void)
{
	return all_tasks;
}

struct task *task_by_id(unsigned id)
{
	for (struct task *t = all_tasks; t; t = t->all_next)
		if (t->id == id)
			return t;
	return NULL;
}

static void link_task(struct task *t)
{
	struct task **pp = &all_tasks;
	while (*pp)
		pp = &(*pp)->all_next;
	t->all_next = NULL;
	*pp = t;
}

static void unlink_task(struct task *t)
{
	for (struct task **pp = &all_tasks; *pp; pp = &(*pp)->all_next)
		if (*pp == t) {
			*pp = t->all_next;
			return;
		}
}

void task_init(u64 kstack_top, u64 kshstk_top)
{
	struct task *t = &pool[0];

	*t = (struct task){ .id = next_id++, .state = TASK_RUNNABLE, .kstack_top = kstack_top,
			    .kshstk_top = kshstk_top };
	kshstk_token_cur = kshstk_top - 8;
	if (cet_task_init(&t->cet))
		panic("no memory for the kernel task's CET state");
	link_task(t);
	current = t;
}

struct task *task_create_user(struct uproc *proc, struct umem *mm, struct task *parent,
			      const struct trap_frame *tf)
{
	struct task *t = NULL;
	for (unsigned i = 1; i < MAX_TASKS && !t; i++)
		if (pool[i].state == TASK_FREE)
			t = &pool[i];
	if (!t)
		return NULL;
	*t = (struct task){ .id = next_id++, .proc = proc, .mm = mm, .parent = parent };
	t->kstack_top = kstack_alloc();
	if (kshstk_on)
		t->kshstk_top = kshstk_alloc();
	if (!t->kstack_top || (kshstk_on && !t->kshstk_top) || cet_task_init(&t->cet)) {
		if (t->kstack_top)
			kstack_free(t->kstack_top);
		if (t->kshstk_top)
			kstack_free(t->kshstk_top);
		t->state = TASK_FREE;
		return NULL;
	}
	if (kshstk_on) {
		/*
		 * The first switch_to lands here: RSTORSSP on the restore token,
		 * then its RET takes task_first_entry, leaving SSP on the
		 * supervisor token for the IRETQ to ring 3.  All in the top page.
		 */
		u64 top = t->kshstk_top;
		kshstk_write(top - 16, (u64)task_first_entry);
		kshstk_write(top - 24, (top - 16) | 1);
		t->kssp_token = top - 24;
	}
	fpu_init_state(t);
	umem_get(mm);
	/* The trap frame at the top, and below it what switch_to pops. */
	struct trap_frame *frame = (struct trap_frame *)(t->kstack_top - sizeof(*frame));
	*frame = *tf;
	u64 *sp = (u64 *)frame;
	*--sp = (u64)task_first_entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp rbx r12 r13 r14 r15 */
	*--sp = 0x2;	   /* rflags: interrupts stay off until the IRETQ */
	t->ksp = (u64)sp;
	t->state = TASK_RUNNABLE;
	link_task(t);
	return t;
}

void task_vfork_wait(struct task *parent, struct task *child)
{
	child->vfork_child = true;
	child->vfork_parent = parent;
	while (child->state != TASK_ZOMBIE) {
		parent->state = TASK_BLOCKED;
		schedule();
	}
}

/* Wakes whoever may be waiting for t: its parent, a vfork parent, the runner. */
static void wake_waiters(struct task *t)
{
	if (t->parent)
		task_wake(t->parent);
	if (t->vfork_parent)
		task_wake(t->vfork_parent);
	task_wake(&pool[0]);
}

/* The shadow stack a thread owns goes with it. */
static void release_shstk(struct task *t)
{
	if (t->shstk_size && t->shstk_thread && t->mm) {
		umem_release(t->mm, t->shstk_base, t->shstk_size);
		t->shstk_size = 0;
	}
}

void task_exit(enum task_end end, long code)
{
	struct task *t = current;

	t->end = end;
	t->exit_code = code;
	release_shstk(t);
	t->state = TASK_ZOMBIE;
	wake_waiters(t);
	schedule();
	panic("task %u ran after it ended", t->id);
}

void task_kill(struct task *t, enum task_end end)
{
	if (t == current)
		task_exit(end, -1);
	if (t->state == TASK_ZOMBIE || t->state == TASK_FREE)
		return;
	t->end = end;
	release_shstk(t);
	t->state = TASK_ZOMBIE;
	wake_waiters(t);
}

void task_reap(struct task *t)
{
	if (t == current || t == &pool[0] || t->state != TASK_ZOMBIE)
		panic("task_reap(%u): not an ended task", t->id);
	unlink_task(t);
	/* Children outlive their parent only as orphans: the runner reaps them. */
	for (struct task *c = all_tasks; c; c = c->all_next)
		if (c->parent == t)
			c->parent = NULL;
	kstack_free(t->kstack_top);
	if (t->kshstk_top)
		kstack_free(t->kshstk_top);
	cet_task_free(&t->cet);
	umem_put(t->mm);
	t->state = TASK_FREE;
}

void task_wake(struct task *t)
{
	if (t->state == TASK_BLOCKED)
		t->state = TASK_RUNNABLE;
}
