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
