/* The ring-3 signal program: one case per run (include/user/sig.h). */
#include "errno.h"
#include "lib.h"
#include "syscall.h"
#include "user/callchain.h"
#include "user/sig.h"
#include "user/usys.h"

u64 u_rdssp(void);
void u_sigreturn(void);
void u_sig_ud(void);
void u_sig_smash(void);
void u_sig_wrss(u64 *addr);
void u_sig_guard_edge(u64 *token, int depth);
void u_sig_wrss_raw(u64 *addr, u64 value);
long u_sig_replay(struct sigframe *frame);
static volatile u64 frame_ssp;
void u_sig_thread_start(u64 arg);
extern char u_sig_ud_rip[], u_sig_smash_ret[], u_sig_wrss_rip[], u_sig_wrss_next[];
extern char u_sig_edge_ud[];

typedef void (*handler_t)(long, struct siginfo *, struct sigcontext *);

static volatile int order[4], depth;
static volatile u64 handler_ssp[4], handler_rsp[4];
static volatile long problems;
static int break_kind;
static int nest;
static struct sigframe saved_frame;
static u8 alt_stack[16384] __attribute__((aligned(16)));
static u64 normal_page[512] __attribute__((aligned(4096)));

static long install(int signo, handler_t h, unsigned flags)
{
	return sys_sigaction(signo, (u64)h, (u64)u_sigreturn, flags);
}

static void note(long code)
{
	if (!problems)
		problems = code;
}

static void h_record(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)ctx;
	int d = depth++;
	order[d] = (int)signo;
	handler_ssp[d] = u_rdssp();
	handler_rsp[d] = (u64)__builtin_frame_address(0);
	if (info->signo != (u64)signo)
		note(50);
	if (callchain_run(32, NULL))
		note(51);
	/* Nesting: each handler raises the next signal, delivered on its way out. */
	if (signo == SIG_USR1 && nest)
		sys_kill(0, SIG_USR2);
	if (signo == SIG_USR2 && nest)
		sys_kill(0, SIG_ALRM);
}

static long basic(void)
{
	u64 ssp = u_rdssp();
	if (install(SIG_USR1, h_record, 0))
		return 1;
	sys_kill(0, SIG_USR1);
	if (depth != 1 || order[0] != SIG_USR1)
		return 2;
	if (u_rdssp() != ssp)
		return 3;
	if (ssp && !(handler_ssp[0] < ssp))
		return 4;
	return problems ? problems : callchain_run(64, NULL);
}

static volatile int in_handler;

static void h_self(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)info;
	(void)ctx;
	if (in_handler)
		note(60); /* delivered inside its own handler: it was not blocked */
	in_handler = 1;
	if (++depth == 1)
		sys_kill(0, signo); /* stays pending until this handler returns */
	in_handler = 0;
}

/* A signal is blocked while its handler runs, and unblocked by sigreturn. */
static long blocked(void)
{
	if (install(SIG_USR1, h_self, 0))
		return 1;
	sys_kill(0, SIG_USR1);
	if (depth != 2)
		return 2; /* the one raised in the handler never came */
	sys_kill(0, SIG_USR1);
	if (depth != 3)
		return 3; /* still blocked after sigreturn */
	/* An asynchronous signal without a handler is ignored. */
	sys_kill(0, SIG_USR2);
	return problems;
}

static long nested(void)
{
	u64 ssp = u_rdssp();
	nest = 1;
	if (install(SIG_USR1, h_record, 0) || install(SIG_USR2, h_record, 0) ||
	    install(SIG_ALRM, h_record, 0))
		return 1;
	sys_kill(0, SIG_USR1);
	if (depth != 3 || order[0] != SIG_USR1 || order[1] != SIG_USR2 || order[2] != SIG_ALRM)
		return 2;
	if (ssp && !(handler_ssp[2] < handler_ssp[1] && handler_ssp[1] < handler_ssp[0] &&
		     handler_ssp[0] < ssp))
		return 3;
	if (u_rdssp() != ssp)
		return 4;
	return problems ? problems : callchain_run(64, NULL);
}

static long alarm(void)
{
	if (install(SIG_ALRM, h_record, 0) || sys_alarm(5))
		return 1;
	for (long i = 0; i < 200000000 && !depth; i++)
		asm volatile("pause");
	return depth == 1 ? problems : 2;
}

static void h_skip_ud(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	depth++;
	if (info->vector != 6 || info->rip != (u64)u_sig_ud_rip || ctx->rip != info->rip)
		note(60);
	ctx->rip += 2; /* past the UD2 */
}

static long ud_resume(void)
{
	if (install(SIG_ILL, h_skip_ud, 0))
		return 1;
	u_sig_ud();
	return depth == 1 ? problems : 2;
}

static long altstack(void)
{
	long s = 0;
	u64 ssp = u_rdssp();
	if (ssp) {
		s = sys_map_shadow_stack(0, 4096, 0);
		if (s < 0)
			return 1;
	}
	if (sys_sigaltstack((u64)alt_stack, sizeof(alt_stack), (u64)s, s ? 4096 : 0) ||
	    install(SIG_USR1, h_record, SA_ONSTACK) || install(SIG_USR2, h_record, 0))
		return 2;
	sys_kill(0, SIG_USR1);
	sys_kill(0, SIG_USR2);
	if (depth != 2)
		return 3;
	u64 a = (u64)alt_stack;
	if (!(handler_rsp[0] > a && handler_rsp[0] < a + sizeof(alt_stack)))
		return 4; /* SA_ONSTACK handler not on the alternate stack */
	if (handler_rsp[1] > a && handler_rsp[1] < a + sizeof(alt_stack))
		return 5; /* the other one is */
	if (ssp) {
		if (!(handler_ssp[0] > (u64)s && handler_ssp[0] < (u64)s + 4096))
			return 6; /* not on the alternate shadow stack */
		if (handler_ssp[1] > (u64)s && handler_ssp[1] < (u64)s + 4096)
			return 7;
		if (u_rdssp() != ssp)
			return 8;
	}
	return problems;
}

/* Breaks its own frame on the shadow stack, then returns into sigreturn. */
static void h_break(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	u64 P = info->ssp;
	long far;

	switch (break_kind) {
	case SG_BREAK_TOKEN:
		u_sig_wrss_raw((u64 *)(P - 8), (P + 8) | 1);
		break;
	case SG_BREAK_NORMAL: {
		/* A "token" in ordinary memory, and the marker pointed at it. */
		u64 fakeP = (u64)&normal_page[8];
		normal_page[7] = fakeP | 1;
		u_sig_wrss_raw((u64 *)(P - 16), fakeP | SIG_FRAME_MARKER);
		break;
	}
	case SG_BREAK_MISALIGNED:
		u_sig_wrss_raw((u64 *)(P - 16), (P + 4) | SIG_FRAME_MARKER);
		break;
	case SG_BREAK_KERNEL:
		u_sig_wrss_raw((u64 *)(P - 16), 0xffff800000010000UL | SIG_FRAME_MARKER);
		break;
	case SG_BREAK_FAR_TOKEN:
		/* A genuine token, at the top of a new shadow stack: not the frame's. */
		far = sys_map_shadow_stack(0, 4096, SHADOW_STACK_SET_TOKEN);
		if (far < 0)
			sys_exit(3);
		u_sig_wrss_raw((u64 *)(P - 16), ((u64)far + 4096) | SIG_FRAME_MARKER);
		ctx->ssp = (u64)far + 4096;
		break;
	case SG_BREAK_CTX_SSP:
		ctx->ssp = P + 8;
		break;
	case SG_BREAK_RIP:
		ctx->rip = 0xffffffff80001000UL;
		break;
	default:
		ctx->rsp = 0x8000000000001000UL;
		break;
	}
}

/* Each check of sigaltstack's alternate shadow stack; the last call is valid. */
static long altstack_checks(void)
{
	long s = sys_map_shadow_stack(0, 4096, 0), e;
	u64 a = (u64)alt_stack, n = sizeof(alt_stack);

	if (s < 0)
		return 1;
	if ((e = sys_sigaltstack(a, n, (u64)s + 4, 4096 - 8)) != -EINVAL)
		return 10; /* not 8-aligned */
	if ((e = sys_sigaltstack(a, n, (u64)s, 4096 - 4)) != -EINVAL)
		return 11; /* size not a multiple of 8 */
	if ((e = sys_sigaltstack(a, n, 0xffff800000010000UL, 4096)) != -EINVAL)
		return 12; /* not user memory */
	if ((e = sys_sigaltstack(a, n, (u64)normal_page, 4096)) != -EINVAL)
		return 13; /* ordinary memory */
	if ((e = sys_sigaltstack(a, n, (u64)s, 8192)) != -EINVAL)
		return 14; /* runs into the guard page above */
	if ((e = sys_sigaltstack(a, n, (u64)s - 4096, 8192)) != -EINVAL)
		return 15; /* starts in the guard page below */
	if ((e = sys_sigaltstack(0xffff800000010000UL, n, (u64)s, 4096)) != -EFAULT)
		return 16; /* the normal alternate stack is checked too */
	if ((e = sys_sigaltstack(a, n, (u64)s, 4096)))
		return 17;
	return sys_sigaltstack(0, 0, 0, 0) ? 18 : 0;
}

static void h_save(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	(void)info;
	/* Keep the frame as delivery left it, to hand it in again later. */
	saved_frame = *(struct sigframe *)((u64)ctx - __builtin_offsetof(struct sigframe, ctx));
	depth++;
}

static void h_skip_ud_edge(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	/* The program leaves from the edge with exit(0): report a wrong fault here. */
	if (info->vector != 6 || info->rip != (u64)u_sig_edge_ud)
		sys_exit(90);
	ctx->rip += 2;
}

static void h_note_ssp(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	(void)ctx;
	frame_ssp = info->ssp;
	depth++;
}

static void h_repair_cp(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	depth++;
	if (info->vector != 21 || info->error_code != 1 || info->rip != (u64)u_sig_smash_ret ||
	    ctx->rip != info->rip)
		note(70);
	/* The shadow stack holds the true return address: put it back. */
	*(u64 *)ctx->rsp = *(u64 *)info->ssp;
}

static void h_pf_ss(long signo, struct siginfo *info, struct sigcontext *ctx)
{
	(void)signo;
	depth++;
	if (info->vector != 14 || info->error_code != 0x47 || info->cr2 != (u64)normal_page ||
	    info->rip != (u64)u_sig_wrss_rip)
		note(80);
	ctx->rip = (u64)u_sig_wrss_next;
}

static u8 thread_stack[16384] __attribute__((aligned(16)));

/* The thread's body: signal the main task, whose id is the argument. */
long sig_thread_main(u64 main_id);
long sig_thread_main(u64 main_id)
{
	return sys_kill((long)main_id, SIG_USR2) ? 1 : 0;
}

static long from_thread(void)
{
	u64 ssp = u_rdssp();
	if (install(SIG_USR2, h_record, 0))
		return 1;
	long id = sys_thread(u_sig_thread_start, thread_stack + sizeof(thread_stack),
			     (u64)sys_gettid(), sizeof(thread_stack));
	if (id < 0)
		return 2;
	/*
	 * The signal arrives on one of this task's ways back to ring 3: at the
	 * latest on the way out of the wait for the thread that sent it.
	 */
	struct wait_status ws;
	if (sys_wait(id, &ws) != id || ws.how != WAIT_EXITED || ws.code)
		return 3;
	if (depth != 1 || order[0] != SIG_USR2)
		return 4;
	return ssp && u_rdssp() != ssp ? 5 : problems;
}

long main(long which, u64 arg);
long main(long which, u64 arg)
{
	switch (which) {
	case SG_BASIC:
		return basic();
	case SG_NESTED:
		return nested();
	case SG_ALARM:
		return alarm();
	case SG_UD_RESUME:
		return ud_resume();
	case SG_ALTSTACK:
		return altstack();
	case SG_TAMPER:
		break_kind = (int)arg;
		if (install(SIG_USR1, h_break, 0))
			return 1;
		sys_kill(0, SIG_USR1);
		return 2; /* sigreturn accepted a broken frame */
	case SG_REPLAY:
		if (install(SIG_USR1, h_save, 0))
			return 1;
		sys_kill(0, SIG_USR1);
		if (depth != 1)
			return 2;
		u_sig_replay(&saved_frame);
		return 3; /* the replayed frame was accepted */
	case SG_GUARD_EDGE: {
		long s = sys_map_shadow_stack(0, 4096, SHADOW_STACK_SET_TOKEN);
		if (s < 0 || install(SIG_ILL, h_skip_ud_edge, arg ? SA_ONSTACK : 0))
			return 1;
		if (arg) {
			long a = sys_map_shadow_stack(0, 4096, 0);
			if (a < 0 || sys_sigaltstack((u64)alt_stack, sizeof(alt_stack), a, 4096))
				return 2;
		}
		/* 511 calls leave SSP one entry above the page's bottom. */
		u_sig_guard_edge((u64 *)(s + 4096 - 8), 511);
		return 3;
	}
	case SG_CP_RECOVER:
		if (install(SIG_CP, h_repair_cp, 0))
			return 1;
		u_sig_smash();
		return depth == 1 ? problems : 2;
	case SG_PF_SS:
		if (install(SIG_SEGV, h_pf_ss, 0))
			return 1;
		u_sig_wrss(normal_page);
		return depth == 1 ? problems : 2;
	case SG_FROM_THREAD:
		return from_thread();
	case SG_ALTSTACK_CHECKS:
		return altstack_checks();
	case SG_BLOCKED:
		return blocked();
	case SG_REUSE_TOKEN:
		if (install(SIG_USR1, h_note_ssp, 0))
			return 1;
		sys_kill(0, SIG_USR1);
		if (depth != 1 || !frame_ssp)
			return 2;
		/*
		 * sigreturn erased the token: this must be #CP(4), not a pivot.
		 * Inline, with no call since the signal: a CALL would push over
		 * the old token's slot and hide whether it was erased.
		 */
		asm volatile(".globl u_sig_reuse_rip\n"
			     "u_sig_reuse_rip: rstorssp (%0)" ::"r"(frame_ssp - 8)
			     : "memory");
		return 3;
	default:
		return 255;
	}
}
