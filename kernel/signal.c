/*
 * Signals: delivery of fault and asynchronous signals to ring-3 handlers,
 * with a frame on the shadow stack that only SYS_SIGRETURN can consume,
 * once (see the ABI in include/syscall.h).  Everything here runs in the
 * receiving task on its way back to ring 3, so its CET_U state is live in
 * the MSRs.
 */
#include "cet.h"
#include "errno.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/uproc.h"
#include "kernel/linux.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "shstk.h"
#include "syscall.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"

/* The flags a handler may hand back: arithmetic, DF and AC. */
#define SIG_RFLAGS_USER 0x40dd5UL

static bool shstk_live(void)
{
	return cet_path != CET_PATH_NONE && (rdmsr(MSR_IA32_U_CET) & CET_SH_STK_EN);
}

static bool inside(u64 a, u64 base, u64 size)
{
	return size && a > base && a <= base + size;
}

static void __noreturn kill_current(const char *fmt, ...) __printf(1, 2);
static void __noreturn kill_current(const char *fmt, ...)
{
	struct task *t = current;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->kill_reason, sizeof(t->kill_reason), fmt, ap);
	va_end(ap);
	if (!t->proc->quiet)
		diag("%s[%u]: ended: %s", t->proc->prog->name, t->id, t->kill_reason);
	task_exit(TASK_END_KILLED, -1);
}

static int fault_signal(u64 vector)
{
	switch (vector) {
	case X86_EXC_UD:
		return SIG_ILL;
	case X86_EXC_PF:
	case X86_EXC_GP:
		return SIG_SEGV;
	case X86_EXC_CP:
		return SIG_CP;
	default:
		return 0;
	}
}

static bool on_user_shstk_page(u64 va)
{
	int level;
	u64 *e = pt_walk(current->mm->pml4, va, &level);
	return e && level == 1 && pte_is_shstk_type(*e) && (*e & PTE_U);
}

static void save_context(const struct trap_frame *f, struct sigcontext *c)
{
	*c = (struct sigcontext){
		.r15 = f->r15, .r14 = f->r14, .r13 = f->r13, .r12 = f->r12, .r11 = f->r11,
		.r10 = f->r10, .r9 = f->r9, .r8 = f->r8, .rbp = f->rbp, .rdi = f->rdi,
		.rsi = f->rsi, .rdx = f->rdx, .rcx = f->rcx, .rbx = f->rbx, .rax = f->rax,
		.rip = f->rip, .rsp = f->rsp, .rflags = f->rflags,
	};
}

static void deliver(struct trap_frame *f, int signo, struct siginfo *info)
{
	struct task *t = current;
	struct uproc *p = t->proc;
	u64 restorer = p->sig_restorer[signo];
	bool onstack = (p->sig_flags[signo] & SA_ONSTACK) &&
		       !inside(f->rsp, t->alt_stack, t->alt_stack_size) && t->alt_stack_size;
	struct sigframe fr = { .restorer = restorer };
	u64 new_ssp = 0;

	info->signo = signo;
	fr.info = *info;
	save_context(f, &fr.ctx);
	fr.ctx.mask = t->sigmask;
	if (shstk_live()) {
		u64 P = rdmsr(MSR_IA32_PL3_SSP);
		bool alt = onstack && !inside(P, t->alt_shstk, t->alt_shstk_size) && t->alt_shstk_size;
		u64 top = alt ? t->alt_shstk + t->alt_shstk_size : P - 8;
		fr.ctx.ssp = fr.info.ssp = P;
		if (shstk_wruss(P - 8, P | SHSTK_TOKEN_MODE64) ||
		    shstk_wruss(top - 8, P | SIG_FRAME_MARKER) || shstk_wruss(top - 16, restorer))
			kill_current("no room for the signal %d frame on the shadow stack (SSP 0x%lx)",
				     signo, P);
		new_ssp = top - 16;
	}
	u64 sp = onstack ? t->alt_stack + t->alt_stack_size : f->rsp - 128;
	/* At the handler's entry [rsp] is the return address: rsp + 8 is 16-aligned. */
	u64 frame = ALIGN_DOWN(sp - sizeof(fr), 16) - 8;
	if (copy_to_user(frame, &fr, sizeof(fr)))
		kill_current("cannot write the signal %d frame at 0x%lx", signo, frame);
	if (new_ssp)
		wrmsr(MSR_IA32_PL3_SSP, new_ssp);
	f->rip = p->sig_handler[signo];
	f->rsp = frame;
	f->rdi = signo;
	f->rsi = frame + offsetof(struct sigframe, info);
	f->rdx = frame + offsetof(struct sigframe, ctx);
	f->rflags &= ~(X86_RFLAGS_TF | X86_RFLAGS_DF);
	t->sigmask |= 1U << signo;
}

bool signal_fault(struct trap_frame *f, u64 cr2)
{
	struct task *t = current;
	int signo = fault_signal(f->vector);

	/* No handler, or a fault inside the handler for the same signal: the task ends. */
	if (!signo || !t->proc->sig_handler[signo] || (t->sigmask & (1U << signo)))
		return false;
	struct siginfo info = { .vector = f->vector, .error_code = f->error_code, .rip = f->rip,
				.cr2 = f->vector == X86_EXC_PF ? cr2 : 0 };
	struct fault_info fi = { .vector = f->vector, .error_code = f->error_code, .rip = f->rip,
				 .cr2 = info.cr2 };
	char what[160];
	if (t->proc->quiet_faults) {
		t->proc->quiet_fault_count++;
	} else {
		trap_describe(&fi, what, sizeof(what));
		if (!t->proc->quiet)
			diag("%s[%u]: signal %d to its handler: %s", t->proc->prog->name, t->id,
			     signo, what);
	}
	deliver(f, signo, &info);
	return true;
}

bool signal_check(struct trap_frame *f)
{
	struct task *t = current;

	if (!t || !t->proc || (f->cs & 3) != 3)
		return false;
	if (t->lx.proc)
		return lx_signal_check(f);
	if (t->alarm_tick && timer_ticks >= t->alarm_tick) {
		t->alarm_tick = 0;
		t->sigpending |= 1U << SIG_ALRM;
	}
	u32 ready = t->sigpending & ~t->sigmask;
	for (int signo = 1; signo < NSIG; signo++) {
		if (!(ready & (1U << signo)))
			continue;
		t->sigpending &= ~(1U << signo);
		if (!t->proc->sig_handler[signo])
			continue; /* asynchronous signals without a handler are ignored */
		struct siginfo info = { .rip = f->rip };
		deliver(f, signo, &info);
		return true;
	}
	return false;
}

long sys_sigreturn(struct trap_frame *f)
{
	struct task *t = current;
	struct sigframe fr;
	u64 frame = f->rsp - 8; /* the handler's RET took the restorer */

	if (copy_from_user(&fr, frame, sizeof(fr)))
		kill_current("sigreturn: no signal frame at 0x%lx", frame);
	if (shstk_live()) {
		u64 S = rdmsr(MSR_IA32_PL3_SSP), M, token;
		if (copy_from_user(&M, S, 8) || !(M & SIG_FRAME_MARKER))
			kill_current("sigreturn: no signal-frame marker at SSP 0x%lx (forged or replayed)",
				     S);
		u64 P = M & ~SIG_FRAME_MARKER;
		if ((P & 7) || !user_range_ok(P - 8, 8))
			kill_current("sigreturn: the marker names 0x%lx, not a user shadow stack", P);
		if (!on_user_shstk_page(P - 8))
			kill_current("sigreturn: the restore token at 0x%lx is not on a shadow stack",
				     P - 8);
		if (copy_from_user(&token, P - 8, 8) || token != (P | SHSTK_TOKEN_MODE64))
			kill_current("sigreturn: the restore token at 0x%lx is 0x%lx, not 0x%lx",
				     P - 8, token, P | SHSTK_TOKEN_MODE64);
		if (S != P - 16 && !inside(S, t->alt_shstk, t->alt_shstk_size))
			kill_current("sigreturn: the marker at 0x%lx is neither below its token nor on "
				     "the alternate shadow stack",
				     S);
		if (fr.ctx.ssp != P)
			kill_current("sigreturn: the saved context's SSP 0x%lx is not the frame's 0x%lx",
				     fr.ctx.ssp, P);
		/* A frame works once. */
		if (shstk_wruss(P - 8, 0) || shstk_wruss(S, 0))
			kill_current("sigreturn: cannot erase the frame at 0x%lx", S);
		wrmsr(MSR_IA32_PL3_SSP, P);
	}
	if (!user_range_ok(fr.ctx.rip, 1) || !user_range_ok(fr.ctx.rsp - 8, 8))
		kill_current("sigreturn: rip 0x%lx / rsp 0x%lx are not user addresses", fr.ctx.rip,
			     fr.ctx.rsp);
	const struct sigcontext *c = &fr.ctx;
	f->r15 = c->r15, f->r14 = c->r14, f->r13 = c->r13, f->r12 = c->r12, f->r11 = c->r11;
	f->r10 = c->r10, f->r9 = c->r9, f->r8 = c->r8, f->rbp = c->rbp, f->rdi = c->rdi;
	f->rsi = c->rsi, f->rdx = c->rdx, f->rcx = c->rcx, f->rbx = c->rbx;
	f->rip = c->rip;
	f->rsp = c->rsp;
	f->rflags = (c->rflags & SIG_RFLAGS_USER) | X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	t->sigmask = (u32)c->mask;
	return (long)c->rax; /* the dispatcher puts the result in rax */
}

long sys_sigaction(u64 signo, u64 handler, u64 restorer, u64 flags)
{
	struct uproc *p = current->proc;

	if (!signo || signo >= NSIG || (flags & ~(u64)SA_ONSTACK))
		return -EINVAL;
	if (handler && (!user_range_ok(handler, 1) || !user_range_ok(restorer, 1)))
		return -EFAULT;
	p->sig_handler[signo] = handler;
	p->sig_restorer[signo] = restorer;
	p->sig_flags[signo] = (unsigned)flags;
	return 0;
}

long sys_sigaltstack(u64 stack, u64 size, u64 shstk, u64 shstk_size)
{
	struct task *t = current;

	if (size && !user_range_ok(stack, size))
		return -EFAULT;
	if (shstk_size) {
		if ((shstk & 7) || (shstk_size & 7) || !user_range_ok(shstk, shstk_size))
			return -EINVAL;
		for (u64 va = ALIGN_DOWN(shstk, PAGE_SIZE); va < shstk + shstk_size; va += PAGE_SIZE)
			if (!on_user_shstk_page(va))
				return -EINVAL;
	}
	t->alt_stack = size ? stack : 0;
	t->alt_stack_size = size;
	t->alt_shstk = shstk_size ? shstk : 0;
	t->alt_shstk_size = shstk_size;
	return 0;
}

long sys_kill(u64 id, u64 signo)
{
	struct task *target = id ? task_by_id((unsigned)id) : current;

	if (!signo || signo >= NSIG)
		return -EINVAL;
	if (!target || target->proc != current->proc || target->state == TASK_ZOMBIE)
		return -ENOENT;
	target->sigpending |= 1U << signo;
	return 0;
}

long sys_alarm(u64 ms)
{
	current->alarm_tick = ms ? timer_ticks + timer_ms_to_ticks(ms) : 0;
	return 0;
}
