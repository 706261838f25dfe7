/*
 * The ring-3 benchmark program: one case per run (include/bench_cet.h) fills
 * bench_samples[], which the kernel reads after the exit.  Each case first
 * makes sure that what it times really happened, every time.
 */
#include "bench_cet.h"
#include "syscall.h"
#include "user/usys.h"

void u_bench_calls(u64 n);
void u_bench_movs(u64 *addr, u64 n);
void u_bench_wrss(u64 *addr, u64 n);
void u_bench_smash(void);
void u_bench_sigreturn(void);
void u_bench_thread_start(u64 arg);
long bench_thread(u64 arg);
extern char u_bench_smash_ret[];

u64 bench_samples[BENCH_SAMPLES];
static bool have_rdtscp;
static volatile u64 handled, yields;
static volatile bool stop;
static u64 store_target;
static u8 thread_stack[16384] __attribute__((aligned(16)));

static inline u64 tsc_begin(void)
{
	u32 lo, hi;
	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((u64)hi << 32) | lo;
}

/* RDTSCP waits for the timed instructions to finish; LFENCE keeps later ones out. */
static inline u64 tsc_end(void)
{
	u32 lo, hi;
	if (have_rdtscp)
		asm volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi)::"rcx", "memory");
	else
		asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((u64)hi << 32) | lo;
}

static void h_count(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	(void)info;
	(void)ctx;
	handled++;
}

/* #CP(1) at u_bench_smash's RET: the shadow stack holds the true return address. */
static void h_repair(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	if (info->vector == 21 && info->error_code == 1 && info->rip == (u64)u_bench_smash_ret) {
		*(u64 *)ctx->rsp = *(u64 *)info->ssp;
		handled++;
	}
}

long bench_thread(u64 arg)
{
	(void)arg;
	while (!stop) {
		yields++;
		sys_yield();
	}
	return 0;
}

static long batched(int which, u64 *target)
{
	for (int s = 0; s < BENCH_SAMPLES; s++) {
		u64 t0 = tsc_begin();
		if (which == BN_CALL_RET)
			u_bench_calls(BENCH_BATCH);
		else if (which == BN_MOV)
			u_bench_movs(target, BENCH_BATCH);
		else
			u_bench_wrss(target, BENCH_BATCH);
		bench_samples[s] = (tsc_end() - t0) / BENCH_BATCH;
	}
	return 0;
}

static long signals(int signo, void (*h)(long, struct siginfo *, struct sigcontext *))
{
	if (sys_sigaction(signo, (u64)h, (u64)u_bench_sigreturn, 0))
		return BN_EXIT_SETUP;
	for (int s = 0; s < BENCH_SAMPLES; s++) {
		u64 t0 = tsc_begin();
		if (signo == SIG_CP)
			u_bench_smash();
		else
			sys_kill(0, signo);
		bench_samples[s] = tsc_end() - t0;
	}
	return handled == BENCH_SAMPLES ? 0 : BN_EXIT_MISSED;
}

static long map_shstk(void)
{
	for (int s = 0; s < BENCH_SAMPLES; s++) {
		u64 t0 = tsc_begin();
		long a = sys_map_shadow_stack(0, 4096, SHADOW_STACK_SET_TOKEN);
		bench_samples[s] = tsc_end() - t0;
		if (a < 0 || sys_munmap(a, 4096))
			return BN_EXIT_SETUP;
	}
	return 0;
}

static long yield_pairs(void)
{
	if (sys_thread(u_bench_thread_start, thread_stack + sizeof(thread_stack), 0,
		       sizeof(thread_stack)) < 0)
		return BN_EXIT_SETUP;
	/* Let the thread reach its loop before the first sample. */
	sys_yield();
	u64 before = yields;
	for (int s = 0; s < BENCH_SAMPLES; s++) {
		u64 t0 = tsc_begin();
		sys_yield();
		bench_samples[s] = tsc_end() - t0;
	}
	u64 ran = yields - before;
	stop = true;
	sys_yield();
	/* Each of our yields must have let the thread run once. */
	return ran == BENCH_SAMPLES ? 0 : BN_EXIT_MISSED;
}

long main(long which, u64 arg);
long main(long which, u64 arg)
{
	(void)arg;
	u32 a, b, c, d;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000), "c"(0));
	if (a >= 0x80000001) {
		asm volatile("cpuid"
			     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"(0x80000001), "c"(0));
		have_rdtscp = d & (1U << 27);
	}
	switch (which) {
	case BN_CALL_RET:
	case BN_MOV:
		return batched(which, &store_target);
	case BN_WRSS: {
		long s = sys_map_shadow_stack(0, 4096, 0);
		if (s < 0)
			return BN_EXIT_SETUP;
		return batched(which, (u64 *)(s + 2048));
	}
	case BN_SIGNAL:
		return signals(SIG_USR1, h_count);
	case BN_CP:
		return signals(SIG_CP, h_repair);
	case BN_MAP_SHSTK:
		return map_shstk();
	case BN_YIELD:
		return yield_pairs();
	default:
		return BN_EXIT_CASE;
	}
}
