/*
 * The ia32 ABI a 64-bit Linux program reaches with int $0x80
 * (arch/x86/entry/syscalls/syscall_32.tbl, 32-bit arguments), MAP_32BIT,
 * delivery of a signal whose handler came through int $0x80 (an ia32 frame,
 * a 32-bit code segment) and, with shadow stacks on, the SDM's rule that an
 * IRET to compatibility mode faults (#GP) while SSP[63:32] is not zero.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "lt.h"

#define NR32_exit_group 252
#define NR32_write 4
#define NR32_getpid 20
#define NR32_sigaction 67
#define NR32_break 17 /* in syscall_32.tbl without an entry point */

#define ARCH_SHSTK_ENABLE 0x5001
#define ARCH_SHSTK_DISABLE 0x5002
#define ARCH_SHSTK_STATUS 0x5005
#define ARCH_SHSTK_SHSTK (1UL << 0)
#define NR_arch_prctl 158
#define NR_map_shadow_stack 453
#define SHADOW_STACK_SET_TOKEN (1UL << 0)
#define NT_X86_SHSTK_LINUX 0x204
#define SA_RESTORER_LINUX 0x04000000
#define SA_UNSUPPORTED_LINUX 0x00000400
#define SI_KERNEL_LINUX 0x80
#define X86_TRAP_GP 13

#define SZ_1G 0x40000000UL
#define SZ_2G 0x80000000UL
#define SZ_4G 0x100000000UL
#define ALTSTACK_SIZE 0x10000

/* include/linux/compat.h's compat_old_sigaction: what number 67 reads and writes. */
struct compat_old_sigaction {
	uint32_t handler, mask, flags, restorer;
};

/* The 64-bit view of the same action (rt_sigaction's struct). */
struct kernel_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static inline __attribute__((always_inline)) long int80(long nr, long b, long c, long d)
{
	long ret;
	/* r8-r11 listed as Linux's own selftest does: not what this file checks. */
	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(b), "c"(c), "d"(d)
		     : "r8", "r9", "r10", "r11", "memory");
	return ret;
}

static inline __attribute__((always_inline)) long sys3(long nr, long a, long b, long c)
{
	long ret;
	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11",
		     "memory");
	return ret;
}

static inline __attribute__((always_inline)) uint64_t rdssp(void)
{
	uint64_t ssp = 0;
	asm volatile("rdsspq %0" : "+r"(ssp));
	return ssp;
}

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

static void *map32(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Linux's find_start_end: MAP_32BIT from a 64-bit task lands in [1 GiB, 2 GiB). */
static int in_map32_window(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	return p && a >= SZ_1G && a + len <= SZ_2G;
}

static uintptr_t altstack_base;

/*
 * Installs the 32-bit handler for sig through number 67, to run on an
 * alternate stack below 2 GiB (in compatibility mode only ESP counts).
 * Returns its address, 0 on failure.
 */
static uint32_t install_handler32(int sig)
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
static void expect_child(int (*body)(void), int want, const char *what)
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
	long r;
	asm volatile("mov $8, %%r10\n\tsyscall"
		     : "=a"(r)
		     : "a"(13), "D"(SIGUSR2), "S"(0), "d"(&k)
		     : "rcx", "r11", "r10", "memory");
	LT_EQ(r, 0);
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

static int cpu_has_shstk(void)
{
	unsigned a, b, c, d;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1U << 7));
}

/* As cet.c: without CET Linux refuses with EOPNOTSUPP, checked, then a skip. */
static int need_shstk(void)
{
	if (cpu_has_shstk())
		return 0;
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_SHSTK, 0), -EOPNOTSUPP);
	if (lt_failures)
		return 1;
	printf("SKIP: CPUID.(7,0):ECX[7] CET_SS not enumerated (ARCH_SHSTK_ENABLE: EOPNOTSUPP)\n");
	return LT_SKIP;
}

/* Turns shadow stacks on and runs body in a frame that never returns (see cet.c). */
static void __attribute__((noinline, noreturn)) run_with_shstk(int (*body)(void))
{
	long r = sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_SHSTK, 0);
	if (r) {
		LT_EQ(r, 0);
		exit(1);
	}
	int ret = body();
	fflush(stdout);
	exit(ret ? ret : LT_RESULT());
}

static sigjmp_buf gp_jmp;
static volatile int gp_seen, gp_code, gp_signo, gp_frame_sig;
static volatile uint64_t gp_rip, gp_rsp, gp_trapno, gp_err, gp_cs_ar;
static volatile long gp_disable;

static void on_gp_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uint32_t ar = 0;

	(void)sig;
	gp_seen = 1;
	gp_signo = si->si_signo;
	gp_code = si->si_code;
	gp_rip = uc->uc_mcontext.gregs[REG_RIP];
	gp_rsp = uc->uc_mcontext.gregs[REG_RSP];
	gp_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	gp_err = uc->uc_mcontext.gregs[REG_ERR];
	/* The interrupted CS's access rights: L (bit 21) and D (bit 22) name its mode. */
	asm volatile("larl %k1, %0" : "=r"(ar) : "r"(uc->uc_mcontext.gregs[REG_CSGSFS] & 0xffff));
	gp_cs_ar = ar;
	if (gp_rsp >= altstack_base && gp_rsp + 8 <= altstack_base + ALTSTACK_SIZE)
		gp_frame_sig = ((volatile int *)gp_rsp)[1];
	/* As Linux's selftest: shadow stacks off before siglongjmp, whatever the libc. */
	gp_disable = sys3(NR_arch_prctl, ARCH_SHSTK_DISABLE, ARCH_SHSTK_SHSTK, 0);
	siglongjmp(gp_jmp, 1);
}

static int compat_gp_body(void)
{
	struct sigaction sa = { .sa_sigaction = on_gp_segv, .sa_flags = SA_SIGINFO };
	uint64_t ssp = rdssp(), status = 1;
	uint32_t h;

	/* The premise: Linux's shadow stacks lie above 4 GiB. */
	LT_CHECK(ssp >> 32 != 0);
	LT_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
	h = install_handler32(SIGUSR1);
	if (!h)
		return 1;
	if (!sigsetjmp(gp_jmp, 1)) {
		raise(SIGUSR1);
		printf("FAIL: raise(SIGUSR1) returned: neither the 32-bit handler nor SIGSEGV ran\n");
		return 1;
	}
	LT_CHECK(gp_seen);
	LT_EQ(gp_signo, SIGSEGV);
	/* The #GP of the IRET, sent by Linux's gp_user_force_sig_segv. */
	LT_EQ(gp_code, SI_KERNEL_LINUX);
	LT_EQ(gp_trapno, X86_TRAP_GP);
	LT_EQ(gp_err, 0);
	/* It faulted going to the handler's first instruction, in a 32-bit segment. */
	LT_EQ(gp_rip, h);
	LT_EQ(gp_cs_ar >> 21 & 3, 2);
	/* sigframe_ia32 was built on the alternate stack before the IRET. */
	LT_EQ(gp_frame_sig, SIGUSR1);
	LT_EQ(gp_disable, 0);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_STATUS, (long)&status, 0), 0);
	LT_EQ(status, 0);
	return 0;
}

static int compat_gp_child(void)
{
	run_with_shstk(compat_gp_body);
}

int lt_shstk_compat_gp(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	/* Exit status 10 would mean the 32-bit handler ran with SSP above 4 GiB. */
	expect_child(compat_gp_child, 0, "SIGUSR1 to a 32-bit handler, SSP above 4 GiB");
	return LT_RESULT();
}

/*
 * Case shstk_compat_low_ssp.  Linux maps no shadow stack below 4 GiB
 * (map_shadow_stack: ERANGE), so the low SSP comes the one way Linux
 * allows: a tracer's NT_X86_SHSTK write (ssp_set takes any aligned user
 * address).  The handler makes no shadow-stack access before its
 * exit_group, so the SSP need not point at a shadow stack.
 */
static int low_ssp_tracee_body(void)
{
	if (!install_handler32(SIGUSR1))
		return 1;
	raise(SIGUSR1); /* stops here for the tracer, then goes to the handler */
	printf("FAIL: raise(SIGUSR1) returned in the tracee\n");
	return 1;
}

static void __attribute__((noreturn)) low_ssp_tracee(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(2);
	run_with_shstk(low_ssp_tracee_body);
}

static long ssp_regset(int req, pid_t pid, uint64_t *ssp)
{
	struct iovec iov = { ssp, 8 };
	return ptrace(req, pid, (void *)NT_X86_SHSTK_LINUX, &iov) ? -errno : 0;
}

/*
 * One tracee, stopped where SIGUSR1 is about to be delivered, its SSP
 * replaced by SSP & keep, then let go with SIGUSR1: its final wait status.
 */
static int tracee_with_ssp(uint64_t keep)
{
	uint64_t ssp = 0, got = 0;
	int status = 0;

	fflush(stdout);
	pid_t pid = fork();
	if (!pid) {
		lt_failures = 0;
		low_ssp_tracee();
	}
	LT_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFSTOPPED(status)) {
		LT_EQ(status, SIGUSR1 << 8 | 0x7f);
		return status;
	}
	LT_EQ(WSTOPSIG(status), SIGUSR1);
	LT_EQ(ssp_regset(PTRACE_GETREGSET, pid, &ssp), 0);
	/* Everything as in shstk_compat_gp until here: SSP above 4 GiB. */
	LT_CHECK(ssp >> 32 != 0);
	ssp &= keep;
	LT_EQ(ssp_regset(PTRACE_SETREGSET, pid, &ssp), 0);
	LT_EQ(ssp_regset(PTRACE_GETREGSET, pid, &got), 0);
	LT_EQ(got, ssp);
	LT_EQ(ptrace(PTRACE_DETACH, pid, NULL, (void *)SIGUSR1), 0);
	LT_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

int lt_shstk_compat_low_ssp(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	LT_EQ(sys3(NR_map_shadow_stack, SZ_1G, 0x2000, SHADOW_STACK_SET_TOKEN), -ERANGE);
	/* SSP written back unchanged: the IRET faults, SIGSEGV with no handler kills. */
	int high = tracee_with_ssp(~0UL);
	if (!WIFSIGNALED(high) || WTERMSIG(high) != SIGSEGV) {
		char m[120];
		snprintf(m, sizeof(m), "SSP above 4 GiB: wait status 0x%x, expected death by SIGSEGV",
			 high);
		lt_fail(__FILE__, __LINE__, m);
	}
	/* Only SSP[63:32] cleared: the IRET is allowed and the handler exits 10. */
	int low = tracee_with_ssp(0xffffffffUL);
	if (!WIFEXITED(low) || WEXITSTATUS(low) != SIGUSR1) {
		char m[120];
		snprintf(m, sizeof(m), "SSP[63:32] = 0: wait status 0x%x, expected exit status %d",
			 low, SIGUSR1);
		lt_fail(__FILE__, __LINE__, m);
	}
	return LT_RESULT();
}
