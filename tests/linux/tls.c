/*
 * clone's CLONE_SETTLS against Linux's rule for a new thread's FS base
 * (arch/x86/kernel/process_64.c: do_arch_prctl_64, which set_new_tls
 * shares with ARCH_SET_FS): an address at or above the top of the user
 * half (TASK_SIZE_MAX, 0x7ffffffff000) is -EPERM and no child is made.
 * Found by the Linux-ABI fuzzer: the base went unchecked into the MSR.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "lt.h"

#define CLONE_SETTLS 0x80000
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

/* clone(flags, 0, 0, 0, tls) whose child exits 0 at once, touching nothing. */
static long clone_tls(unsigned long flags, unsigned long tls)
{
	long ret;
	register unsigned long r10 asm("r10") = 0;
	register unsigned long r8 asm("r8") = tls;
	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "xor %%edi, %%edi\n\t"
		     "mov $60, %%eax\n\t"
		     "syscall\n\t"
		     "ud2\n"
		     "1:"
		     : "=a"(ret)
		     : "a"(SYS_clone), "D"(flags), "S"(0UL), "d"(0UL), "r"(r10), "r"(r8)
		     : "rcx", "r11", "memory");
	return ret;
}

int lt_clone_bad_tls(int argc, char **argv)
{
	static const unsigned long bad[] = { 0x7ffffffff000UL, 0x800000000000UL,
					     0x8000000000000000UL, 0xffffffff80000000UL,
					     0xabb0d906d855b191UL };
	unsigned long fs = 0;
	int st = -1;

	(void)argc;
	(void)argv;
	LT_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		LT_EQ(clone_tls(CLONE_SETTLS | SIGCHLD, bad[i]), -EPERM);
		LT_EQ(syscall(SYS_arch_prctl, ARCH_SET_FS, bad[i]), -1);
		LT_EQ(errno, EPERM);
	}
	/* None of them made a child; one with our own base does. */
	LT_EQ(waitpid(-1, &st, WNOHANG), -1);
	LT_EQ(errno, ECHILD);
	long pid = clone_tls(CLONE_SETTLS | SIGCHLD, fs);
	LT_CHECK(pid > 0);
	LT_EQ(waitpid((pid_t)pid, &st, 0), pid);
	LT_EQ(st, 0);
	return LT_RESULT();
}
