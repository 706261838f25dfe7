/*
 * CET cost microbenchmarks: the cases of the ring-3 program "bench" and the
 * statistics the kernel takes of their samples.  Every sample is TSC cycles
 * read with LFENCE;RDTSC before and RDTSCP;LFENCE after (LFENCE;RDTSC where
 * CPUID.80000001H:EDX[27] lacks RDTSCP); cheap operations are timed
 * BENCH_BATCH at a time and the sample is the batch's cycles / BENCH_BATCH.
 */
#ifndef CETBED_BENCH_CET_H
#define CETBED_BENCH_CET_H

#include "types.h"

#define BENCH_SAMPLES 101 /* odd, so the median is one sample */
#define BENCH_BATCH 64

/* Cases: rdi of the program; each fills bench_samples[] and exits 0. */
#define BN_CALL_RET 0  /* CALL to a RET, BENCH_BATCH in a row */
#define BN_MOV 1       /* MOV store to ordinary memory, BENCH_BATCH in a row */
#define BN_WRSS 2      /* WRSSQ to a shadow-stack page, BENCH_BATCH in a row */
#define BN_SIGNAL 3    /* SYS_KILL to self: delivery, an empty handler, sigreturn */
#define BN_CP 4	       /* #CP(1) from a smashed return to a SIG_CP handler and back */
#define BN_MAP_SHSTK 5 /* SYS_MAP_SHADOW_STACK of one page with a token (unmapped untimed) */
#define BN_YIELD 6     /* SYS_YIELD to another thread and back: two task switches */

/* Exit statuses: what went wrong in a case. */
#define BN_EXIT_SETUP 10  /* a system call the case needs failed */
#define BN_EXIT_MISSED 11 /* the thing timed did not happen every time */
#define BN_EXIT_CASE 12	  /* no such case */

struct bench_stats {
	u64 min, median;
};

/* Sorts v[0..n) in place (insertion sort: n is small) and takes min and median. */
static inline struct bench_stats bench_stats(u64 *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		u64 x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return (struct bench_stats){n ? v[0] : 0, n ? v[n / 2] : 0};
}

#endif
