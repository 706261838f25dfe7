/*
 * Linux signals: rt_sigaction, masks, the alternate stack, kill and
 * tgkill, fault signals, and delivery with Linux's rt_sigframe on the
 * normal stack and, with shadow stacks on, Linux's shadow-stack signal
 * frame: the interrupted SSP with bit 63 set, then the restorer's address
 * (arch/x86/kernel/shstk.c), which rt_sigreturn checks and pops.
 */
#include "cet.h"
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/usercopy.h"
#include "shstk.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/paging.h"
#include "x86/segment.h"

#define SIG_DFL 0
#define SIG_IGN 1
#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000UL
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1U << 31)
#define MINSIGSTKSZ 2048
#define SHSTK_DATA_BIT (1UL << 63)
/* Flags a handler may change in the saved context (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS 0x50dd5UL
#define SIGMASK(s) (1UL << ((s) - 1))
#define UNBLOCKABLE (SIGMASK(LX_SIGKILL) | SIGMASK(LX_SIGSTOP))

struct lx_sigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	u64 eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2, fpstate;
	u64 reserved1[8];
};

struct lx_ucontext {
	u64 uc_flags, uc_link;
	u64 ss_sp;
	u32 ss_flags, pad;
	u64 ss_size;
	struct lx_sigcontext mc;
	u64 sigmask;
};


struct lx_rt_sigframe {
	u64 pretcode;
	struct lx_ucontext uc;
	struct lx_siginfo info;
};
STATIC_ASSERT(sizeof(struct lx_sigcontext) == 256);
STATIC_ASSERT(sizeof(struct lx_siginfo) == 128);

static const char *const sig_names[] = {
	"?", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
	"SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
	"SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};

const char *lx_signal_name(int sig)
{
	return sig > 0 && sig < (int)ARRAY_SIZE(sig_names) ? sig_names[sig] : "SIGRT";
}

static bool default_ignores(int sig)
{
	/* SIGCHLD, SIGCONT, SIGURG, SIGWINCH; stop signals are ignored here too. */
	return sig == 17 || sig == 18 || sig == 23 || sig == 28 || (sig >= 19 && sig <= 22);
}

static bool shstk_on(void)
{
	return cet_path != CET_PATH_NONE && (rdmsr(MSR_IA32_U_CET) & CET_SH_STK_EN);
}

static bool on_altstack(const struct task *t, u64 sp)
{
	return t->lx.altstack_size && sp > t->lx.altstack_sp &&
	       sp <= t->lx.altstack_sp + t->lx.altstack_size;
}

int lx_altstack_flags(const struct task *t, u64 sp)
{
	return t->lx.altstack_size ? (on_altstack(t, sp) ? SS_ONSTACK : 0) : SS_DISABLE;
}

/* Linux's setup_signal_shadow_stack: token SSP|bit 63, then the restorer. */
static int push_shstk_frame(u64 restorer)
{
	struct lx_proc *lp = current->lx.proc;
	u64 ssp = rdmsr(MSR_IA32_PL3_SSP);

	if (!restorer || (ssp & 7) || ssp < 16)
		return -EINVAL;
	if (lx_populate(lp, ssp - 16, 16, true) || shstk_wruss(ssp - 8, ssp | SHSTK_DATA_BIT) ||
	    shstk_wruss(ssp - 16, restorer))
		return -EFAULT;
	wrmsr(MSR_IA32_PL3_SSP, ssp - 16);
	return 0;
}

/* Linux's restore_signal_shadow_stack: the token at SSP names the SSP to go back to. */
static int pop_shstk_frame(void)
{
	u64 ssp = rdmsr(MSR_IA32_PL3_SSP), token;

	if (ssp & 7)
		return -EINVAL;
	if (lx_copy_from_user(&token, ssp, 8))
		return -EFAULT;
	if (!(token & SHSTK_DATA_BIT))
		return -EINVAL;
	token &= ~SHSTK_DATA_BIT;
	if ((token & 7) || token >= USER_TOP)
		return -EINVAL;
	/* The token must lie on a shadow stack. */
	struct lx_vma *v = lx_vma_find(current->lx.proc, ssp);
	if (!v || !(v->flags & LX_VMA_SHSTK))
		return -EFAULT;
	wrmsr(MSR_IA32_PL3_SSP, token);
	return 0;
}

static void save_regs(const struct trap_frame *f, struct lx_sigcontext *c)
{
	*c = (struct lx_sigcontext){
		.r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11, .r12 = f->r12,
		.r13 = f->r13, .r14 = f->r14, .r15 = f->r15, .rdi = f->rdi, .rsi = f->rsi,
		.rbp = f->rbp, .rbx = f->rbx, .rdx = f->rdx, .rax = f->rax, .rcx = f->rcx,
		.rsp = f->rsp, .rip = f->rip, .eflags = f->rflags, .cs = (u16)f->cs,
		.ss = (u16)f->ss,
	};
}

static void deliver(struct trap_frame *f, int sig, const struct lx_siginfo *info)
{
	struct task *t = current;
	struct lx_sigaction *act = &t->lx.proc->act[sig];
	struct lx_rt_sigframe fr;
	u8 fpu[512] __aligned(16);
	/* A handler installed through INT 0x80 is ia32 code: no red zone below its frame. */
	bool ia32 = act->flags & LX_SA_IA32_ABI;
	u64 sp = f->rsp - (ia32 ? 0 : 128); /* the red zone stays intact */

	if ((act->flags & SA_ONSTACK) && t->lx.altstack_size && !on_altstack(t, f->rsp))
		sp = t->lx.altstack_sp + t->lx.altstack_size;
	if (ia32) {
		if (lx_ia32_setup_frame(f, sig, act, sp, info)) {
			diag("%s[%u]: no room for the ia32 signal %d frame below 0x%lx",
			     t->proc->prog->name, t->id, sig, sp);
			lx_die_by_signal(LX_SIGSEGV);
		}
		goto mask;
	}
	sp = ALIGN_DOWN(sp - sizeof(fpu), 64);
	u64 fpstate = sp;
	u64 frame = ALIGN_DOWN(sp - sizeof(fr), 16) - 8;

	memset(&fr, 0, sizeof(fr));
	fr.pretcode = act->flags & SA_RESTORER ? act->restorer : 0;
	fr.uc.ss_sp = t->lx.altstack_sp;
	fr.uc.ss_size = t->lx.altstack_size;
	fr.uc.ss_flags = lx_altstack_flags(t, f->rsp);
	save_regs(f, &fr.uc.mc);
	fr.uc.mc.trapno = f->vector < 32 ? f->vector : 0;
	fr.uc.mc.err = f->vector < 32 ? f->error_code : 0;
	fr.uc.mc.cr2 = info->signo == LX_SIGSEGV ? info->addr : 0;
	fr.uc.mc.oldmask = t->lx.sigmask;
	fr.uc.mc.fpstate = fpstate;
	fr.uc.sigmask = t->lx.sigmask;
	fr.info = *info;
	asm volatile("fxsave64 %0" : "=m"(fpu));
	if (lx_copy_to_user(fpstate, fpu, sizeof(fpu)) || lx_copy_to_user(frame, &fr, sizeof(fr))) {
		diag("%s[%u]: no room for the signal %d frame at 0x%lx", t->proc->prog->name, t->id,
		     sig, frame);
		lx_die_by_signal(LX_SIGSEGV);
	}
	if (shstk_on() && push_shstk_frame(fr.pretcode)) {
		diag("%s[%u]: cannot push the shadow-stack signal frame (SSP 0x%lx, restorer 0x%lx)",
		     t->proc->prog->name, t->id, rdmsr(MSR_IA32_PL3_SSP), fr.pretcode);
		lx_die_by_signal(LX_SIGSEGV);
	}
	f->rip = act->handler;
	f->rsp = frame;
	/* The handler is 64-bit code whatever was interrupted (ia32 code too). */
	f->cs = USER_CS;
	f->ss = USER_DS;
	f->rdi = (u64)sig;
	f->rsi = frame + offsetof(struct lx_rt_sigframe, info);
	f->rdx = frame + offsetof(struct lx_rt_sigframe, uc);
	f->rax = 0;
	f->rflags &= ~(X86_RFLAGS_TF | X86_RFLAGS_DF);
mask:
	t->lx.sigmask |= act->mask | (act->flags & SA_NODEFER ? 0 : SIGMASK(sig));
	t->lx.sigmask &= ~UNBLOCKABLE;
	if (act->flags & SA_RESETHAND)
		act->handler = SIG_DFL;
}

/*
 * A fault signal: to its handler if there is one that can run, else the
 * process dies, and a CET fault (cr2 given) is reported in full first.
 */
static void force_signal_cet(struct trap_frame *f, int sig, int code, u64 addr, bool cet,
			     u64 cr2)
{
	struct task *t = current;

	if (t->lx.tracer) {
		/* A tracee stops for a fault's signal too; the tracer may drop or change it. */
		int with = lx_ptrace_stop(sig);
		if (!with)
			return;
		if (with != sig)
			sig = with, code = LX_SI_USER, addr = 0;
	}
	struct lx_sigaction *act = &t->lx.proc->act[sig];
	struct lx_siginfo info = { .signo = sig, .code = code, .addr = addr };

	t->lx.fault_signal = (u64)sig;
	t->lx.fault_code = (u64)code;
	t->lx.fault_addr = addr;
	if (act->handler == SIG_DFL || act->handler == SIG_IGN || (t->lx.sigmask & SIGMASK(sig))) {
		if (cet)
			lx_cet_report(f, cr2);
		lx_die_by_signal(sig);
	}
	if (cet)
		diag("%s[%u]: %s at rip 0x%lx: signal %d (si_code %d) to its handler",
		     t->proc->prog->name, t->id, f->vector == X86_EXC_CP ? "#CP" : "shadow-stack #PF",
		     f->rip, sig, code);
	deliver(f, sig, &info);
}

static void force_signal(struct trap_frame *f, int sig, int code, u64 addr)
{
	force_signal_cet(f, sig, code, addr, false, 0);
}

void lx_fault(struct trap_frame *f, u64 cr2)
{
	struct task *t = current;
	struct lx_proc *lp = t->lx.proc;
	bool cet = f->vector == X86_EXC_CP ||
		   (f->vector == X86_EXC_PF && (f->error_code & PF_EC_SS));

	if (f->vector == X86_EXC_PF && lx_demand_fault(lp, cr2, f->error_code))
		return;
	switch (f->vector) {
	case X86_EXC_PF: {
		struct lx_vma *v = lx_vma_find(lp, cr2);
		force_signal_cet(f, LX_SIGSEGV, v ? LX_SEGV_ACCERR : LX_SEGV_MAPERR, cr2, cet, cr2);
		return;
	}
	case X86_EXC_CP:
		/* Linux: SIGSEGV, SEGV_CPERR, si_addr 0 (do_user_cp_fault). */
		force_signal_cet(f, LX_SIGSEGV, LX_SEGV_CPERR, 0, true, cr2);
		return;
	case X86_EXC_GP:
		force_signal(f, LX_SIGSEGV, LX_SI_KERNEL, 0);
		return;
	case X86_EXC_UD:
		force_signal(f, LX_SIGILL, 2 /* ILL_ILLOPN */, f->rip);
		return;
	case X86_EXC_DE:
		force_signal(f, LX_SIGFPE, 1 /* FPE_INTDIV */, f->rip);
		return;
	case X86_EXC_BP:
	case X86_EXC_DB:
		force_signal(f, LX_SIGTRAP, LX_SI_KERNEL, 0);
		return;
	case X86_EXC_AC:
		force_signal(f, LX_SIGBUS, 1 /* BUS_ADRALN */, 0);
		return;
	default: {
		char line[160];
		struct fault_info fi = { f->vector, f->error_code, f->rip, cr2, f->rsp, true };
		trap_describe(&fi, line, sizeof(line));
		diag("%s[%u]: %s", t->proc->prog->name, t->id, line);
		force_signal(f, f->vector == X86_EXC_MF || f->vector == X86_EXC_XM ? LX_SIGFPE
										  : LX_SIGSEGV,
			     LX_SI_KERNEL, 0);
	}
	}
}

bool lx_signal_check(struct trap_frame *f)
{
	struct task *t = current;

	if ((f->cs & 3) != 3)
		return false;
	u64 ready = t->lx.sigpending & ~t->lx.sigmask;
	if (ready & SIGMASK(LX_SIGKILL))
		lx_die_by_signal(LX_SIGKILL);
	for (int sig = 1; sig <= LX_NSIG; sig++) {
		if (!(ready & SIGMASK(sig)))
			continue;
		t->lx.sigpending &= ~SIGMASK(sig);
		if (t->lx.tracer) {
			int with = lx_ptrace_stop(sig);
			if (!with)
				continue;
			sig = with; /* what the tracer chose to deliver */
		}
		u64 h = t->lx.proc->act[sig].handler;
		if (h == SIG_IGN || (h == SIG_DFL && default_ignores(sig)))
			continue;
		if (h == SIG_DFL)
			lx_die_by_signal(sig);
		struct lx_siginfo info = { .signo = sig, .code = LX_SI_USER };
		if (t->lx.sig_tkill & SIGMASK(sig))
			info.code = LX_SI_TKILL;
		t->lx.sig_tkill &= ~SIGMASK(sig);
		info.addr = t->lx.proc->pid;
		if (sig == LX_SIGCHLD) {
			info.code = t->lx.chld_code;
			info.addr = (u32)t->lx.chld_pid; /* si_pid, si_uid 0 */
			info.rest[0] = (u32)t->lx.chld_status;
		}
		deliver(f, sig, &info);
		return true;
	}
	return false;
}

long lx_sys_rt_sigreturn(struct trap_frame *f)
{
	struct task *t = current;
	struct lx_ucontext uc;
	u64 frame = f->rsp - 8; /* the handler's RET took pretcode */
	u8 fpu[512] __aligned(16);

	if (lx_copy_from_user(&uc, frame + offsetof(struct lx_rt_sigframe, uc), sizeof(uc))) {
		diag("%s[%u]: rt_sigreturn: no signal frame at 0x%lx", t->proc->prog->name, t->id,
		     frame);
		lx_die_by_signal(LX_SIGSEGV);
	}
	if (shstk_on()) {
		int err = pop_shstk_frame();
		if (err) {
			diag("%s[%u]: rt_sigreturn: no valid shadow-stack signal frame at SSP 0x%lx "
			     "(%d)", t->proc->prog->name, t->id, rdmsr(MSR_IA32_PL3_SSP), err);
			lx_die_by_signal(LX_SIGSEGV);
		}
	}
	const struct lx_sigcontext *c = &uc.mc;
	if (!user_range_ok(c->rip, 1) || !va_is_canonical(c->rsp)) {
		diag("%s[%u]: rt_sigreturn: rip 0x%lx is not a user address", t->proc->prog->name,
		     t->id, c->rip);
		lx_die_by_signal(LX_SIGSEGV);
	}
	if (c->fpstate && !lx_copy_from_user(fpu, c->fpstate, sizeof(fpu))) {
		/* Reserved MXCSR bits would fault FXRSTOR in the kernel. */
		*(u32 *)(fpu + 24) &= 0xffbf;
		asm volatile("fxrstor64 %0" ::"m"(fpu));
	}
	f->r8 = c->r8, f->r9 = c->r9, f->r10 = c->r10, f->r11 = c->r11, f->r12 = c->r12;
	f->r13 = c->r13, f->r14 = c->r14, f->r15 = c->r15, f->rdi = c->rdi, f->rsi = c->rsi;
	f->rbp = c->rbp, f->rbx = c->rbx, f->rdx = c->rdx, f->rcx = c->rcx;
	f->rip = c->rip;
	f->rsp = c->rsp;
	f->rflags = (f->rflags & ~FIX_EFLAGS) | (c->eflags & FIX_EFLAGS) | X86_RFLAGS_IF;
	f->cs = USER_CS;
	f->ss = USER_DS;
	t->lx.sigmask = uc.sigmask & ~UNBLOCKABLE;
	return (long)c->rax;
}

long lx_sys_rt_sigaction(u64 sig, u64 uact, u64 uoact, u64 size)
{
	struct lx_proc *lp = current->lx.proc;
	struct lx_sigaction act, old;

	/* Linux's order: the size, the new action read, do_sigaction, the old one written. */
	if (size != 8)
		return -EINVAL;
	if (uact && lx_copy_from_user(&act, uact, sizeof(act)))
		return -EFAULT;
	if (sig < 1 || sig > LX_NSIG || (uact && (sig == LX_SIGKILL || sig == LX_SIGSTOP)))
		return -EINVAL;
	old = lp->act[sig];
	old.flags &= LX_SA_UAPI_FLAGS;
	if (uact) {
		act.mask &= ~UNBLOCKABLE;
		act.flags &= LX_SA_UAPI_FLAGS; /* a 64-bit handler: no LX_SA_IA32_ABI */
		lp->act[sig] = act;
	}
	/* A bad old-action pointer fails the call, the new action stays. */
	return uoact && lx_copy_to_user(uoact, &old, sizeof(old)) ? -EFAULT : 0;
}

long lx_sys_rt_sigprocmask(u64 how, u64 uset, u64 uoset, u64 size)
{
	struct task *t = current;
	u64 set, old = t->lx.sigmask;

	if (size != 8)
		return -EINVAL;
	if (uset) {
		if (lx_copy_from_user(&set, uset, 8))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			t->lx.sigmask |= set;
			break;
		case SIG_UNBLOCK:
			t->lx.sigmask &= ~set;
			break;
		case SIG_SETMASK:
			t->lx.sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		t->lx.sigmask &= ~UNBLOCKABLE;
	}
	if (uoset && lx_copy_to_user(uoset, &old, 8))
		return -EFAULT;
	return 0;
}

long lx_sys_sigaltstack(u64 uss, u64 uoss, const struct trap_frame *f)
{
	struct task *t = current;
	struct { u64 sp; s32 flags, pad; u64 size; } ss, old = {
		t->lx.altstack_sp, t->lx.altstack_size ? 0 : SS_DISABLE, 0, t->lx.altstack_size
	};

	if (on_altstack(t, f->rsp))
		old.flags = SS_ONSTACK;
	if (uss) {
		if (lx_copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (on_altstack(t, f->rsp))
			return -EPERM;
		u32 mode = (u32)ss.flags & ~SS_AUTODISARM;
		if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			t->lx.altstack_sp = t->lx.altstack_size = 0;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			t->lx.altstack_sp = ss.sp;
			t->lx.altstack_size = ss.size;
		}
	}
	if (uoss && lx_copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long lx_send_signal(struct task *t, int sig, int code)
{
	if (!sig)
		return 0;
	t->lx.sigpending |= SIGMASK(sig);
	if (code == LX_SI_TKILL)
		t->lx.sig_tkill |= SIGMASK(sig);
	if (t->state == TASK_BLOCKED && t->lx.interruptible &&
	    (SIGMASK(sig) & ~t->lx.sigmask))
		task_wake(t);
	/* SIGKILL ends a ptrace stop too. */
	if (sig == LX_SIGKILL && t->lx.ptrace_stopped)
		task_wake(t);
	return 0;
}

long lx_sys_kill(u64 upid, u64 usig)
{
	int pid = (int)upid, sig = (int)usig;
	struct lx_proc *me = current->lx.proc;

	if (sig < 0 || sig > LX_NSIG)
		return -EINVAL;
	for (struct task *t = task_first(); t; t = t->all_next) {
		struct lx_proc *lp = t->lx.proc;
		if (!lp || t->state == TASK_ZOMBIE || lp->ended)
			continue;
		bool hit = pid > 0 ? lp->pid == (unsigned)pid : lp == me;
		if (hit && (t == lp->leader || !lp->leader || lp->leader->state == TASK_ZOMBIE))
			return lx_send_signal(t, sig, LX_SI_USER);
	}
	return -ESRCH;
}

long lx_sys_tgkill(u64 tgid, u64 tid, u64 usig)
{
	int sig = (int)usig;
	struct task *t = task_by_id((unsigned)tid);

	if (sig < 0 || sig > LX_NSIG || (int)tid <= 0)
		return -EINVAL;
	if (!t || !t->lx.proc || t->state == TASK_ZOMBIE || t->lx.proc->pid != (unsigned)tgid)
		return -ESRCH;
	return lx_send_signal(t, sig, LX_SI_TKILL);
}
