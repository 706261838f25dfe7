/*
 * Indirect branch tracking under the Linux personality, run with the
 * module option ibt=on (glibc has no ENDBR64 markers, so this program does
 * without it: raw system calls, built -nostdlib -fcf-protection=full).
 * An indirect call to a function that starts with ENDBR64 works; one that
 * lands elsewhere is #CP(3) (SDM: ENDBRANCH), which Linux delivers as
 * SIGSEGV: a forked child makes it and the parent checks the wait status.
 */
#include <cpuid.h>

#define NR_write 1
#define NR_fork 57
#define NR_exit 60
#define NR_wait4 61
#define SIGSEGV 11
#define KSFT_SKIP 4

static long sys3(long nr, long a, long b, long c)
{
	long ret;
	register long r10 asm("r10") = 0;
	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
		     : "rcx", "r11", "memory");
	return ret;
}

static void say(const char *s)
{
	long n = 0;
	while (s[n])
		n++;
	sys3(NR_write, 1, (long)s, n);
}

static void __attribute__((noreturn)) leave(int code)
{
	sys3(NR_exit, code, 0, 0);
	__builtin_unreachable();
}

static int __attribute__((noinline)) marked(int x)
{
	return x + 1;
}

/* No ENDBR64 here: the compiler leaves it out of nocf_check functions. */
static int __attribute__((noinline, nocf_check)) unmarked(int x)
{
	return x + 2;
}

static int (*volatile target)(int);

void __attribute__((noreturn, force_align_arg_pointer)) _start(void)
{
	unsigned a, b, c, d;
	int status = 0;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1U << 20))) {
		say("SKIP: CPUID.(7,0):EDX[20] IBT not enumerated (ibt=on has nothing to turn on)\n");
		leave(KSFT_SKIP);
	}
	target = marked;
	if (target(1) != 2) {
		say("FAIL: the call to an ENDBR64 target went wrong\n");
		leave(1);
	}
	long pid = sys3(NR_fork, 0, 0, 0);
	if (pid == 0) {
		target = (int (*)(int))(void *)unmarked;
		target(1);
		say("FAIL: an indirect call landed without ENDBR64\n");
		leave(1);
	}
	if (pid < 0 || sys3(NR_wait4, pid, (long)&status, 0) != pid) {
		say("FAIL: fork or wait4 failed\n");
		leave(1);
	}
	/* Linux's wait status of a child killed by SIGSEGV: the signal number alone. */
	if ((status & 0x7f) != SIGSEGV) {
		say("FAIL: the child was not killed by SIGSEGV\n");
		leave(1);
	}
	say("indirect call without ENDBR64: child killed by SIGSEGV\n");
	leave(0);
}
