/*
 * Shadow stacks under Linux's ABI (Documentation/arch/x86/shstk.rst,
 * arch/x86/kernel/shstk.c).  Debian's glibc carries no CET marker, so each
 * case enables shadow stacks itself, in a function that never returns,
 * through an inlined system call (a call into libc would return through a
 * frame the shadow stack never saw).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lt.h"
#include "lt_cet.h"

#define SEGV_CPERR_LINUX 10

static long __attribute__((noinline)) sum_to(long n)
{
	return n ? n + sum_to(n - 1) : 0;
}

static int enable_body(void)
{
	uint64_t status = 0;
	/* Linux points SSP at the top of a page-aligned new shadow stack. */
	LT_CHECK(ssp_at_enable != 0);
	LT_EQ(ssp_at_enable & 4095, 0);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_STATUS, (long)&status, 0), 0);
	LT_EQ(status, ARCH_SHSTK_SHSTK);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_SHSTK, 0), 0); /* already on */
	LT_EQ(sum_to(100), 5050);
	LT_CHECK(rdssp() < ssp_at_enable);
	return 0;
}

int lt_shstk_enable(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	run_with_shstk(enable_body);
}

static int recursion_body(void)
{
	/* 20000 frames: 160 KiB of shadow stack, pages appearing on first touch. */
	LT_EQ(sum_to(20000), 200010000L);
	return 0;
}

int lt_shstk_recursion(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	run_with_shstk(recursion_body);
}

static void on_cp(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	LT_EQ(sig, SIGSEGV);
	LT_EQ(si->si_signo, SIGSEGV);
	/* Linux: SEGV_CPERR, si_addr 0 (do_user_cp_fault). */
	LT_EQ(si->si_code, SEGV_CPERR_LINUX);
	LT_EQ((uintptr_t)si->si_addr, 0);
	printf("caught the smashed return: signal %d code %d\n", sig, si->si_code);
	fflush(stdout);
	_exit(LT_RESULT());
}

static void __attribute__((noinline)) landing(void)
{
	printf("FAIL: the smashed return was taken\n");
	fflush(stdout);
	_exit(1);
}

static void __attribute__((noinline)) smash(void)
{
	/* With a frame pointer, the return address sits just above the saved rbp. */
	void **ret = (void **)__builtin_frame_address(0) + 1;
	*ret = (void *)landing;
	asm volatile("" ::: "memory");
}

static int smashed_body(void)
{
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_cp;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	smash();
	printf("FAIL: smash() returned\n");
	return 1;
}

int lt_shstk_smashed_return(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	run_with_shstk(smashed_body);
}

static uint64_t on_new_stack;

static void __attribute__((noinline)) pivot_call(void)
{
	on_new_stack = rdssp();
	LT_EQ(sum_to(50), 1275);
}

static int pivot_body(void)
{
	long base = sys3(NR_map_shadow_stack, 0, 0x2000, SHADOW_STACK_SET_TOKEN);
	uint64_t old, token_slot, after;

	LT_CHECK(base > 0);
	if (base <= 0)
		return 1;
	token_slot = base + 0x2000 - 8;
	LT_EQ(*(volatile uint64_t *)token_slot, (base + 0x2000) | 1);
	old = rdssp();
	/* To the new stack: RSTORSSP takes its token, SAVEPREVSSP leaves one behind. */
	asm volatile("rstorssp (%0)\n\tsaveprevssp" ::"r"(token_slot) : "memory");
	after = rdssp();
	pivot_call();
	/* And back, through the restore token SAVEPREVSSP left at old - 8. */
	asm volatile("rstorssp (%0)\n\tsaveprevssp" ::"r"(old - 8) : "memory");
	LT_EQ(after, base + 0x2000);
	LT_EQ(on_new_stack, base + 0x2000 - 8);
	LT_EQ(rdssp(), old);
	return 0;
}

int lt_shstk_pivot(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	/* map_shadow_stack works whether or not this thread has shadow stacks on. */
	LT_EQ(sys3(NR_map_shadow_stack, 0x10000, 0x2000, SHADOW_STACK_SET_TOKEN), -ERANGE);
	LT_EQ(sys3(NR_map_shadow_stack, 0, 0x2000, 2), -EINVAL);
	LT_EQ(sys3(NR_map_shadow_stack, 0, 4, SHADOW_STACK_SET_TOKEN), -ENOSPC);
	long odd = sys3(NR_map_shadow_stack, 0, 0x1800, SHADOW_STACK_SET_TOKEN);
	LT_CHECK(odd > 0 && (unsigned long)odd >= 0x100000000UL);
	/* The token goes at addr + size - 8 with the size as given: (addr + size) | 1. */
	if (odd > 0)
		LT_EQ(*(volatile uint64_t *)(odd + 0x1800 - 8), (odd + 0x1800) | 1);
	run_with_shstk(pivot_body);
}

static volatile uint64_t sig_ssp, sig_top0, sig_top1;

static void on_usr1(int sig)
{
	(void)sig;
	uint64_t ssp = rdssp();
	sig_ssp = ssp;
	sig_top0 = ((volatile uint64_t *)ssp)[0];
	sig_top1 = ((volatile uint64_t *)ssp)[1];
}

static int signal_body(void)
{
	struct kernel_sigaction k;
	signal(SIGUSR1, on_usr1);
	LT_EQ(rt_sigaction_get(SIGUSR1, &k), 0);
	uint64_t before = rdssp();
	raise(SIGUSR1);
	LT_EQ(rdssp(), before);
	/*
	 * In the handler: [SSP] is the restorer (its RET goes there), [SSP+8]
	 * the interrupted SSP with bit 63 set, which is SSP + 16.
	 */
	LT_EQ(sig_top0, k.restorer);
	LT_EQ(sig_top1, (sig_ssp + 16) | (1UL << 63));
	return 0;
}

int lt_shstk_signal(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	run_with_shstk(signal_body);
}

static uint64_t main_ssp;

static void *thread_fn(void *arg)
{
	uint64_t ssp = rdssp();
	(void)arg;
	/* Its own shadow stack, not a part of the main thread's. */
	LT_CHECK(ssp != 0);
	LT_CHECK(ssp > main_ssp + (8UL << 20) || ssp + (8UL << 20) < main_ssp);
	return (void *)sum_to(1000);
}

static int fork_threads_body(void)
{
	int status;
	main_ssp = rdssp();
	pid_t pid = fork();
	if (pid == 0) {
		/* Copy-on-write shadow stack: calls and returns work in the child. */
		_exit(sum_to(300) == 45150 && rdssp() == main_ssp ? 0 : 1);
	}
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	LT_EQ(sum_to(300), 45150);
	pthread_t t;
	void *ret;
	LT_EQ(pthread_create(&t, NULL, thread_fn, NULL), 0);
	LT_EQ(pthread_join(t, &ret), 0);
	LT_EQ((long)ret, 500500);
	return 0;
}

static volatile uint64_t vfork_child_ssp;

static void __attribute__((noinline)) vfork_child_call(void)
{
	asm volatile("" ::: "memory");
}

/*
 * vfork: the child runs on the parent's shadow stack, not a copy.  The
 * slot below the parent's SSP is zeroed with WRSS; the child's CALL writes
 * its return address there, and the parent, resumed, reads it back.
 */
static int vfork_body(void)
{
	uint64_t ssp, zero = 0;
	long pid;
	int status;

	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_WRSS, 0), 0);
	ssp = rdssp();
	asm volatile("wrssq %0, (%1)" ::"r"(zero), "r"(ssp - 8) : "memory");
	/* Inline: glibc's vfork() would return through the shared shadow stack. */
	asm volatile("syscall" : "=a"(pid) : "a"(58) : "rcx", "r11", "memory");
	if (pid == 0) {
		vfork_child_ssp = rdssp();
		vfork_child_call();
		asm volatile("syscall" ::"a"(60), "D"(0) : "rcx", "r11", "memory");
	}
	LT_CHECK(pid > 0);
	LT_EQ(rdssp(), ssp);
	LT_EQ(vfork_child_ssp, ssp);
	LT_CHECK(*(volatile uint64_t *)(ssp - 8) != 0);
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

int lt_shstk_vfork(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	run_with_shstk(vfork_body);
}

int lt_shstk_fork_threads(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	run_with_shstk(fork_threads_body);
}

static void on_ill(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* SDM: WRSS is #UD while IA32_U_CET.WR_SHSTK_EN is 0; Linux: SIGILL. */
	LT_EQ(sig, SIGILL);
	LT_EQ(si->si_code, ILL_ILLOPN);
	printf("WRSS with WRSS disabled: signal %d\n", sig);
	fflush(stdout);
	_exit(LT_RESULT());
}

static int wrss_body(void)
{
	uint64_t status = 0;
	long base = sys3(NR_map_shadow_stack, 0, 0x1000, 0);
	LT_CHECK(base > 0);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_WRSS, 0), 0);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_STATUS, (long)&status, 0), 0);
	LT_EQ(status, ARCH_SHSTK_SHSTK | ARCH_SHSTK_WRSS);
	uint64_t v = 0x1234567890abcdefUL;
	asm volatile("wrssq %0, (%1)" ::"r"(v), "r"(base) : "memory");
	LT_EQ(*(volatile uint64_t *)base, v);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_DISABLE, ARCH_SHSTK_WRSS, 0), 0);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_STATUS, (long)&status, 0), 0);
	LT_EQ(status, ARCH_SHSTK_SHSTK);
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_ill;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	asm volatile("wrssq %0, (%1)" ::"r"(v), "r"(base) : "memory");
	printf("FAIL: WRSS worked with WRSS disabled\n");
	return 1;
}

int lt_shstk_wrss(int argc, char **argv)
{
	(void)argc, (void)argv;
	int r = need_shstk();
	if (r)
		return r;
	/* WRSS needs shadow stacks on first (wrss_control: -EPERM). */
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_WRSS, 0), -EPERM);
	run_with_shstk(wrss_body);
}

/* Run with the module option shstk=on: the kernel turned shadow stacks on before _start. */
int lt_shstk_forced(int argc, char **argv)
{
	uint64_t status = 0;

	(void)argc, (void)argv;
	if (!cpu_has_shstk()) {
		printf("SKIP: CPUID.(7,0):ECX[7] CET_SS not enumerated (shstk=on has nothing to turn on)\n");
		return LT_SKIP;
	}
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_STATUS, (long)&status, 0), 0);
	LT_EQ(status, ARCH_SHSTK_SHSTK);
	LT_CHECK(rdssp() != 0);
	LT_EQ(sum_to(100), 5050);
	/* Returning from main goes back through frames made with shadow stacks on. */
	return LT_RESULT();
}

int lt_shstk_prctl_rules(int argc, char **argv)
{
	uint64_t status = 99;

	(void)argc, (void)argv;
	/* These rules come before any CPU check in shstk_prctl: they hold everywhere. */
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_STATUS, (long)&status, 0), 0);
	LT_EQ(status, 0);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_SHSTK | ARCH_SHSTK_WRSS, 0),
	      -EINVAL);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, 0, 0), -EINVAL);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_UNLOCK, ARCH_SHSTK_SHSTK, 0), -EINVAL);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_LOCK, ARCH_SHSTK_SHSTK, 0), 0);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_SHSTK, 0), -EPERM);
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_DISABLE, ARCH_SHSTK_SHSTK, 0), -EPERM);
	LT_EQ(sys3(NR_arch_prctl, 0x5fff, 0, 0), -EINVAL);
	return LT_RESULT();
}
