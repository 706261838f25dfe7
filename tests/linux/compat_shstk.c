/*
 * The SDM's rule for an IRET to compatibility mode with shadow stacks on:
 * #GP(0) while SSP[63:32] is not zero, which Linux turns into SIGSEGV
 * (SI_KERNEL); and the same delivery with only SSP[63:32] cleared.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "compat.h"
#include "lt.h"

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
		printf("FAIL: raise(SIGUSR1) returned: no 32-bit handler, no SIGSEGV\n");
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

/* The SSP of a stopped tracee through NT_X86_SHSTK: 0 or -errno. */
static long ssp_regset(int req, pid_t pid, uint64_t *ssp)
{
	struct iovec iov = { ssp, 8 };
	return ptrace(req, pid, (void *)NT_X86_SHSTK_LINUX, &iov) ? -errno : 0;
}

/*
 * Case shstk_compat_gp_stale_ssp: the same #GP, but taken while the SSP
 * register holds a value below 4 GiB that another process left there.
 * Without supervisor shadow stacks the kernel never loads SSP, so the last
 * CPL3 SSP stays in it; a CPU that follows the SDM does not look at it
 * (the #GP comes from IA32_PL3_SSP, at CPL0), but Bochs then delivers the
 * #GP from CPL3 with that stale SSP saved into IA32_PL3_SSP.  The kernel
 * must still give the program its SIGSEGV, at the handler's address, with
 * its own SSP for the signal's shadow-stack frame.
 *
 * A waits in pause() with the 32-bit SIGUSR1 handler; B, traced, gets an
 * SSP below 4 GiB from its tracer and dies of the first shadow-stack
 * access there (its kernel entry leaves that SSP); then A gets SIGUSR1.
 */
static volatile sig_atomic_t a_ready;

static void on_ready(int sig)
{
	(void)sig;
	a_ready = 1;
}

static int stale_a_body(void)
{
	struct sigaction sa = { .sa_sigaction = on_gp_segv, .sa_flags = SA_SIGINFO };
	uint32_t h;

	LT_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
	h = install_handler32(SIGUSR1);
	if (!h)
		return 1;
	if (!sigsetjmp(gp_jmp, 1)) {
		kill(getppid(), SIGUSR2);
		for (;;)
			pause();
	}
	LT_CHECK(gp_seen);
	LT_EQ(gp_code, SI_KERNEL_LINUX);
	LT_EQ(gp_trapno, X86_TRAP_GP);
	/* The fault is reported at the handler, never at a kernel address. */
	LT_EQ(gp_rip, h);
	LT_EQ(gp_disable, 0);
	return 0;
}

static void __attribute__((noreturn)) stale_a(void)
{
	run_with_shstk(stale_a_body);
}

static int stale_b_body(void)
{
	raise(SIGUSR2); /* the tracer's stop; it returns with SSP below 4 GiB */
	printf("FAIL: the tracee ran on with its SSP below 4 GiB\n");
	return 1;
}

/* A child that asks to be traced, then runs body with shadow stacks on. */
static void __attribute__((noreturn)) traced_with_shstk(int (*body)(void))
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(2);
	run_with_shstk(body);
}

int lt_shstk_compat_gp_stale_ssp(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct sigaction sa = { .sa_handler = on_ready };
	struct timespec tick = { 0, 1000000 };
	uint64_t ssp = 0;
	int status = 0, r = need_shstk();

	if (r)
		return r;
	LT_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
	fflush(stdout);
	pid_t a = fork();
	if (!a)
		stale_a();
	for (int i = 0; i < 5000 && !a_ready; i++)
		nanosleep(&tick, NULL);
	LT_CHECK(a_ready);
	nanosleep(&(struct timespec){ 0, 20000000 }, NULL); /* A gets into pause() */
	pid_t b = fork();
	if (!b)
		traced_with_shstk(stale_b_body);
	LT_EQ(waitpid(b, &status, 0), b);
	LT_EQ(status, SIGUSR2 << 8 | 0x7f);
	LT_EQ(ssp_regset(PTRACE_GETREGSET, b, &ssp), 0);
	ssp &= 0xffffffffUL;
	LT_EQ(ssp_regset(PTRACE_SETREGSET, b, &ssp), 0);
	LT_EQ(ptrace(PTRACE_DETACH, b, NULL, NULL), 0);
	LT_EQ(waitpid(b, &status, 0), b);
	LT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	LT_EQ(kill(a, SIGUSR1), 0);
	LT_EQ(waitpid(a, &status, 0), a);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char m[120];
		snprintf(m, sizeof(m), "A: wait status 0x%x, expected exit status 0", status);
		lt_fail(__FILE__, __LINE__, m);
	}
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
		traced_with_shstk(low_ssp_tracee_body);
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
		snprintf(m, sizeof(m), "SSP above 4 GiB: wait status 0x%x, expected SIGSEGV", high);
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
