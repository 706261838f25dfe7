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
#define NR_SYSCALLS 3

#endif
