/*
 * The ia32 ABI a 64-bit Linux program reaches with int $0x80
 * (arch/x86/entry/syscalls/syscall_32.tbl, 32-bit arguments), MAP_32BIT,
 * and delivery of a signal whose handler came through int $0x80: an ia32
 * frame, a 32-bit code segment.  compat_shstk.c adds shadow stacks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "compat.h"
#include "lt.h"

/*
 * The 32-bit handler, assembled here and copied into a MAP_32BIT page:
 * exit_group(the signal number at [esp+4], where sigframe_ia32 keeps it).
 * "dec %eax" is 0x48, a REX.W prefix in 64-bit mode: run there, the NOP
 * swallows it, EAX stays 253 (no exit_group) and UD2 ends it with SIGILL.
 */
asm(".pushsection .rodata\n"
    "handler32_start:\n"
    ".code32\n"
    "	movl 4(%esp), %ebx\n"
    "	movl $253, %eax\n"
    "	decl %eax\n"
    "	nop\n"
    "	int $0x80\n"
    "	ud2\n"
    ".code64\n"
    "handler32_end:\n"
    ".popsection");
extern const char handler32_start[], handler32_end[];

void *map32(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Linux's find_start_end: MAP_32BIT from a 64-bit task lands in [1 GiB, 2 GiB). */
int in_map32_window(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	return p && a >= SZ_1G && a + len <= SZ_2G;
}

uintptr_t altstack_base;

/*
 * Installs the 32-bit handler for sig through number 67, to run on an
 * alternate stack below 2 GiB (in compatibility mode only ESP counts).
 * Returns its address, 0 on failure.
 */
uint32_t install_handler32(int sig)
{
	struct compat_old_sigaction *act = map32(4096, PROT_READ | PROT_WRITE);
	char *code = map32(4096, PROT_READ | PROT_WRITE);
	void *alt = map32(ALTSTACK_SIZE, PROT_READ | PROT_WRITE);
	stack_t ss = { .ss_sp = alt, .ss_size = ALTSTACK_SIZE };

	LT_CHECK(in_map32_window(act, 4096) && in_map32_window(code, 4096));
	LT_CHECK(in_map32_window(alt, ALTSTACK_SIZE));
	if (lt_failures)
		return 0;
	memcpy(code, handler32_start, handler32_end - handler32_start);
	LT_EQ(mprotect(code, 4096, PROT_READ | PROT_EXEC), 0);
	LT_EQ(sigaltstack(&ss, NULL), 0);
	altstack_base = (uintptr_t)alt;
	act->handler = (uint32_t)(uintptr_t)code;
	act->flags = SA_ONSTACK;
	LT_EQ(int80(NR32_sigaction, sig, (long)act, 0), 0);
	return lt_failures ? 0 : act->handler;
}

/* Runs body in a child; its exit status must be want (a death is a result). */
void expect_child(int (*body)(void), int want, const char *what)
{
	int status = 0;

	fflush(stdout);
	pid_t pid = fork();
	if (!pid) {
		lt_failures = 0; /* the child's own checks decide its status */
		int r = body();
		fflush(stdout);
		_exit(r ? r : LT_RESULT());
	}
	LT_EQ(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == want)
		return;
	char m[200];
	if (WIFSIGNALED(status))
		snprintf(m, sizeof(m), "%s: killed by signal %d, expected exit status %d", what,
			 WTERMSIG(status), want);
	else if (WIFEXITED(status))
		snprintf(m, sizeof(m), "%s: exit status %d, expected %d", what,
			 WEXITSTATUS(status), want);
	else
		snprintf(m, sizeof(m), "%s: wait status 0x%x, expected exit status %d", what,
			 status, want);
	lt_fail(__FILE__, __LINE__, m);
}

static void check_sigaction67(void)
{
	struct compat_old_sigaction *a = map32(4096, PROT_READ | PROT_WRITE);
	struct compat_old_sigaction *old = a + 1, *gone = map32(4096, PROT_READ);
	struct kernel_sigaction k;
	const uint32_t mask = 1U << (SIGUSR1 - 1) | 1U << (SIGKILL - 1) | 1U << (SIGSTOP - 1);

	LT_CHECK(a && gone);
	if (!a || !gone)
		return;
	munmap(gone, 4096);
	/* Untouched so far: SIG_DFL, nothing else. */
	LT_EQ(int80(NR32_sigaction, SIGUSR2, 0, (long)old), 0);
	LT_EQ(old->handler, 0);
	LT_EQ(old->flags, 0);
	/*
	 * do_sigaction keeps only the flags Linux knows (SA_UNSUPPORTED never)
	 * and drops SIGKILL and SIGSTOP from the mask.
	 */
	*a = (struct compat_old_sigaction){ 0x12345678, mask,
					    SA_RESTART | SA_RESTORER_LINUX | SA_UNSUPPORTED_LINUX,
					    0x9abcdef0 };
	LT_EQ(int80(NR32_sigaction, SIGUSR2, (long)a, 0), 0);
	memset(old, 0xaa, sizeof(*old));
	LT_EQ(int80(NR32_sigaction, SIGUSR2, 0, (long)old), 0);
	LT_EQ(old->handler, 0x12345678);
	LT_EQ(old->mask, 1U << (SIGUSR1 - 1));
	LT_EQ(old->flags, SA_RESTART | SA_RESTORER_LINUX);
	LT_EQ(old->restorer, 0x9abcdef0);
	/* The 64-bit ABI sees the same action, zero-extended, no ABI flag bits. */
	LT_EQ(rt_sigaction_get(SIGUSR2, &k), 0);
	LT_EQ(k.handler, 0x12345678);
	LT_EQ(k.flags, SA_RESTART | SA_RESTORER_LINUX);
	LT_EQ(k.restorer, 0x9abcdef0);
	LT_EQ(k.mask, 1U << (SIGUSR1 - 1));
	/* Bad pointers: EFAULT, and a bad act changes nothing. */
	LT_EQ(int80(NR32_sigaction, SIGUSR2, (long)gone, 0), -EFAULT);
	LT_EQ(int80(NR32_sigaction, SIGUSR2, 0, (long)gone), -EFAULT);
	LT_EQ(int80(NR32_sigaction, SIGUSR2, 0, (long)old), 0);
	LT_EQ(old->handler, 0x12345678);
	/* Bad signals: EINVAL; SIGKILL may be read but not set. */
	LT_EQ(int80(NR32_sigaction, 0, (long)a, 0), -EINVAL);
	LT_EQ(int80(NR32_sigaction, 65, (long)a, 0), -EINVAL);
	LT_EQ(int80(NR32_sigaction, SIGKILL, (long)a, 0), -EINVAL);
	LT_EQ(int80(NR32_sigaction, SIGKILL, 0, (long)old), 0);
	LT_EQ(old->handler, 0);
}

/* Number 174: the same action with a 64-bit mask in two words, sigsetsize 8 only. */
static void check_rt_sigaction174(void)
{
	struct compat_sigaction *a = map32(4096, PROT_READ | PROT_WRITE);
	struct compat_sigaction *old = a + 1;
	struct compat_old_sigaction *old67 = (void *)(a + 2);

	LT_CHECK(a != NULL);
	if (!a)
		return;
	/* Signal 40 is bit 7 of the second mask word. */
	*a = (struct compat_sigaction){
		.handler = 0x13572468,
		.flags = SA_SIGINFO | SA_RESTORER_LINUX | SA_UNSUPPORTED_LINUX,
		.restorer = 0x24681357,
		.mask = { 1U << (SIGUSR1 - 1) | 1U << (SIGSTOP - 1), 1U << (40 - 33) },
	};
	LT_EQ(int80_4(NR32_rt_sigaction, SIGALRM, (long)a, 0, 4), -EINVAL);
	LT_EQ(int80_4(NR32_rt_sigaction, SIGALRM, (long)a, 0, 16), -EINVAL);
	LT_EQ(int80_4(NR32_rt_sigaction, SIGALRM, (long)a, 0, 8), 0);
	memset(old, 0xaa, sizeof(*old));
	LT_EQ(int80_4(NR32_rt_sigaction, SIGALRM, 0, (long)old, 8), 0);
	LT_EQ(old->handler, 0x13572468);
	LT_EQ(old->flags, SA_SIGINFO | SA_RESTORER_LINUX);
	LT_EQ(old->restorer, 0x24681357);
	LT_EQ(old->mask[0], 1U << (SIGUSR1 - 1));
	LT_EQ(old->mask[1], 1U << (40 - 33));
	/* Number 67 sees the first mask word only. */
	LT_EQ(int80(NR32_sigaction, SIGALRM, 0, (long)old67), 0);
	LT_EQ(old67->handler, 0x13572468);
	LT_EQ(old67->mask, 1U << (SIGUSR1 - 1));
}

static int exit1_body(void)
{
	int80(NR32_exit, 42, 0, 0);
	printf("FAIL: int $0x80 exit returned\n");
	return 1;
}

/* Number 37 and, run as a child, number 1. */
static void check_kill_exit(void)
{
	int status = 0;

	LT_EQ(int80(NR32_kill, getpid(), 0, 0), 0);
	LT_EQ(int80(NR32_kill, getpid(), 65, 0), -EINVAL);
	fflush(stdout);
	pid_t pid = fork();
	if (!pid) {
		for (;;)
			pause();
	}
	long r = int80(NR32_kill, pid, SIGTERM, 0);
	LT_EQ(r, 0);
	if (r)
		kill(pid, SIGKILL); /* not left waiting for it */
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	expect_child(exit1_body, 42, "int $0x80 exit(42)");
}

static int basics_body(void)
{
	static const char msg[] = "int $0x80 write from MAP_32BIT memory\n";
	char *buf = map32(4096, PROT_READ | PROT_WRITE);
	void *big = map32(1 << 20, PROT_READ | PROT_WRITE);
	void *far = mmap((void *)(8 * SZ_4G), 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	void *plain = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	LT_EQ(int80(NR32_getpid, 0, 0, 0), getpid());
	/* The ia32 entry reads 32 bits of each register, the number included. */
	LT_EQ(int80((1L << 32) | NR32_getpid, 0, 0, 0), getpid());
	LT_CHECK(in_map32_window(buf, 4096));
	LT_CHECK(in_map32_window(big, 1 << 20));
	/* A hint MAP_32BIT cannot honour is ignored, not obeyed. */
	LT_CHECK(in_map32_window(far, 4096));
	/* A free hint below 2 GiB is taken, also under 1 GiB (above mmap_min_addr). */
	void *low = mmap((void *)0x20000000UL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	LT_EQ((uintptr_t)low, 0x20000000UL);
	/* Without the flag the same request goes above 4 GiB. */
	LT_CHECK(plain != MAP_FAILED && (uintptr_t)plain >= SZ_4G);
	if (buf) {
		memcpy(buf, msg, sizeof(msg) - 1);
		fflush(stdout);
		LT_EQ(int80(NR32_write, 1, (long)buf, sizeof(msg) - 1), sizeof(msg) - 1);
		LT_EQ(int80(NR32_write, 1, (1L << 32) | (long)buf, sizeof(msg) - 1),
		      sizeof(msg) - 1);
	}
	LT_EQ(int80(NR32_break, 0, 0, 0), -ENOSYS);
	LT_EQ(int80(1000, 0, 0, 0), -ENOSYS);
	check_sigaction67();
	check_rt_sigaction174();
	check_kill_exit();
	return 0;
}

int lt_compat_int80_basics(int argc, char **argv)
{
	(void)argc, (void)argv;
	expect_child(basics_body, 0, "int $0x80 basics");
	return LT_RESULT();
}

static int handler_body(void)
{
	if (!install_handler32(SIGUSR1))
		return 1;
	raise(SIGUSR1);
	printf("FAIL: raise(SIGUSR1) returned: the 32-bit handler did not end the process\n");
	return 1;
}

int lt_compat_handler_runs(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* exit_group(10) only from a 32-bit code segment, with the signal at [esp+4]. */
	expect_child(handler_body, SIGUSR1, "SIGUSR1 to the 32-bit handler");
	return LT_RESULT();
}
