/*
 * Tasks: the kernel's test runner (task 0) and ring-3 tasks, each with its
 * own kernel stack and CET_U state.  Ring-3 tasks belong to one program
 * (struct uproc) and share an address space when they are threads or vfork
 * children.  One CPU; the timer preempts ring-3 code.
 */
#ifndef CETBED_KERNEL_TASK_H
#define CETBED_KERNEL_TASK_H

#include "cet.h"
#include "kernel/linux_task.h"
#include "x86/trap.h"

struct uproc;
struct umem;
struct fault_catch;

enum task_state { TASK_FREE, TASK_RUNNABLE, TASK_BLOCKED, TASK_ZOMBIE };

/* How a task ended. */
enum task_end { TASK_END_NONE, TASK_END_EXIT, TASK_END_FAULT, TASK_END_TIMEOUT, TASK_END_KILLED };

struct task {
	unsigned id;
	enum task_state state;
	struct task *all_next; /* every live task, in creation order */
	struct task *parent;
	struct uproc *proc;
	struct umem *mm; /* NULL for the kernel task */
	u64 kstack_top;
	u64 ksp; /* saved by switch_to */
	u64 kshstk_top;	 /* its supervisor shadow stack; token at top - 8 */
	u64 kssp_token;	 /* restore token left by switch_to, for the way back */
	struct fault_catch *catch_top;
	struct cet_task cet;

	enum task_end end;
	long exit_code;
	struct fault_info fault;
	struct trap_frame fault_frame;
	u64 fault_ssp;

	unsigned shstk_features, shstk_locked;
	u64 shstk_base, shstk_size; /* the shadow stack this task owns, if any */
	bool shstk_thread;	    /* a thread's own shadow stack: freed when it ends */
	bool vfork_child;	    /* runs on its parent's stacks; owns none */
	struct task *vfork_parent;  /* blocked until this task ends */
	u64 cow_faults, cow_faults_shstk;
	/*
	 * The frame the next IRETQ loads when it goes to a 32-bit code segment
	 * (kernel/trap.c): that IRETQ may fault, and the fault becomes the
	 * program's #GP at this frame.
	 */
	struct trap_frame iret32;
	u64 iret32_ssp; /* IA32_PL3_SSP for it */
	bool iret32_armed;

	/* Signals (kernel/signal.c). */
	u32 sigmask, sigpending;
	u64 alt_stack, alt_stack_size, alt_shstk, alt_shstk_size;
	u64 alarm_tick;
	char kill_reason[96];

	struct lx_task lx; /* the Linux personality's state (kernel/linux/) */
	/* x87/SSE state while switched out: ring-3 code uses SSE, the kernel does not. */
	u8 fxsave[512] __aligned(16);
};

extern struct task *current;

/* Makes the running code task 0 (the kernel's runner), on its kernel stack. */
void task_init(u64 kstack_top, u64 kshstk_top);

/* Supervisor shadow stacks are on (the kernel runs on them). */
extern bool kshstk_on;
/* The current task's supervisor token, for CLRSSBSY before SYSRET. */
extern u64 kshstk_token_cur;
/*
 * A new ring-3 task that starts by returning to user mode through *tf.
 * Returns NULL when out of tasks or memory.
 */
struct task *task_create_user(struct uproc *proc, struct umem *mm, struct task *parent,
			      const struct trap_frame *tf);
/* Ends the current task; never returns. */
void __noreturn task_exit(enum task_end end, long code);
/* Ends another task that is not running (it never runs again). */
void task_kill(struct task *t, enum task_end end);
/* Frees an ended task: its kernel stack, CET area and address-space reference. */
void task_reap(struct task *t);
struct task *task_by_id(unsigned id);
/* Every live task, for the caller to walk with ->all_next. */
struct task *task_first(void);

/* Copies the live x87/SSE state of the running task into t (fork, threads). */
void task_fpu_inherit(struct task *t);

/* Makes a blocked task runnable. */
void task_wake(struct task *t);
/*
 * vfork: child runs on parent's stacks, so the parent (current) stays
 * blocked until the child has ended (native SYS_VFORK and Linux CLONE_VFORK).
 */
void task_vfork_wait(struct task *parent, struct task *child);
/* Runs something else until current is runnable again (or forever, if it never is). */
void schedule(void);
/* Called from the timer interrupt with the interrupted frame. */
void sched_tick(const struct trap_frame *f);

extern u64 sched_switches;
extern u64 sched_preemptions;

#endif
