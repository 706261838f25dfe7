/*
 * The ia32 ABI of a 64-bit Linux program: INT 0x80 system calls (number in
 * eax, arguments in ebx, ecx, edx, esi, edi, ebp, pointers 32 bits wide),
 * the old and the rt sigaction of that ABI, and delivery of a signal whose
 * handler was installed through it: Linux's sigframe_ia32 on the stack and
 * the handler entered in the 32-bit code segment.  Like Linux, nothing is
 * pushed on the shadow stack for such a frame.  Returning to that segment
 * with SSP above 4 GiB is the CPU's #GP (kernel/trap.c turns it into the
 * program's SIGSEGV).
 */
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/layout.h"
#include "x86/cpu.h"
#include "x86/segment.h"
#include "x86/trap.h"

#define NR32_EXIT 1
#define NR32_WRITE 4
#define NR32_GETPID 20
#define NR32_KILL 37
#define NR32_SIGACTION 67
#define NR32_SIGRETURN 119
#define NR32_RT_SIGRETURN 173
#define NR32_RT_SIGACTION 174
#define NR32_GETTID 224
#define NR32_EXIT_GROUP 252

#define SA_SIGINFO 0x4
#define SA_RESTORER 0x04000000
#define SIGMASK(s) (1UL << ((s) - 1))
#define UNBLOCKABLE (SIGMASK(LX_SIGKILL) | SIGMASK(LX_SIGSTOP))
/* Flags a handler may change in the saved context (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS 0x50dd5UL
/* Linux's legacy fsave header in front of the FXSAVE image of an ia32 frame. */
#define FREGS_SIZE 112

/* Linux's struct sigcontext_32. */
struct lx_sigcontext32 {
	u16 gs, gsh, fs, fsh, es, esh, ds, dsh;
	u32 di, si, bp, sp, bx, dx, cx, ax, trapno, err, ip;
	u16 cs, csh;
	u32 flags, sp_at_signal;
	u16 ss, ssh;
	u32 fpstate, oldmask, cr2;
};

/* Linux's struct sigframe_ia32: the frame of a handler without SA_SIGINFO. */
struct lx_sigframe32 {
	u32 pretcode;
	s32 sig;
	struct lx_sigcontext32 sc;
	u8 fpstate_unused[624]; /* struct _fpstate_32, kept for the layout */
	u32 extramask;
	u8 retcode[8];
};
/* Linux's struct rt_sigframe_ia32, with its ucontext_ia32 and compat_siginfo. */
struct lx_rt_sigframe32 {
	u32 pretcode;
	s32 sig;
	u32 pinfo, puc;
	u32 info[32];
	struct {
		u32 flags, link;
		u32 ss_sp;
		s32 ss_flags;
		u32 ss_size;
		struct lx_sigcontext32 mc;
		u32 sigmask[2];
	} uc;
	u8 retcode[8];
};
STATIC_ASSERT(sizeof(struct lx_sigcontext32) == 88);
STATIC_ASSERT(sizeof(struct lx_sigframe32) == 732);
STATIC_ASSERT(sizeof(struct lx_rt_sigframe32) == 268);

/* compat_old_sigaction and compat_sigaction. */
struct lx_old_sigaction32 {
	u32 handler, mask, flags, restorer;
};
struct lx_sigaction32 {
	u32 handler, flags, restorer;
	u32 mask[2];
};

static u16 read_ds(void)
{
	u16 v;
	asm volatile("mov %%ds, %0" : "=r"(v));
	return v;
}

static u16 read_es(void)
{
	u16 v;
	asm volatile("mov %%es, %0" : "=r"(v));
	return v;
}

/* Data segments for 32-bit code: a null DS or ES faults there, unlike in 64-bit mode. */
static void load_user_data_segments(void)
{
	asm volatile("mov %0, %%ds\n\tmov %0, %%es" ::"r"((u32)USER_DS));
}

/* do_sigaction's rules, shared by both ia32 calls; the old handler goes to *old. */
static long sigaction_set(u64 sig, const struct lx_sigaction *act, struct lx_sigaction *old)
{
	struct lx_proc *lp = current->lx.proc;

	if (sig < 1 || sig > LX_NSIG || (act && (sig == LX_SIGKILL || sig == LX_SIGSTOP)))
		return -EINVAL;
	*old = lp->act[sig];
	if (act) {
		lp->act[sig] = *act;
		lp->act[sig].flags = (act->flags & LX_SA_UAPI_FLAGS) | LX_SA_IA32_ABI;
		lp->act[sig].mask &= ~UNBLOCKABLE;
	}
	return 0;
}

static long sys32_sigaction(u64 sig, u64 uact, u64 uoact)
{
	struct lx_old_sigaction32 a32;
	struct lx_sigaction act, old;

	if (uact) {
		if (lx_copy_from_user(&a32, uact, sizeof(a32)))
			return -EFAULT;
		act = (struct lx_sigaction){ a32.handler, a32.flags, a32.restorer, a32.mask };
	}
	long err = sigaction_set(sig, uact ? &act : NULL, &old);
	if (err || !uoact)
		return err;
	a32 = (struct lx_old_sigaction32){ (u32)old.handler, (u32)old.mask,
					   (u32)(old.flags & ~LX_SA_IA32_ABI), (u32)old.restorer };
	return lx_copy_to_user(uoact, &a32, sizeof(a32)) ? -EFAULT : 0;
}

static long sys32_rt_sigaction(u64 sig, u64 uact, u64 uoact, u64 size)
{
	struct lx_sigaction32 a32;
	struct lx_sigaction act, old;

	if (size != 8)
		return -EINVAL;
	if (uact) {
		if (lx_copy_from_user(&a32, uact, sizeof(a32)))
			return -EFAULT;
		act = (struct lx_sigaction){ a32.handler, a32.flags, a32.restorer,
					     a32.mask[0] | (u64)a32.mask[1] << 32 };
	}
	long err = sigaction_set(sig, uact ? &act : NULL, &old);
	if (err || !uoact)
		return err;
	a32 = (struct lx_sigaction32){ (u32)old.handler, (u32)(old.flags & ~LX_SA_IA32_ABI),
				       (u32)old.restorer, { (u32)old.mask, (u32)(old.mask >> 32) } };
	return lx_copy_to_user(uoact, &a32, sizeof(a32)) ? -EFAULT : 0;
}

/* The registers of the interrupted code, as sigcontext_32 holds them. */
static void save_regs32(const struct trap_frame *f, struct lx_sigcontext32 *c, u64 fpstate)
{
	struct task *t = current;

	*c = (struct lx_sigcontext32){
		.es = read_es(), .ds = read_ds(),
		.di = (u32)f->rdi, .si = (u32)f->rsi, .bp = (u32)f->rbp, .sp = (u32)f->rsp,
		.bx = (u32)f->rbx, .dx = (u32)f->rdx, .cx = (u32)f->rcx, .ax = (u32)f->rax,
		.trapno = f->vector < 32 ? (u32)f->vector : 0,
		.err = f->vector < 32 ? (u32)f->error_code : 0,
		.ip = (u32)f->rip, .cs = (u16)f->cs, .flags = (u32)f->rflags,
		.sp_at_signal = (u32)f->rsp, .ss = (u16)f->ss,
		.fpstate = (u32)fpstate, .oldmask = (u32)t->lx.sigmask,
		.cr2 = f->vector == X86_EXC_PF ? (u32)t->lx.fault_addr : 0,
	};
}

/* Puts the FPU state below sp the way Linux does for ia32; returns its fpstate pointer. */
static u64 save_fpu32(u64 sp, int *err)
{
	u8 fpu[512] __aligned(16);
	u8 fregs[FREGS_SIZE];
	/* The FXSAVE image 64-byte aligned, Linux's fsave header right below it. */
	u64 buf_fx = ALIGN_DOWN(sp - sizeof(fpu), 64);

	memset(fregs, 0, sizeof(fregs));
	asm volatile("fxsave64 %0" : "=m"(fpu));
	*err = lx_copy_to_user(buf_fx, fpu, sizeof(fpu)) ||
	       lx_copy_to_user(buf_fx - FREGS_SIZE, fregs, sizeof(fregs));
	return buf_fx - FREGS_SIZE;
}

static void restore_fpu32(u32 fpstate)
{
	u8 fpu[512] __aligned(16);

	if (fpstate && !lx_copy_from_user(fpu, (u64)fpstate + FREGS_SIZE, sizeof(fpu))) {
		*(u32 *)(fpu + 24) &= 0xffbf; /* reserved MXCSR bits would fault FXRSTOR */
		asm volatile("fxrstor64 %0" ::"m"(fpu));
	}
}

/* i386 ABI: ((sp + 4) & 15) == 0 at the handler's first instruction. */
static u64 frame_below(u64 fpstate, size_t size)
{
	return ((fpstate - size + 4) & ~15UL) - 4;
}

/* Linux's compat_siginfo from the 64-bit one: the union starts at byte 12. */
static void siginfo32(const struct lx_siginfo *in, u32 out[32])
{
	memset(out, 0, 128);
	out[0] = (u32)in->signo;
	out[1] = (u32)in->errno_;
	out[2] = (u32)in->code;
	out[3] = (u32)in->addr;		/* si_addr, or si_pid */
	out[4] = (u32)(in->addr >> 32); /* si_uid */
	out[5] = (u32)in->rest[0];	/* SIGCHLD's si_status */
}

/* Where the handler returns: SA_RESTORER's, else the frame's retcode. */
static u32 pretcode32(const struct lx_sigaction *act, u64 retcode)
{
	return (u32)(act->flags & SA_RESTORER ? act->restorer : retcode);
}

static int setup_rt_frame32(struct trap_frame *f, int sig, const struct lx_sigaction *act,
			    u64 sp, const struct lx_siginfo *info)
{
	struct task *t = current;
	struct lx_rt_sigframe32 fr;
	int err;
	u64 fpstate = save_fpu32(sp, &err);
	u64 frame = frame_below(fpstate, sizeof(fr));

	memset(&fr, 0, sizeof(fr));
	fr.sig = sig;
	fr.pinfo = (u32)(frame + offsetof(struct lx_rt_sigframe32, info));
	fr.puc = (u32)(frame + offsetof(struct lx_rt_sigframe32, uc));
	siginfo32(info, fr.info);
	fr.uc.ss_sp = (u32)t->lx.altstack_sp;
	fr.uc.ss_size = (u32)t->lx.altstack_size;
	fr.uc.ss_flags = lx_altstack_flags(t, f->rsp);
	save_regs32(f, &fr.uc.mc, fpstate);
	fr.uc.sigmask[0] = (u32)t->lx.sigmask;
	fr.uc.sigmask[1] = (u32)(t->lx.sigmask >> 32);
	/* movl $173, %eax; int $0x80: the return path without SA_RESTORER. */
	static const u8 retcode[8] = { 0xb8, NR32_RT_SIGRETURN, 0, 0, 0, 0xcd, 0x80, 0 };
	memcpy(fr.retcode, retcode, sizeof(retcode));
	fr.pretcode = pretcode32(act, frame + offsetof(struct lx_rt_sigframe32, retcode));
	if (err || lx_copy_to_user(frame, &fr, sizeof(fr)))
		return -EFAULT;
	f->rsp = frame;
	f->rdx = fr.pinfo;
	f->rcx = fr.puc;
	return 0;
}

static int setup_frame32(struct trap_frame *f, int sig, const struct lx_sigaction *act, u64 sp)
{
	struct task *t = current;
	struct lx_sigframe32 fr;
	int err;
	u64 fpstate = save_fpu32(sp, &err);
	u64 frame = frame_below(fpstate, sizeof(fr));

	memset(&fr, 0, sizeof(fr));
	fr.sig = sig;
	save_regs32(f, &fr.sc, fpstate);
	fr.extramask = (u32)(t->lx.sigmask >> 32);
	/* popl %eax; movl $119, %eax; int $0x80: the return path without SA_RESTORER. */
	static const u8 retcode[8] = { 0x58, 0xb8, NR32_SIGRETURN, 0, 0, 0, 0xcd, 0x80 };
	memcpy(fr.retcode, retcode, sizeof(retcode));
	fr.pretcode = pretcode32(act, frame + offsetof(struct lx_sigframe32, retcode));
	if (err || lx_copy_to_user(frame, &fr, sizeof(fr)))
		return -EFAULT;
	f->rsp = frame;
	f->rdx = 0;
	f->rcx = 0;
	return 0;
}

int lx_ia32_setup_frame(struct trap_frame *f, int sig, const struct lx_sigaction *act, u64 sp,
			const struct lx_siginfo *info)
{
	int err = act->flags & SA_SIGINFO ? setup_rt_frame32(f, sig, act, sp, info)
					  : setup_frame32(f, sig, act, sp);
	if (err)
		return err;
	load_user_data_segments();
	f->rip = (u32)act->handler;
	f->rax = (u64)sig;
	f->cs = USER_CS32;
	f->ss = USER_DS;
	f->rflags &= ~(X86_RFLAGS_TF | X86_RFLAGS_DF);
	return 0;
}

/* The interrupted registers back from a sigcontext_32; false if its segments are not user ones. */
static bool restore_regs32(struct trap_frame *f, const struct lx_sigcontext32 *c)
{
	u16 cs = c->cs | 3, ss = c->ss | 3;

	/* Linux lets IRET judge the selectors; here only cetbed's user ones can be loaded. */
	if ((cs != USER_CS && cs != USER_CS32) || ss != USER_DS)
		return false;
	restore_fpu32(c->fpstate);
	f->rdi = c->di, f->rsi = c->si, f->rbp = c->bp, f->rbx = c->bx;
	f->rdx = c->dx, f->rcx = c->cx, f->rsp = c->sp, f->rip = c->ip;
	f->rflags = (f->rflags & ~FIX_EFLAGS) | (c->flags & FIX_EFLAGS) | X86_RFLAGS_IF;
	f->cs = cs;
	f->ss = ss;
	return true;
}

static void __noreturn bad_sigreturn(const char *what, u64 frame)
{
	struct task *t = current;

	diag("%s[%u]: ia32 %s: no valid signal frame at 0x%lx", t->proc->prog->name, t->id, what,
	     frame);
	lx_die_by_signal(LX_SIGSEGV);
}

/* sigreturn from an ia32 handler: its RET took pretcode, the restorer popped sig. */
static long sys32_sigreturn(struct trap_frame *f)
{
	struct lx_sigframe32 fr;
	u64 frame = f->rsp - 8;

	if (lx_copy_from_user(&fr, frame, sizeof(fr)) || !restore_regs32(f, &fr.sc))
		bad_sigreturn("sigreturn", frame);
	current->lx.sigmask = (fr.sc.oldmask | (u64)fr.extramask << 32) & ~UNBLOCKABLE;
	return (long)(u64)fr.sc.ax;
}

/* rt_sigreturn from an ia32 SA_SIGINFO handler: its RET took pretcode. */
static long sys32_rt_sigreturn(struct trap_frame *f)
{
	struct lx_rt_sigframe32 fr;
	u64 frame = f->rsp - 4;

	if (lx_copy_from_user(&fr, frame, sizeof(fr)) || !restore_regs32(f, &fr.uc.mc))
		bad_sigreturn("rt_sigreturn", frame);
	current->lx.sigmask = (fr.uc.sigmask[0] | (u64)fr.uc.sigmask[1] << 32) & ~UNBLOCKABLE;
	return (long)(u64)fr.uc.mc.ax;
}

void lx_ia32_syscall(struct trap_frame *f)
{
	struct task *t = current;
	u32 nr = (u32)f->rax;
	u64 a0 = (u32)f->rbx, a1 = (u32)f->rcx, a2 = (u32)f->rdx, a3 = (u32)f->rsi;
	long ret;

	switch (nr) {
	case NR32_EXIT:
		lx_exit_thread((s32)a0);
	case NR32_EXIT_GROUP:
		lx_exit_group(LX_WEXITED((s32)a0));
	case NR32_WRITE:
		ret = lx_sys_write(a0, a1, a2);
		break;
	case NR32_GETPID:
		ret = t->lx.proc->pid;
		break;
	case NR32_GETTID:
		ret = t->id;
		break;
	case NR32_KILL:
		ret = lx_sys_kill(a0, a1);
		break;
	case NR32_SIGACTION:
		ret = sys32_sigaction(a0, a1, a2);
		break;
	case NR32_RT_SIGACTION:
		ret = sys32_rt_sigaction(a0, a1, a2, a3);
		break;
	case NR32_SIGRETURN:
		ret = sys32_sigreturn(f);
		break;
	case NR32_RT_SIGRETURN:
		ret = sys32_rt_sigreturn(f);
		break;
	default:
		lx_log_enosys(true, nr);
		ret = -ENOSYS;
	}
	f->rax = (u64)ret;
	lx_signal_check(f);
}
