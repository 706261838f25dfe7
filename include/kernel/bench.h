/* CET cost microbenchmarks, the kernel's part (tests/bench.c drives them). */
#ifndef CETBED_KERNEL_BENCH_H
#define CETBED_KERNEL_BENCH_H

#include "bench_cet.h"

/* Prints one figure as a "# bench:" line; its median also goes into the summary. */
void bench_report(const char *key, const char *what, struct bench_stats st);
/* Prints why a figure was not taken (the CPUID bit the CPU lacks). */
void bench_not_measured(const char *key, const char *what, const char *why);

/* Saving and restoring the CET_U state of a task switch, with interrupts off. */
struct bench_stats bench_cet_state_msr(void);
struct bench_stats bench_cet_state_xsaves(void);

#endif
