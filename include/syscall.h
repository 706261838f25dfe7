/* System call numbers and ABI, shared by the kernel and user/. */
#ifndef CETBED_SYSCALL_H
#define CETBED_SYSCALL_H

/*
 * SYSCALL with the number in rax and arguments in rdi, rsi, rdx, r10, r8,
 * r9; the result (or -errno) comes back in rax.  rcx and r11 are clobbered.
 */
#define SYS_EXIT 0	/* (code): never returns */
#define SYS_WRITE 1	/* (buf, len): console output, returns len */
#define SYS_UNAME 2	/* (buf, len): copies the kernel's name string into buf */
#define SYS_SHSTK_CTL 3	/* (op, features): see SHSTK_OP_* below */
#define SYS_MAP_SHADOW_STACK 4 /* (addr, size, flags): returns the address */
#define SYS_MUNMAP 5	/* (addr, size) */
#define SYS_FORK 6	/* (): child id in the parent, 0 in the child */
#define SYS_VFORK 7	/* (): like fork, sharing memory and stacks; the parent waits */
#define SYS_THREAD 8	/* (entry, stack_top, arg, stack_size): new thread's id */
#define SYS_WAIT 9	/* (id or 0 for any child, struct wait_status *): id */
#define SYS_MPROTECT 10 /* (addr, size, PROT_*) */
#define SYS_FREE_FRAMES 11 /* (): free physical frames */
#define SYS_YIELD 12	/* () */
#define SYS_GETTID 13	/* () */
#define SYS_TASK_STATS 14 /* (TASK_STAT_*): a counter, for tests */
#define SYS_SIGACTION 15  /* (signo, handler, restorer, SA_*): handler 0 restores the default */
#define SYS_SIGRETURN 16  /* (): only from the restorer, with the frame left by delivery */
#define SYS_SIGALTSTACK 17 /* (stack, stack_size, shstk, shstk_size): 0 sizes disable */
#define SYS_KILL 18	  /* (task id, signo): a task of the same program, or 0 for self */
#define SYS_ALARM 19	  /* (ms): SIG_ALRM to the caller after ms of platform time */
#define NR_SYSCALLS 20

/*
 * Signals.  Faults become signals: #UD SIG_ILL, #PF and #GP SIG_SEGV, #CP
 * SIG_CP.  Without a handler a fault ends the task as before; an
 * asynchronous signal without one is ignored.  A signal is blocked while
 * its own handler runs.
 *
 * Delivery: rip = handler, rdi = signo, rsi = struct siginfo *, rdx =
 * struct sigcontext * (the interrupted registers; the handler may change
 * them), and [rsp] = the restorer, which must make SYS_SIGRETURN.
 *
 * Shadow stack (when the task has it on), with P the SSP to restore:
 *   P - 8:  restore token P | 1, written with WRUSS
 *   then, on the same stack (or on the alternate shadow stack, see below):
 *           marker P | (1 << 63): non-canonical, so never usable as a return
 *           address; it names the token
 *           the restorer's address, so the handler's RET matches
 * SYS_SIGRETURN finds the marker at SSP, checks that it names a restore
 * token on a shadow-stack page matching the saved context, erases both with
 * WRUSS (a frame works once), and sets SSP = P.  Anything else ends the task
 * with the reason in the log.
 *
 * Alternate stacks: SYS_SIGALTSTACK registers a normal stack and, on its
 * own, an alternate shadow stack (a range from SYS_MAP_SHADOW_STACK).  A
 * handler installed with SA_ONSTACK runs on them unless the task already
 * is; the token stays on the interrupted shadow stack, the marker and the
 * restorer go to the top of the alternate one.
 */
#define SIG_USR1 1
#define SIG_USR2 2
#define SIG_ALRM 3
#define SIG_ILL 4
#define SIG_SEGV 5
#define SIG_CP 6
#define NSIG 8

#define SA_ONSTACK 1
#define SIG_FRAME_MARKER (1UL << 63)

struct siginfo {
	unsigned long signo, vector, error_code, rip, ssp, cr2;
};

struct sigcontext {
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
	unsigned long rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long rip, rsp, rflags;
	unsigned long ssp;  /* the SSP to restore (P); informational */
	unsigned long mask; /* blocked signals to restore */
};

/* The normal-stack frame, at the handler's rsp. */
struct sigframe {
	unsigned long restorer;
	struct siginfo info;
	struct sigcontext ctx;
};

#define TASK_STAT_COW_FAULTS 0	     /* copy-on-write faults of this task */
#define TASK_STAT_COW_FAULTS_SHSTK 1 /* ... on shadow-stack pages */
#define TASK_STAT_SWITCHES 2	     /* task switches since boot */
#define TASK_STAT_PREEMPTIONS 3	     /* timer preemptions since boot */

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

/* What SYS_WAIT reports about a child that ended. */
#define WAIT_EXITED 1	/* code: its exit status */
#define WAIT_FAULTED 2	/* vector, error_code, rip, ssp: the fault that ended it */
#define WAIT_TIMEOUT 3	/* stopped by the per-test watchdog */
#define WAIT_KILLED 4
struct wait_status {
	unsigned long id, how, code, vector, error_code, rip, ssp;
};

/*
 * SYS_SHSTK_CTL turns CET features on and off for the calling program.
 * ENABLE of SHSTK allocates a shadow stack (SHSTK_DEFAULT_SIZE, guard pages
 * on both sides) and points SSP at its top, with no token: the caller must
 * not return from the function that enabled it.  WRSS needs SHSTK enabled.
 * LOCK makes the given features unchangeable (-EPERM afterwards).  STATUS
 * returns the enabled features.  -EOPNOTSUPP where the CPU lacks CET.
 */
#define SHSTK_OP_ENABLE 1
#define SHSTK_OP_DISABLE 2
#define SHSTK_OP_LOCK 3
#define SHSTK_OP_STATUS 4
/*
 * (op, addr): marks the 4 KiB page holding addr as legacy code, exempt from
 * ENDBR64 (addr 0 turns the bitmap off).  The CPU reads the bitmap as an
 * implicit supervisor access, so it lives in supervisor pages the kernel
 * keeps at LEGACY_BITMAP_BASE of the program's address space.
 */
#define SHSTK_OP_LEGACY_BITMAP 5
#define LEGACY_BITMAP_BASE 0x00007e0000000000UL
/* One bit per page of the 47-bit user half: no system call takes an address in it. */
#define LEGACY_BITMAP_SIZE (1UL << 32)
#define SHSTK_FEAT_SHSTK (1U << 0)
#define SHSTK_FEAT_WRSS (1U << 1)
#define SHSTK_FEAT_IBT (1U << 2)     /* U_CET.ENDBR_EN; CPUs with IBT only */
#define SHSTK_FEAT_NOTRACK (1U << 3) /* U_CET.NO_TRACK_EN; needs IBT */
#define SHSTK_DEFAULT_SIZE (8 * 4096)

/*
 * SYS_MAP_SHADOW_STACK: addr 0 lets the kernel choose; otherwise addr is
 * page-aligned and the range plus one guard page on each side must be free
 * (-EEXIST).  size is non-zero and a multiple of 8 (rounded up to pages).
 * SHADOW_STACK_SET_TOKEN puts a restore token in the top 8 bytes.
 */
#define SHADOW_STACK_SET_TOKEN (1U << 0)

/* crt0's exit status when enabling a start feature failed. */
#define START_FAILED_EXIT 250

#endif
