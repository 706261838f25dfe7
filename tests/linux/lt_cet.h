/*
 * Linux's shadow-stack ABI for the test cases (Documentation/arch/x86/
 * shstk.rst): numbers, and the helpers each case needs to enable shadow
 * stacks itself (Debian's glibc has no CET marker).
 */
#ifndef CETBED_LT_CET_H
#define CETBED_LT_CET_H

#include <cpuid.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "lt.h"

#define ARCH_SHSTK_ENABLE 0x5001
#define ARCH_SHSTK_DISABLE 0x5002
#define ARCH_SHSTK_LOCK 0x5003
#define ARCH_SHSTK_UNLOCK 0x5004
#define ARCH_SHSTK_STATUS 0x5005
#define ARCH_SHSTK_SHSTK (1UL << 0)
#define ARCH_SHSTK_WRSS (1UL << 1)
#define NR_arch_prctl 158
#define NR_map_shadow_stack 453
#define SHADOW_STACK_SET_TOKEN (1UL << 0)
#define NT_X86_SHSTK_LINUX 0x204

/* An inlined system call: a call into libc would return through a frame the shadow stack never saw. */
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

/* rt_sigaction's own struct (not libc's): what the kernel keeps for a signal. */
struct kernel_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* The action of sig through the raw 64-bit rt_sigaction (13): 0 or -errno. */
static inline __attribute__((always_inline)) long rt_sigaction_get(int sig, struct kernel_sigaction *k)
{
	long r;
	asm volatile("mov $8, %%r10\n\tsyscall"
		     : "=a"(r)
		     : "a"(13), "D"(sig), "S"(0), "d"(k)
		     : "rcx", "r11", "r10", "memory");
	return r;
}

static inline int cpu_has_shstk(void)
{
	unsigned a, b, c, d;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1U << 7));
}

/* Without CET Linux refuses with EOPNOTSUPP: checked, then the case skips (0: go on). */
static inline int need_shstk(void)
{
	if (cpu_has_shstk())
		return 0;
	LT_EQ(sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_SHSTK, 0), -EOPNOTSUPP);
	LT_EQ(sys3(NR_map_shadow_stack, 0, 4096, SHADOW_STACK_SET_TOKEN), -EOPNOTSUPP);
	if (lt_failures)
		return 1;
	printf("SKIP: CPUID.(7,0):ECX[7] CET_SS not enumerated (ARCH_SHSTK_ENABLE: EOPNOTSUPP)\n");
	return LT_SKIP;
}

/* The SSP right after run_with_shstk turned shadow stacks on (each file keeps its own). */
static uint64_t ssp_at_enable __attribute__((unused));

/*
 * Turns shadow stacks on, runs body, exits with its result: never returns,
 * since no RET may pop the frame the shadow stack never saw.
 */
static void __attribute__((noinline, noreturn, unused)) run_with_shstk(int (*body)(void))
{
	long r = sys3(NR_arch_prctl, ARCH_SHSTK_ENABLE, ARCH_SHSTK_SHSTK, 0);
	ssp_at_enable = rdssp();
	if (r) {
		LT_EQ(r, 0);
		exit(1);
	}
	int ret = body();
	fflush(stdout);
	exit(ret ? ret : LT_RESULT());
}

#endif
