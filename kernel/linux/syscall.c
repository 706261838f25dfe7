/*
 * Linux x86-64 system calls: the table, and the small calls that need no
 * subsystem of their own (identity, time, limits, randomness, uname).
 * Numbers and structure layouts are Linux's (arch/x86/entry/syscalls/
 * syscall_64.tbl); anything not listed is -ENOSYS, named once per run.
 */
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/usercopy.h"
#include "syscall.h"
#include "x86/cpu.h"
#include "x86/paging.h"

#ifndef CETBED_VERSION
#define CETBED_VERSION "unknown"
#endif

#define AT_FDCWD (-100)
#define RLIMIT_STACK 3
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0UL)
#define NS_PER_TICK (1000000000UL / TIMER_HZ)

static u64 enosys_seen[2][8]; /* 64-bit and ia32 numbers below 512 */

void lx_random_bytes(void *buf, size_t n);

bool lx_current(void)
{
	return current && current->lx.proc;
}

void lx_syscall_reset_log(void);
void lx_syscall_reset_log(void)
{
	memset(enosys_seen, 0, sizeof(enosys_seen));
}

static long sys_uname(u64 ubuf)
{
	char u[6][65];

	memset(u, 0, sizeof(u));
	static const char *const field[6] = { "Linux", "cetbed", "6.12.0-cetbed",
					      "#1 cetbed " CETBED_VERSION, "x86_64", "(none)" };
	for (int i = 0; i < 6; i++)
		memcpy(u[i], field[i], strlen(field[i]));
	return lx_copy_to_user(ubuf, u, sizeof(u)) ? -EFAULT : 0;
}

static u64 now_ns(void)
{
	return timer_ticks * NS_PER_TICK;
}

static long sys_clock_gettime(u64 clk, u64 uts)
{
	u64 ns = now_ns();
	/* CLOCK_REALTIME (0) and its variants start at a wall-clock epoch. */
	if (clk == 0 || clk == 5 || clk == 8)
		ns += LX_EPOCH_AT_BOOT * 1000000000UL;
	else if (clk > 11)
		return -EINVAL;
	u64 ts[2] = { ns / 1000000000UL, ns % 1000000000UL };
	return lx_copy_to_user(uts, ts, sizeof(ts)) ? -EFAULT : 0;
}

static long sys_gettimeofday(u64 utv, u64 utz)
{
	u64 ns = now_ns() + LX_EPOCH_AT_BOOT * 1000000000UL;
	u64 tv[2] = { ns / 1000000000UL, (ns % 1000000000UL) / 1000 };
	u32 tz[2] = { 0, 0 };
	if (utv && lx_copy_to_user(utv, tv, sizeof(tv)))
		return -EFAULT;
	if (utz && lx_copy_to_user(utz, tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

static long sys_clock_getres(u64 clk, u64 uts)
{
	u64 ts[2] = { 0, NS_PER_TICK };
	if (clk > 11)
		return -EINVAL;
	return uts && lx_copy_to_user(uts, ts, sizeof(ts)) ? -EFAULT : 0;
}

static long sys_prlimit64(u64 pid, u64 res, u64 unew, u64 uold)
{
	u64 lim[2] = { RLIM_INFINITY, RLIM_INFINITY };

	if (pid && pid != current->lx.proc->pid)
		return -ESRCH;
	if (res >= 16)
		return -EINVAL;
	if (res == RLIMIT_STACK)
		lim[0] = 8UL << 20;
	else if (res == RLIMIT_NOFILE)
		lim[0] = lim[1] = LX_FILES_MAX;
	else if (res == RLIMIT_NPROC)
		lim[0] = lim[1] = LX_PROCS_MAX;
	if (uold && lx_copy_to_user(uold, lim, sizeof(lim)))
		return -EFAULT;
	(void)unew; /* limits are fixed: a new one is accepted and has no effect */
	return 0;
}

static long sys_getrandom(u64 ubuf, u64 len, u64 flags)
{
	u8 chunk[256];

	if (flags & ~7UL)
		return -EINVAL;
	for (u64 done = 0; done < len;) {
		u64 n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		lx_random_bytes(chunk, n);
		if (lx_copy_to_user(ubuf + done, chunk, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)len;
}

static long sys_getppid(void)
{
	struct lx_proc *p = current->lx.proc->parent;
	return p ? p->pid : 1;
}

void lx_log_enosys(bool ia32, u64 nr)
{
	u64 *seen = enosys_seen[ia32];

	if (nr < 512 && (seen[nr / 64] & BIT(nr % 64)))
		return;
	if (nr < 512)
		seen[nr / 64] |= BIT(nr % 64);
	diag("%s: %ssystem call %lu is not implemented: -ENOSYS", current->proc->prog->name,
	     ia32 ? "ia32 " : "", nr);
}

static long dispatch(struct trap_frame *f, bool *restore_all)
{
	u64 a0 = f->rdi, a1 = f->rsi, a2 = f->rdx, a3 = f->r10, a4 = f->r8, a5 = f->r9;

	/* The number is EAX: Linux's entry sign-extends it and ignores the upper half. */
	switch ((u32)f->rax) {
	case 0: return lx_sys_read(a0, a1, a2);
	case 1: return lx_sys_write(a0, a1, a2);
	case 2: return lx_sys_openat((u64)AT_FDCWD, a0, a1, a2);
	case 3: return lx_sys_close(a0);
	case 4:
	case 6: return lx_sys_newfstatat((u64)AT_FDCWD, a0, a1, 0);
	case 5: return lx_sys_fstat(a0, a1);
	case 8: return lx_sys_lseek(a0, a1, a2);
	case 9: return lx_sys_mmap(a0, a1, a2, a3, a4, a5);
	case 10: return lx_sys_mprotect(a0, a1, a2);
	case 11: return lx_sys_munmap(a0, a1);
	case 12: return lx_sys_brk(a0);
	case 13: return lx_sys_rt_sigaction(a0, a1, a2, a3);
	case 14: return lx_sys_rt_sigprocmask(a0, a1, a2, a3);
	case 15:
		*restore_all = true;
		return lx_sys_rt_sigreturn(f);
	case 16: return lx_sys_ioctl(a0, a1, a2);
	case 20: return lx_sys_writev(a0, a1, a2);
	case 24: schedule(); return 0;
	case 28: return lx_sys_madvise(a0, a1, a2);
	case 34: return lx_sys_pause();
	case 35: return lx_sys_nanosleep(a0, a1);
	case 39: return current->lx.proc->pid;
	case 56: return lx_sys_clone(f, a0, a1, a2, a3, a4);
	case 57: return lx_sys_clone(f, LX_SIGCHLD, 0, 0, 0, 0);
	case 58: return lx_sys_clone(f, 0x4000 | 0x100 | LX_SIGCHLD, 0, 0, 0, 0);
	case 60: lx_exit_thread((long)a0);
	case 61: return lx_sys_wait4(a0, a1, a2, a3);
	case 62: return lx_sys_kill(a0, a1);
	case 63: return sys_uname(a0);
	case 89: return lx_sys_readlink(a0, a1, a2);
	case 96: return sys_gettimeofday(a0, a1);
	case 101: return lx_sys_ptrace(a0, a1, a2, a3);
	case 102: case 104: case 107: case 108: return 0; /* root */
	case 110: return sys_getppid();
	case 131: return lx_sys_sigaltstack(a0, a1, f);
	case 158: return lx_sys_arch_prctl(a0, a1);
	case 186: return current->id;
	case 200: return lx_sys_tgkill(current->lx.proc->pid, a0, a1);
	case 201: {
		u64 t = now_ns() / 1000000000UL + LX_EPOCH_AT_BOOT;
		if (a0 && lx_copy_to_user(a0, &t, 8))
			return -EFAULT;
		return (long)t;
	}
	case 202: return lx_sys_futex(a0, a1, a2, a3, a4, a5);
	case 218:
		current->lx.clear_child_tid = a0;
		return current->id;
	case 228: return sys_clock_gettime(a0, a1);
	case 229: return sys_clock_getres(a0, a1);
	case 230: return a1 & 1 ? -EINVAL : lx_sys_nanosleep(a2, a3);
	case 231: lx_exit_group(LX_WEXITED((int)a0));
	case 234: return lx_sys_tgkill(a0, a1, a2);
	case 257: return lx_sys_openat(a0, a1, a2, a3);
	case 262: return lx_sys_newfstatat(a0, a1, a2, a3);
	case 273: return 0; /* set_robust_list: no robust futexes are cleaned up */
	case 302: return sys_prlimit64(a0, a1, a2, a3);
	case 318: return sys_getrandom(a0, a1, a2);
	case 453: return lx_sys_map_shadow_stack(a0, a1, a2);
	case 334: /* rseq */
	case 435: /* clone3: glibc falls back to clone */
		return -ENOSYS;
	default:
		lx_log_enosys(false, f->rax);
		return -ENOSYS;
	}
}

int lx_syscall(struct trap_frame *f)
{
	bool restore_all = false;
	long ret = dispatch(f, &restore_all);

	f->rax = (u64)ret;
	if (lx_signal_check(f))
		restore_all = true;
	return restore_all || !(f->rip < USER_TOP && va_is_canonical(f->rip));
}
