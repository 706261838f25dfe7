/*
 * The ring-3 ctx program: setjmp/longjmp and ctx_swap with and without
 * shadow stacks, one case per run (include/user/ctx.h).  Each case checks
 * SSP itself and exits with the number of the first check that failed.
 */
#include "lib.h"
#include "user/callchain.h"
#include "user/ctx.h"
#include "user/usys.h"

u64 u_rdssp(void); /* user/crt0.asm */
void u_lj_stale(void);
u64 u_longjmp_regs(void);
u64 ctx_swap_checked(struct ctx *from, struct ctx *to, u64 seed);
void u_yield_deeper(struct ctx *from, struct ctx *to);

#define STACK_SIZE 16384
#define SHSTK_SIZE 4096
#define WORKERS 2

static u8 stacks[WORKERS][STACK_SIZE] __aligned(16);
static struct ctx main_ctx, worker_ctx[WORKERS];
/* Each worker's shadow stack [base, base + SHSTK_SIZE); 0 when off. */
static u64 shstk_base[WORKERS];

/* Where the kernel's test finds what the program saw. */
u64 ctx_rounds, ctx_main_ssp, ctx_fault_ssp;

static long fail(const char *what, u64 value, long code)
{
	uput_hex(what, value);
	return code;
}

static void __noreturn die(const char *what, u64 value, long code)
{
	sys_exit(fail(what, value, code));
}

/* ---- setjmp/longjmp ---- */

static jmp_buf deep_env;
static u64 deep_ssp;
/* Always set; read through volatile so gcc sees that dive can return. */
static volatile bool deep_jump = true;

/* n more levels, then a longjmp from the bottom. */
static __attribute__((noinline)) long dive(u64 n)
{
	if (!n) {
		deep_ssp = u_rdssp();
		if (deep_jump)
			longjmp(deep_env, 42);
		return 0;
	}
	long r = dive(n - 1);
	asm volatile("" : "+r"(r)); /* no tail call: every level keeps its frame */
	return r + 1;
}

static long longjmp_across(u64 depth)
{
	static volatile u64 ssp_at_setjmp, jumps;

	int r = setjmp(deep_env);
	u64 ssp = u_rdssp(); /* one call below this function's SSP */
	if (!r) {
		ssp_at_setjmp = ssp;
		dive(depth);
		return 1; /* dive returned */
	}
	if (r != 42 || jumps++)
		return fail("setjmp returned", (u64)r, 2);
	if (ssp != ssp_at_setjmp)
		return fail("SSP after longjmp", ssp, 3);
	if (deep_env->ssp != (ssp ? ssp + 8 : 0))
		return fail("jmp_buf SSP", deep_env->ssp, 4);
	/* dive(0)'s u_rdssp() ran depth + 1 calls below ours. */
	if (ssp && deep_ssp != ssp - 8 * (depth + 1))
		return fail("SSP at the bottom", deep_ssp, 5);
	u64 regs = u_longjmp_regs();
	if (regs)
		return fail("not restored by longjmp (mask)", regs, 6);
	long c = callchain_run(64, NULL);
	if (c)
		return fail("call chain after longjmp", (u64)c, 7);
	ctx_main_ssp = ssp;
	return 0;
}

/* ---- ctx_swap ---- */

/*
 * Even rounds run main -> worker 0 -> worker 1 -> main, odd rounds the
 * other way round, so every pair switches in both directions.  The baton
 * carries round << 8 | hops; each stop checks it and adds a hop.
 */
static volatile u64 baton;

static struct ctx *next_after(u64 id, u64 round)
{
	bool first = (round & 1) ? id == 1 : id == 0;
	return first ? &worker_ctx[!id] : &main_ctx;
}

/* ssp: what u_rdssp() saw, called from the worker itself. */
static void check_worker_ssp(u64 id, u64 ssp, u64 *seen)
{
	if (!shstk_base[id])
		return;
	if (!*seen) {
		/* First entry: fn's only entry is ctx_start's return address. */
		if (ssp != shstk_base[id] + SHSTK_SIZE - 16)
			die("worker SSP at entry", ssp, 20 + id);
		*seen = ssp;
	}
	if (ssp != *seen)
		die("worker SSP moved", ssp, 22 + id);
}

static void worker(u64 id)
{
	u64 seen = 0;
	for (;;) {
		check_worker_ssp(id, u_rdssp(), &seen);
		u64 b = baton, round = b >> 8, first = (round & 1) ? id == 1 : id == 0;
		if ((b & 0xff) != (first ? 0 : 1))
			die("baton at worker", b, 24 + id);
		baton = b + 1;
		u64 bad = ctx_swap_checked(&worker_ctx[id], next_after(id, round),
					   (id + 1) << 56 | round << 8);
		if (bad)
			die("worker registers not restored (mask)", bad, 26 + id);
	}
}

static long make_workers(void (*fn)(u64))
{
	for (u64 i = 0; i < WORKERS; i++) {
		u64 *token = NULL;
		shstk_base[i] = 0;
		if (u_rdssp()) {
			long s = sys_map_shadow_stack(0, SHSTK_SIZE, SHADOW_STACK_SET_TOKEN);
			if (s < 0)
				return fail("map_shadow_stack", (u64)s, 10);
			shstk_base[i] = (u64)s;
			token = (u64 *)(s + SHSTK_SIZE - 8);
		}
		ctx_make(&worker_ctx[i], fn, i, stacks[i], STACK_SIZE, token);
	}
	return 0;
}

/* A restore token for the slot it sits in, inside worker i's shadow stack. */
static bool is_restore_token(u64 i, const u64 *slot)
{
	u64 a = (u64)slot;
	return a >= shstk_base[i] && a < shstk_base[i] + SHSTK_SIZE && *slot == ((a + 8) | 1);
}

static long ping_pong(u64 rounds)
{
	long r = make_workers(worker);
	if (r)
		return r;
	for (u64 i = 0; i < rounds; i++) {
		baton = i << 8;
		u64 bad = ctx_swap_checked(&main_ctx, &worker_ctx[i & 1], 0xaa00000000000000UL | i);
		if (bad)
			return fail("main registers not restored (mask)", bad, 11);
		if (baton != (i << 8 | 2))
			return fail("baton back at main", baton, 12);
		u64 ssp = u_rdssp();
		if (i && ssp != ctx_main_ssp)
			return fail("main SSP moved", ssp, 13);
		ctx_main_ssp = ssp;
		ctx_rounds = i + 1;
	}
	/* Both workers are suspended on a fresh restore token. */
	for (u64 i = 0; i < WORKERS; i++)
		if (shstk_base[i] && !is_restore_token(i, worker_ctx[i].token))
			return fail("worker token", (u64)worker_ctx[i].token, 14 + i);
	return 0;
}

/*
 * Worker 0 yields once from one call deeper, is resumed (its token is
 * consumed), and yields again from its own frame: the first token's slot
 * still holds what RSTORSSP left there, a previous-SSP token.
 */
static void stale_worker(u64 id)
{
	u_yield_deeper(&worker_ctx[id], &main_ctx);
	ctx_swap(&worker_ctx[id], &main_ctx);
	/* Reached only through the stale copy, with shadow stacks off. */
	sys_exit(CTX_EXIT_STALE_RESUMED);
}

static long stale_token(void)
{
	struct ctx stale;
	bool shstk = u_rdssp() != 0;

	long r = make_workers(stale_worker);
	if (r)
		return r;
	ctx_swap(&main_ctx, &worker_ctx[0]);
	stale = worker_ctx[0];
	u64 *slot = stale.token;
	if (shstk && !is_restore_token(0, slot))
		return fail("token before use", (u64)slot, 30);
	ctx_swap(&main_ctx, &worker_ctx[0]);
	if (shstk && *slot != (((u64)main_ctx.token + 8) | 3))
		return fail("consumed slot", *slot, 31);
	if (shstk && (u64 *)worker_ctx[0].token != slot + 1)
		return fail("second token", (u64)worker_ctx[0].token, 32);
	/* The #CP leaves SSP where main's switches run: its return address. */
	ctx_fault_ssp = (u64)main_ctx.token + 8;
	ctx_swap(&main_ctx, &stale);
	return 33; /* not reached: the switch goes into the worker or faults */
}

long main(long which, u64 arg);
long main(long which, u64 arg)
{
	switch (which) {
	case CTX_LONGJMP:
		return longjmp_across(arg);
	case CTX_LONGJMP_STALE:
		u_lj_stale();
		return 1;
	case CTX_PING_PONG:
		return ping_pong(arg);
	case CTX_STALE_TOKEN:
		return stale_token();
	default:
		return 255;
	}
}
