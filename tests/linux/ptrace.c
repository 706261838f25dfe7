/*
 * ptrace on a shadow-stack tracee, the way a debugger moves its SSP: the
 * errnos Linux gives for each bad request (kernel/ptrace.c's
 * ptrace_check_attach and ptrace_regset, arch/x86/kernel/fpu/regset.c's
 * ssp_get/ssp_set: one 8-byte register, below TASK_SIZE_MAX, 8-aligned),
 * and that an SSP moved by 8 makes the tracee's next RET take a #CP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lt.h"
#include "lt_cet.h"

/* Linux's TASK_SIZE_MAX with 4-level paging. */
#define TASK_SIZE_MAX_LINUX 0x00007ffffffff000UL

static long regset(int req, pid_t pid, long type, void *buf, size_t len, size_t *len_out)
{
	struct iovec iov = { buf, len };
	long r = ptrace(req, pid, (void *)type, &iov);
	if (len_out)
		*len_out = iov.iov_len;
	return r ? -errno : 0;
}

static long set_ssp(pid_t pid, uint64_t ssp, size_t len)
{
	uint64_t v[2] = { ssp, 0 };
	return regset(PTRACE_SETREGSET, pid, NT_X86_SHSTK_LINUX, v, len, NULL);
}

/* Stops itself for its tracer, then returns from here to a moved SSP. */
static void __attribute__((noinline)) tracee_stop(void)
{
	raise(SIGTRAP);
}

static void tracee(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(2);
	/* A second TRACEME: already traced, Linux says EPERM. */
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != -1 || errno != EPERM)
		_exit(3);
	tracee_stop();
	_exit(0); /* reached only if the moved SSP went unnoticed */
}

static void check_bad_requests(pid_t pid, uint64_t ssp)
{
	uint64_t got = 0;
	size_t len = 0;

	/* ptrace_regset: a length that is no multiple of 8, or an unknown note type. */
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &got, 7, NULL), -EINVAL);
	LT_EQ(regset(PTRACE_GETREGSET, pid, 0x999, &got, 8, NULL), -EINVAL);
	LT_EQ(ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_SHSTK_LINUX, (void *)8) ? -errno : 0,
	      -EFAULT);
	/* A longer buffer is cut to the one register and the length says so. */
	uint64_t two[2] = { 0, 0 };
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, two, 16, &len), 0);
	LT_EQ(len, 8);
	LT_EQ(two[0], ssp);
	/* ssp_set: exactly 8 bytes, 8-aligned, below TASK_SIZE_MAX. */
	LT_EQ(set_ssp(pid, ssp, 0), -EINVAL);
	LT_EQ(set_ssp(pid, ssp, 9), -EINVAL);
	LT_EQ(set_ssp(pid, ssp + 1, 8), -EINVAL);
	LT_EQ(set_ssp(pid, ssp + 4, 8), -EINVAL);
	LT_EQ(set_ssp(pid, 0xffffffffffff0000UL, 8), -EINVAL);
	LT_EQ(set_ssp(pid, TASK_SIZE_MAX_LINUX, 8), -EINVAL);
	/* A rejected value changed nothing. */
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &got, 8, NULL), 0);
	LT_EQ(got, ssp);
	/* The last user address that may hold an SSP is accepted, then put back. */
	LT_EQ(set_ssp(pid, TASK_SIZE_MAX_LINUX - 8, 8), 0);
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &got, 8, NULL), 0);
	LT_EQ(got, TASK_SIZE_MAX_LINUX - 8);
	LT_EQ(set_ssp(pid, ssp, 16), 0); /* 16 is cut to 8 like the read */
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &got, 8, NULL), 0);
	LT_EQ(got, ssp);
	/* PTRACE_DETACH with no valid signal number: EIO, still traced. */
	LT_EQ(ptrace(PTRACE_DETACH, pid, NULL, (void *)1000) ? -errno : 0, -EIO);
}

static int ptrace_body(void)
{
	uint64_t ssp = 0;
	size_t len = 0;
	int status = 0;

	/* Not a tracee: itself, a missing pid, and a child that never asked. */
	LT_EQ(regset(PTRACE_GETREGSET, getpid(), NT_X86_SHSTK_LINUX, &ssp, 8, NULL), -ESRCH);
	LT_EQ(regset(PTRACE_GETREGSET, 99999, NT_X86_SHSTK_LINUX, &ssp, 8, NULL), -ESRCH);
	pid_t other = fork();
	if (!other) {
		struct timespec ts = { 30, 0 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	LT_EQ(regset(PTRACE_GETREGSET, other, NT_X86_SHSTK_LINUX, &ssp, 8, NULL), -ESRCH);
	LT_EQ(ptrace(PTRACE_DETACH, other, NULL, NULL) ? -errno : 0, -ESRCH);
	kill(other, SIGKILL);
	waitpid(other, &status, 0);

	pid_t pid = fork();
	if (!pid)
		tracee();
	LT_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFSTOPPED(status)) {
		LT_EQ(status, 0x57f); /* stopped by SIGTRAP */
		return 1;
	}
	LT_EQ(WSTOPSIG(status), SIGTRAP);
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &ssp, 8, &len), 0);
	LT_EQ(len, 8);
	LT_CHECK(ssp != 0 && ssp < TASK_SIZE_MAX_LINUX);
	LT_EQ(ssp & 7, 0);
	check_bad_requests(pid, ssp);
	/* Stopped, but only to its tracer: a sibling process gets ESRCH. */
	pid_t sib = fork();
	if (!sib)
		_exit(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &ssp, 8, NULL) == -ESRCH ? 0 : 1);
	LT_EQ(waitpid(sib, &status, 0), sib);
	LT_EQ(status, 0);
	/* One entry dropped: tracee_stop's RET finds the wrong return address. */
	LT_EQ(set_ssp(pid, ssp + 8, 8), 0);
	LT_EQ(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &ssp, 8, NULL), -ESRCH);
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_CHECK(WIFSIGNALED(status));
	LT_EQ(WTERMSIG(status), SIGSEGV);
	printf("tracee after SSP+8: wait status 0x%x\n", status);
	return 0;
}

static volatile int chld_code, chld_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

/*
 * A tracee without a shadow stack: the SSP regset is not active (ENODEV),
 * and a detach with signal 0 drops the SIGTRAP it stopped with.
 */
static void check_no_shstk_tracee(void)
{
	int status = 0;
	uint64_t ssp = 0;
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO };

	sigaction(SIGCHLD, &sa, NULL);
	pid_t pid = fork();
	if (!pid) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		raise(SIGTRAP);
		_exit(0);
	}
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_EQ(status, 0x57f); /* stopped (0x7f) by SIGTRAP (5) */
	/* The tracer heard of the stop: SIGCHLD, CLD_TRAPPED, the stop signal. */
	LT_EQ(chld_code, CLD_TRAPPED);
	LT_EQ(chld_status, SIGTRAP);
	signal(SIGCHLD, SIG_DFL);
	LT_EQ(regset(PTRACE_GETREGSET, pid, NT_X86_SHSTK_LINUX, &ssp, 8, NULL), -ENODEV);
	LT_EQ(set_ssp(pid, 0x1000, 8), -ENODEV);
	LT_EQ(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_EQ(status, 0); /* exited 0: the SIGTRAP was not delivered */
}

/* A fault's signal stops a tracee too: INT3's SIGTRAP, dropped by the detach. */
static void check_fault_stop(void)
{
	int status = 0;
	pid_t pid = fork();

	if (!pid) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		asm volatile("int3");
		_exit(7);
	}
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_EQ(status, 0x57f); /* stopped by SIGTRAP, not killed by it (5) */
	LT_EQ(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_EQ(status, 0x700); /* INT3 is a trap: the child went on and exited 7 */
}

int lt_shstk_ptrace(int argc, char **argv)
{
	(void)argc, (void)argv;
	check_no_shstk_tracee();
	check_fault_stop();
	if (lt_failures)
		return 1;
	if (!cpu_has_shstk()) {
		printf("SKIP: CPUID.(7,0):ECX[7] CET_SS not enumerated\n");
		return LT_SKIP;
	}
	run_with_shstk(ptrace_body);
}
