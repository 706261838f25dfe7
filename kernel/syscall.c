/* SYSCALL setup and the system call table. */
#include "errno.h"
#include "kernel/cpu.h"
#include "kernel/uproc.h"
#include "kernel/linux.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/usercopy.h"
#include "kernel/signal.h"
#include "shstk.h"
#include "syscall.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/paging.h"
#include "x86/segment.h"

#define WRITE_MAX 4096

long sys_fork(const struct trap_frame *f);
long sys_vfork(const struct trap_frame *f);
long sys_thread(u64 entry, u64 stack_top, u64 arg, u64 stack_size);
long sys_wait(u64 id, u64 ustatus);
long sys_mprotect(u64 addr, u64 size, u64 prot);
long sys_free_frames(void);
long sys_yield(void);
long sys_gettid(void);
long sys_task_stats(u64 which);

extern char syscall_entry[];

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* SYSRET: CS = base + 16, SS = base + 8, with base = USER_CS32 & ~3. */
	wrmsr(MSR_STAR, ((u64)(USER_CS32 & ~3) << 48) | ((u64)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK, X86_RFLAGS_IF | X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_AC |
				 X86_RFLAGS_NT | X86_RFLAGS_IOPL);
}

/* Prints user output as diagnostics, one "# name: ..." line per line. */
static void emit_user_output(struct uproc *p, const char *buf, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n && !p->quiet; i++) {
		if (i == n ? i > start : buf[i] == '\n') {
			diag("%s: %.*s", p->prog->name, (int)(i - start), buf + start);
			start = i + 1;
		}
	}
	size_t room = sizeof(p->out) - 1 - p->out_len;
	size_t take = n < room ? n : room;
	memcpy(p->out + p->out_len, buf, take);
	p->out_len += take;
	p->out[p->out_len] = '\0';
}

static long sys_write(u64 ubuf, u64 len)
{
	char buf[WRITE_MAX];

	if (len > WRITE_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	emit_user_output(uproc_current(), buf, len);
	return (long)len;
}

static long sys_uname(u64 ubuf, u64 len)
{
	static const char name[] = "cetbed";

	if (len < sizeof(name))
		return -EINVAL;
	if (copy_to_user(ubuf, name, sizeof(name)))
		return -EFAULT;
	return sizeof(name);
}

static int syscall_native(struct trap_frame *f);

/* Returns 0 to leave through SYSRET, 1 to leave through IRETQ. */
int syscall_dispatch(struct trap_frame *f);
int syscall_dispatch(struct trap_frame *f)
{
	int iret = lx_current() ? lx_syscall(f) : syscall_native(f);

	if (iret)
		trap_note_iret32(f);
	return iret;
}

static int syscall_native(struct trap_frame *f)
{
	long ret;
	bool restore_all = false;

	switch (f->rax) {
	case SYS_EXIT:
		uproc_exit((long)f->rdi);
	case SYS_WRITE:
		ret = sys_write(f->rdi, f->rsi);
		break;
	case SYS_UNAME:
		ret = sys_uname(f->rdi, f->rsi);
		break;
	case SYS_SHSTK_CTL:
		ret = sys_shstk_ctl(f->rdi, f->rsi);
		break;
	case SYS_MAP_SHADOW_STACK:
		ret = sys_map_shadow_stack(f->rdi, f->rsi, f->rdx);
		break;
	case SYS_MUNMAP:
		ret = sys_munmap(f->rdi, f->rsi);
		break;
	case SYS_FORK:
		ret = sys_fork(f);
		break;
	case SYS_VFORK:
		ret = sys_vfork(f);
		break;
	case SYS_THREAD:
		ret = sys_thread(f->rdi, f->rsi, f->rdx, f->r10);
		break;
	case SYS_WAIT:
		ret = sys_wait(f->rdi, f->rsi);
		break;
	case SYS_MPROTECT:
		ret = sys_mprotect(f->rdi, f->rsi, f->rdx);
		break;
	case SYS_FREE_FRAMES:
		ret = sys_free_frames();
		break;
	case SYS_YIELD:
		ret = sys_yield();
		break;
	case SYS_GETTID:
		ret = sys_gettid();
		break;
	case SYS_TASK_STATS:
		ret = sys_task_stats(f->rdi);
		break;
	case SYS_SIGACTION:
		ret = sys_sigaction(f->rdi, f->rsi, f->rdx, f->r10);
		break;
	case SYS_SIGRETURN:
		ret = sys_sigreturn(f);
		restore_all = true;
		break;
	case SYS_SIGALTSTACK:
		ret = sys_sigaltstack(f->rdi, f->rsi, f->rdx, f->r10);
		break;
	case SYS_KILL:
		ret = sys_kill(f->rdi, f->rsi);
		break;
	case SYS_ALARM:
		ret = sys_alarm(f->rdi);
		break;
	default:
		ret = -ENOSYS;
	}
	f->rax = (u64)ret;
	/* A delivered signal or sigreturn changed more than rax: IRETQ restores all. */
	if (signal_check(f))
		restore_all = true;
	/* SYSRET to a non-canonical rip would fault in ring 0: use IRETQ then. */
	return restore_all || !(f->rip < USER_TOP && va_is_canonical(f->rip));
}
