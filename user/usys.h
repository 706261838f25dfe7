/* Ring-3 system call stubs. */
#ifndef CETBED_USER_USYS_H
#define CETBED_USER_USYS_H

#include "syscall.h"
#include "types.h"

static inline long syscall3(long nr, long a, long b, long c)
{
	long ret;
	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall4(long nr, long a, long b, long c, long d)
{
	long ret;
	register long r10 asm("r10") = d;
	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long sys_write(const void *buf, size_t len)
{
	return syscall3(SYS_WRITE, (long)buf, (long)len, 0);
}

static inline long sys_uname(void *buf, size_t len)
{
	return syscall3(SYS_UNAME, (long)buf, (long)len, 0);
}

static inline long sys_shstk_ctl(long op, long features)
{
	return syscall3(SYS_SHSTK_CTL, op, features, 0);
}

static inline long sys_map_shadow_stack(u64 addr, u64 size, u64 flags)
{
	return syscall3(SYS_MAP_SHADOW_STACK, (long)addr, (long)size, (long)flags);
}

static inline long sys_munmap(u64 addr, u64 size)
{
	return syscall3(SYS_MUNMAP, (long)addr, (long)size, 0);
}

/* Inline on purpose: a vfork child must not return through a call frame. */
static inline long sys_fork(void)
{
	return syscall3(SYS_FORK, 0, 0, 0);
}

static inline long sys_vfork(void)
{
	return syscall3(SYS_VFORK, 0, 0, 0);
}

static inline long sys_thread(void (*entry)(u64), void *stack_top, u64 arg, u64 stack_size)
{
	return syscall4(SYS_THREAD, (long)entry, (long)stack_top, (long)arg, (long)stack_size);
}

static inline long sys_wait(long id, struct wait_status *ws)
{
	return syscall3(SYS_WAIT, id, (long)ws, 0);
}

static inline long sys_mprotect(void *addr, u64 size, unsigned prot)
{
	return syscall3(SYS_MPROTECT, (long)addr, (long)size, prot);
}

static inline long sys_free_frames(void)
{
	return syscall3(SYS_FREE_FRAMES, 0, 0, 0);
}

static inline long sys_yield(void)
{
	return syscall3(SYS_YIELD, 0, 0, 0);
}

static inline long sys_task_stats(long which)
{
	return syscall3(SYS_TASK_STATS, which, 0, 0);
}

static inline long sys_sigaction(long signo, u64 handler, u64 restorer, unsigned flags)
{
	return syscall4(SYS_SIGACTION, signo, (long)handler, (long)restorer, flags);
}

static inline long sys_sigaltstack(u64 stack, u64 size, u64 shstk, u64 shstk_size)
{
	return syscall4(SYS_SIGALTSTACK, (long)stack, (long)size, (long)shstk, (long)shstk_size);
}

static inline long sys_kill(long id, long signo)
{
	return syscall3(SYS_KILL, id, signo, 0);
}

static inline long sys_alarm(u64 ms)
{
	return syscall3(SYS_ALARM, (long)ms, 0, 0);
}

static inline long sys_gettid(void)
{
	return syscall3(SYS_GETTID, 0, 0, 0);
}

static inline void __noreturn sys_exit(long code)
{
	syscall3(SYS_EXIT, code, 0, 0);
	__builtin_unreachable();
}

/* Writes a NUL-terminated string. */
void uputs(const char *s);
/* Writes "label 0x<hex>\n". */
void uput_hex(const char *label, u64 v);

#endif
