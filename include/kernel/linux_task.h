/* The Linux personality's per-task state, embedded in struct task. */
#ifndef CETBED_KERNEL_LINUX_TASK_H
#define CETBED_KERNEL_LINUX_TASK_H

#include "types.h"

struct lx_proc;

/* Per-task state of the personality (struct task embeds it). */
struct lx_task {
	struct lx_proc *proc;
	bool thread;	  /* CLONE_THREAD: nobody waits for it */
	u64 fs_base, gs_base;
	u64 clear_child_tid;
	u64 sigmask, sigpending;
	u64 sig_tkill; /* pending signals sent with tgkill (si_code SI_TKILL) */
	/* The last child that ended, for SIGCHLD's siginfo. */
	s32 chld_code, chld_pid, chld_status;
	u64 altstack_sp, altstack_size, altstack_flags;
	u64 futex_uaddr; /* waiting here while blocked in futex */
	u64 sleep_until; /* tick a sleeping task waits for */
	bool interruptible; /* blocked where a signal ends the wait (-EINTR) */
	bool in_wait4;
	u64 fault_signal, fault_code, fault_addr; /* what ended it, for the report */
	bool cp_report; /* a #CP or shadow-stack #PF ended it: the report was printed */
	/* ptrace: the tracing process (PTRACE_TRACEME) and the signal-delivery stop. */
	struct lx_proc *tracer;
	int ptrace_sig;	      /* the signal it stopped with; on resume, the one to deliver */
	bool ptrace_stopped;
	bool ptrace_reported; /* the tracer's wait4 has seen this stop */
};

#endif
