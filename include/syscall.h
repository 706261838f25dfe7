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
#define NR_SYSCALLS 15

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
#define SHSTK_FEAT_SHSTK (1U << 0)
#define SHSTK_FEAT_WRSS (1U << 1)
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
