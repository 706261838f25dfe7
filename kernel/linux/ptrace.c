/*
 * Linux ptrace, the part a debugger needs to move a tracee's shadow-stack
 * pointer: PTRACE_TRACEME, the signal-delivery stop that wait4 reports,
 * PTRACE_GETREGSET/PTRACE_SETREGSET with NT_X86_SHSTK, and PTRACE_DETACH.
 * The errnos and the checks on a new SSP follow Linux (kernel/ptrace.c,
 * arch/x86/kernel/shstk.c): a tracee is known only to its tracer, and only
 * while it is stopped; the SSP regset is one 8-byte register.
 */
#include "cet.h"
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "lib.h"
#include "x86/cet.h"

#define PTRACE_TRACEME 0
#define PTRACE_DETACH 17
#define PTRACE_GETREGSET 0x4204
#define PTRACE_SETREGSET 0x4205
#define NT_X86_SHSTK 0x204
#define CLD_TRAPPED 4
/* Linux's TASK_SIZE_MAX with 4-level paging: the first address no user SSP may hold. */
#define LX_TASK_SIZE_MAX 0x00007ffffffff000UL
#define SSP_REGSET_SIZE 8

static long traceme(void)
{
	struct task *t = current;

	if (t->lx.tracer)
		return -EPERM;
	if (!t->lx.proc->parent)
		return -EPERM; /* nobody to trace it: the run's first process */
	t->lx.tracer = t->lx.proc->parent;
	return 0;
}

/*
 * The tracee stops at signal delivery until its tracer resumes it; returns
 * the signal to deliver instead (0: none).  Its tracer's wait4 sees the stop.
 */
int lx_ptrace_stop(int sig)
{
	struct task *t = current;
	struct lx_proc *tracer = t->lx.tracer;

	t->lx.ptrace_sig = sig;
	t->lx.ptrace_stopped = true;
	t->lx.ptrace_reported = false;
	if (tracer->leader && tracer->leader->state != TASK_ZOMBIE) {
		tracer->leader->lx.chld_code = CLD_TRAPPED;
		tracer->leader->lx.chld_pid = (s32)t->lx.proc->pid;
		tracer->leader->lx.chld_status = sig;
		lx_send_signal(tracer->leader, LX_SIGCHLD, LX_SI_USER);
	}
	for (struct task *w = task_first(); w; w = w->all_next)
		if (w->lx.proc == tracer && w->lx.in_wait4)
			task_wake(w);
	while (t->lx.ptrace_stopped && !(t->lx.sigpending & BIT(LX_SIGKILL - 1))) {
		t->state = TASK_BLOCKED;
		schedule();
	}
	t->lx.ptrace_stopped = false;
	if (t->lx.sigpending & BIT(LX_SIGKILL - 1))
		lx_die_by_signal(LX_SIGKILL);
	return t->lx.ptrace_sig;
}

/* wait4 on a child: a stop not reported yet gives its status (sig << 8 | 0x7f). */
bool lx_ptrace_wait_stop(struct lx_proc *child, u32 *status)
{
	for (struct task *t = task_first(); t; t = t->all_next)
		if (t->lx.proc == child && t->lx.ptrace_stopped && !t->lx.ptrace_reported &&
		    t->lx.tracer == current->lx.proc) {
			t->lx.ptrace_reported = true;
			*status = ((u32)t->lx.ptrace_sig << 8) | 0x7f;
			return true;
		}
	return false;
}

/* The tracer's process is going: its tracees go on as if it had let them run. */
void lx_ptrace_release(struct lx_proc *tracer)
{
	for (struct task *t = task_first(); t; t = t->all_next)
		if (t->lx.tracer == tracer) {
			t->lx.tracer = NULL;
			if (t->lx.ptrace_stopped) {
				t->lx.ptrace_stopped = false;
				task_wake(t);
			}
		}
}

/* Linux's ptrace_check_attach: only the tracer sees its tracee, and only stopped. */
static struct task *stopped_tracee(u64 pid)
{
	struct task *t = (int)pid > 0 ? task_by_id((unsigned)pid) : NULL;

	if (!t || !t->lx.proc || t->state == TASK_ZOMBIE)
		return NULL;
	if (t->lx.tracer != current->lx.proc || !t->lx.ptrace_stopped)
		return NULL;
	return t;
}

static bool tracee_shstk_on(const struct task *t)
{
	return cet_shstk_available() && (cet_task_u_cet(&t->cet) & CET_SH_STK_EN);
}

/* Linux's ssp_get / ssp_set behind ptrace_regset's length check. */
static long ssp_regset(struct task *t, bool set, u64 base, u64 *len)
{
	u64 ssp;

	if (*len % SSP_REGSET_SIZE)
		return -EINVAL;
	if (*len > SSP_REGSET_SIZE)
		*len = SSP_REGSET_SIZE;
	if (!tracee_shstk_on(t))
		return -ENODEV;
	if (!set) {
		ssp = cet_task_ssp(&t->cet);
		return *len && lx_copy_to_user(base, &ssp, 8) ? -EFAULT : 0;
	}
	if (*len != SSP_REGSET_SIZE)
		return -EINVAL;
	if (lx_copy_from_user(&ssp, base, 8))
		return -EFAULT;
	/* Returning to ring 3 with such an SSP would fault in the kernel. */
	if (ssp >= LX_TASK_SIZE_MAX || (ssp & 7))
		return -EINVAL;
	cet_task_set(&t->cet, cet_task_u_cet(&t->cet), ssp);
	return 0;
}

static long regset(struct task *t, bool set, u64 type, u64 uiov)
{
	u64 iov[2];

	if (lx_copy_from_user(iov, uiov, sizeof(iov)))
		return -EFAULT;
	if (type != NT_X86_SHSTK)
		return -EINVAL; /* the only regset cetbed offers */
	long err = ssp_regset(t, set, iov[0], &iov[1]);
	if (err)
		return err;
	return lx_copy_to_user(uiov + 8, &iov[1], 8) ? -EFAULT : 0;
}

long lx_sys_ptrace(u64 req, u64 pid, u64 addr, u64 data)
{
	struct task *t;

	if (req == PTRACE_TRACEME)
		return traceme();
	if (req != PTRACE_GETREGSET && req != PTRACE_SETREGSET && req != PTRACE_DETACH) {
		/* Not offered (PTRACE_ATTACH, PEEK/POKE...): named, whatever the pid. */
		diag("%s: ptrace request %lu is not implemented: -EIO", current->proc->prog->name,
		     req);
		return -EIO;
	}
	t = stopped_tracee(pid);
	if (!t)
		return -ESRCH;
	switch (req) {
	case PTRACE_GETREGSET:
		return regset(t, false, addr, data);
	case PTRACE_SETREGSET:
		return regset(t, true, addr, data);
	default: /* PTRACE_DETACH */
		if (data > LX_NSIG)
			return -EIO;
		t->lx.tracer = NULL;
		t->lx.ptrace_sig = (int)data;
		t->lx.ptrace_stopped = false;
		task_wake(t);
		return 0;
	}
}
