/* Signals for ring-3 tasks (the ABI is in include/syscall.h). */
#ifndef CETBED_KERNEL_SIGNAL_H
#define CETBED_KERNEL_SIGNAL_H

#include "x86/trap.h"

/* A ring-3 fault: true if a handler was set up to run instead. */
bool signal_fault(struct trap_frame *f, u64 cr2);
/* On the way back to ring 3: delivers one pending signal; true if f changed. */
bool signal_check(struct trap_frame *f);

long sys_sigaction(u64 signo, u64 handler, u64 restorer, u64 flags);
long sys_sigreturn(struct trap_frame *f);
long sys_sigaltstack(u64 stack, u64 size, u64 shstk, u64 shstk_size);
long sys_kill(u64 id, u64 signo);
long sys_alarm(u64 ms);

#endif
