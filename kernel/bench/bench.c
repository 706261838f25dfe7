/*
 * CET cost microbenchmarks (make bench-cet), the kernel's part: timing the
 * CET state carried across a task switch, and reporting every figure as a
 * "# bench:" diagnostic and, medians only, in the result summary, so that a
 * run on a laptop without a serial port still brings its numbers home.
 */
#include "cet.h"
#include "kernel/bench.h"
#include "kernel/cpu.h"
#include "kernel/report/report.h"
#include "kernel/report/summary.h"
#include "lib.h"
#include "x86/cpu.h"
#include "x86/msr.h"

static char bench_text[SUMMARY_BENCH_TEXT + 1];
static size_t bench_len;

void bench_report(const char *key, const char *what, struct bench_stats st)
{
	char item[32];
	int n = snprintf(item, sizeof(item), "%s%s:%lu", bench_len ? "," : "", key, st.median);

	diag("bench: %-5s %-48s min %7lu  median %7lu cycles", key, what, st.min, st.median);
	/* Items that no longer fit are left out whole; the log has them all. */
	if (n > 0 && bench_len + (size_t)n <= SUMMARY_BENCH_TEXT) {
		memcpy(bench_text + bench_len, item, (size_t)n + 1);
		bench_len += (size_t)n;
		report_note_bench(bench_text);
	}
}

void bench_not_measured(const char *key, const char *what, const char *why)
{
	diag("bench: %-5s %-48s not measured: %s", key, what, why);
}

static bool bench_rdtscp(void)
{
	return cpu.max_ext_leaf >= 0x80000001 && (cpuid(0x80000001, 0).edx & BIT(27));
}

static inline u64 bench_tsc_begin(void)
{
	u32 lo, hi;
	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((u64)hi << 32) | lo;
}

static inline u64 bench_tsc_end(bool rdtscp)
{
	u32 lo, hi;
	if (rdtscp)
		asm volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi)::"rcx", "memory");
	else
		asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((u64)hi << 32) | lo;
}

/*
 * Switch out then in, as cet_task_save()/cet_task_load() do on the
 * RDMSR/WRMSR path: the task's own values go back, so nothing changes.
 */
struct bench_stats bench_cet_state_msr(void)
{
	static u64 v[BENCH_SAMPLES];
	bool rdtscp = bench_rdtscp();
	u64 flags = read_rflags();

	cli();
	for (int s = 0; s < BENCH_SAMPLES; s++) {
		u64 t0 = bench_tsc_begin();
		u64 u_cet = rdmsr(MSR_IA32_U_CET);
		u64 ssp = rdmsr(MSR_IA32_PL3_SSP);
		wrmsr(MSR_IA32_U_CET, u_cet);
		wrmsr(MSR_IA32_PL3_SSP, ssp);
		v[s] = bench_tsc_end(rdtscp) - t0;
	}
	if (flags & X86_RFLAGS_IF)
		asm volatile("sti" ::: "memory");
	return bench_stats(v, BENCH_SAMPLES);
}

/* The same through XSAVES/XRSTORS of CET_U into a task's own save area. */
struct bench_stats bench_cet_state_xsaves(void)
{
	static u64 v[BENCH_SAMPLES];
	struct cet_task c;
	bool rdtscp = bench_rdtscp();

	if (cet_task_init(&c) || !c.xsave)
		return (struct bench_stats){0, 0};
	u64 flags = read_rflags();
	cli();
	for (int s = 0; s < BENCH_SAMPLES; s++) {
		u64 t0 = bench_tsc_begin();
		cet_task_save(&c);
		cet_task_load(&c);
		v[s] = bench_tsc_end(rdtscp) - t0;
	}
	if (flags & X86_RFLAGS_IF)
		asm volatile("sti" ::: "memory");
	cet_task_free(&c);
	return bench_stats(v, BENCH_SAMPLES);
}
