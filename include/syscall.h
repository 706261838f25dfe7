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
#define NR_SYSCALLS 6

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
