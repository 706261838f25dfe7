/*
 * The Linux personality: static Linux x86-64 executables handed to the
 * kernel as boot modules, run with Linux's system-call numbers, memory,
 * signal and CET rules beside the native ABI (include/syscall.h).
 */
#ifndef CETBED_KERNEL_LINUX_H
#define CETBED_KERNEL_LINUX_H

#include "kernel/platform/bootinfo.h"
#include "kernel/uproc.h"
#include "kernel/linux_task.h"
#include "x86/trap.h"

/* One program run: a module and the argv to start it with. */
#define LX_RUNS_MAX 48
#define LX_ARGS_MAX 16
#define LX_NAME_MAX 40
struct lx_run {
	const struct boot_module *mod;
	char name[LX_NAME_MAX]; /* linux_<argv0 basename>: the KTAP test name */
	char words[BOOT_MODULE_CMDLINE];
	const char *argv[LX_ARGS_MAX + 1];
	int argc;
	/* shstk=on / ibt=on: turned on before the program starts, as a glibc tunable would. */
	bool force_shstk, force_ibt;
};

/* A mapping the process knows about; pages inside appear on first touch. */
#define LX_VMA_SHSTK (1U << 0)
#define LX_VMA_STACK (1U << 1)
#define LX_VMA_ELF (1U << 2) /* loaded up front from the file */
struct lx_vma {
	u64 start, end;
	u32 prot; /* PROT_* */
	u32 flags;
};

#define LX_NSIG 64
struct lx_sigaction {
	u64 handler, flags, restorer, mask;
};

enum lx_file_kind { LX_FILE_NONE, LX_FILE_STDIN, LX_FILE_CONSOLE, LX_FILE_NULL, LX_FILE_MAPS,
		    LX_FILE_MEM };
#define LX_FILES_MAX 16
struct lx_file {
	enum lx_file_kind kind;
	u64 pos;
	int out_fd; /* 1 or 2 for LX_FILE_CONSOLE */
	char *text;  /* LX_FILE_MAPS: the snapshot taken at open */
	u64 len;
	unsigned mem_pid; /* LX_FILE_MEM: whose memory, fixed at open (also after fork) */
};

/*
 * A Linux process: threads (CLONE_VM) share one, fork makes a copy.  The
 * pool is small on purpose: when it is used up, fork fails with -EAGAIN.
 */
#define LX_PROCS_MAX 8
#define LX_VMAS_MAX 96
struct lx_proc {
	bool used;
	unsigned pid;
	struct lx_proc *parent;
	struct task *leader;
	struct umem *mm;
	unsigned threads;     /* live tasks */
	bool exiting;	      /* exit_group or a fatal signal: every thread goes */
	bool ended;	      /* all threads gone: a zombie for wait4 */
	int wstatus;	      /* wait4 status once ended */
	struct lx_vma vma[LX_VMAS_MAX];
	unsigned nr_vma;
	u64 brk_start, brk;
	struct lx_sigaction act[LX_NSIG + 1];
	struct lx_file files[LX_FILES_MAX];
	u64 shstk_rlimit;
};

/* Seconds since 1970 at boot: a fixed wall clock (no RTC is read). */
#define LX_EPOCH_AT_BOOT 1764547200UL

/* Wait-status encodings (Linux's). */
#define LX_WEXITED(code) (((code) & 0xff) << 8)
#define LX_WSIGNALED(sig) ((sig) & 0x7f)

/* exec.c: the runs the boot modules describe, and creating one. */
unsigned lx_runs_collect(void);
extern struct lx_run lx_runs[LX_RUNS_MAX];
extern unsigned lx_nr_runs;
/* Builds the address space and main task; 0, or -errno with a one-line reason in p->err. */
int lx_exec(struct uproc *p, const struct lx_run *r);
/* Checks an image the way lx_exec does, without loading it; true if fine. */
bool lx_elf_check(const u8 *data, size_t size, char *err, size_t errsize);

/* run.c: one run as a KTAP test. */
struct test_case_run;
void lx_run_test(struct test_case_run *t, const struct lx_run *r);

/* syscall.c */
bool lx_current(void);
int lx_syscall(struct trap_frame *f);
/* Output from the program (fd 1 or 2), as it is written. */
void lx_console_write(struct uproc *p, int fd, const char *buf, size_t n);
/* The run printed all it may: further output is counted without copying it. */
bool lx_console_full(void);

/* mm.c */
int lx_vma_add(struct lx_proc *lp, u64 start, u64 end, u32 prot, u32 flags);
struct lx_vma *lx_vma_find(struct lx_proc *lp, u64 va);
/* Makes the pages of [va, va+len) present where a mapping allows it. */
int lx_populate(struct lx_proc *lp, u64 va, u64 len, bool write);
int lx_copy_to_user(u64 udst, const void *src, size_t n);
int lx_copy_from_user(void *dst, u64 usrc, size_t n);
/* A #PF on a page a mapping allows but that is not there yet: true if resolved. */
bool lx_demand_fault(struct lx_proc *lp, u64 va, u64 ec);
/* A top-down free range of size bytes (plus gap pages below), or -ENOMEM. */
long lx_unmapped_area(struct lx_proc *lp, u64 size, u64 gap);
long lx_sys_brk(u64 addr);
long lx_sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off);
long lx_sys_munmap(u64 addr, u64 len);
long lx_sys_mprotect(u64 addr, u64 len, u64 prot);
long lx_sys_madvise(u64 addr, u64 len, u64 advice);
void lx_unmap_range(struct lx_proc *lp, u64 start, u64 end);

/* fs.c */
void lx_files_init(struct lx_proc *lp);
void lx_files_copy(struct lx_proc *dst, const struct lx_proc *src);
void lx_files_close_all(struct lx_proc *lp);
long lx_sys_read(u64 fd, u64 buf, u64 len);
long lx_sys_write(u64 fd, u64 buf, u64 len);
long lx_sys_writev(u64 fd, u64 iov, u64 cnt);
long lx_sys_openat(u64 dirfd, u64 path, u64 flags, u64 mode);
long lx_sys_close(u64 fd);
long lx_sys_lseek(u64 fd, u64 off, u64 whence);
long lx_sys_fstat(u64 fd, u64 st);
long lx_sys_newfstatat(u64 dirfd, u64 path, u64 st, u64 flags);
long lx_sys_ioctl(u64 fd, u64 cmd, u64 arg);
long lx_sys_readlink(u64 path, u64 buf, u64 size);

/* signal.c */
#define LX_SIGILL 4
#define LX_SIGTRAP 5
#define LX_SIGABRT 6
#define LX_SIGBUS 7
#define LX_SIGFPE 8
#define LX_SIGKILL 9
#define LX_SIGUSR1 10
#define LX_SIGSEGV 11
#define LX_SIGCHLD 17
#define LX_SIGSTOP 19
#define LX_SEGV_MAPERR 1
#define LX_SEGV_ACCERR 2
#define LX_SEGV_CPERR 10
#define LX_SI_USER 0
#define LX_SI_KERNEL 0x80
#define LX_SI_TKILL (-6)
const char *lx_signal_name(int sig);
/* A ring-3 fault of a Linux task: becomes a signal (or ends the process). */
void lx_fault(struct trap_frame *f, u64 cr2);
/* On the way back to ring 3: delivers a pending signal; true if f changed. */
bool lx_signal_check(struct trap_frame *f);
long lx_sys_rt_sigaction(u64 sig, u64 act, u64 oact, u64 size);
long lx_sys_rt_sigprocmask(u64 how, u64 set, u64 oset, u64 size);
long lx_sys_rt_sigreturn(struct trap_frame *f);
long lx_sys_sigaltstack(u64 ss, u64 oss, const struct trap_frame *f);
/* ss_flags for a signal frame taken at sp: SS_ONSTACK, 0 or SS_DISABLE. */
int lx_altstack_flags(const struct task *t, u64 sp);
long lx_send_signal(struct task *t, int sig, int code);
long lx_sys_kill(u64 pid, u64 sig);
long lx_sys_tgkill(u64 tgid, u64 tid, u64 sig);

/* compat.c: the ia32 ABI, INT 0x80 (Linux's syscall_32.tbl numbers). */
#define LX_IA32_VECTOR 0x80
/* Linux's in-kernel sa_flags bit: the handler was installed through the ia32 ABI. */
#define LX_SA_IA32_ABI 0x02000000UL
/* The sa_flags bits sigaction keeps (Linux's UAPI_SA_FLAGS on x86); others read back as 0. */
#define LX_SA_UAPI_FLAGS 0xdc000807UL
void lx_ia32_syscall(struct trap_frame *f);
/* Names an unimplemented number once per run (kernel/linux/syscall.c). */
void lx_log_enosys(bool ia32, u64 nr);
/* Linux's 64-bit siginfo. */
struct lx_siginfo {
	s32 signo, errno_, code, pad;
	u64 addr; /* si_addr; for kill/tgkill: si_pid (low 32 bits), si_uid */
	u64 rest[13]; /* SIGCHLD: si_status in rest[0] */
};
/*
 * Builds Linux's ia32 frame below sp (rt_sigframe_ia32 for an SA_SIGINFO
 * handler, else sigframe_ia32) and points f at the handler; 0 or -EFAULT.
 */
int lx_ia32_setup_frame(struct trap_frame *f, int sig, const struct lx_sigaction *act, u64 sp,
			const struct lx_siginfo *info);

/* proc.c */
struct lx_proc *lx_proc_alloc(void);
/* The live process with this pid, or NULL. */
struct lx_proc *lx_proc_by_pid(unsigned pid);
void lx_proc_free(struct lx_proc *lp);
long lx_sys_clone(struct trap_frame *f, u64 flags, u64 sp, u64 ptid, u64 ctid, u64 tls);
long lx_sys_wait4(u64 pid, u64 status, u64 options, u64 rusage);
long lx_sys_futex(u64 uaddr, u64 op, u64 val, u64 timeout, u64 uaddr2, u64 val3);
long lx_sys_nanosleep(u64 req, u64 rem);
long lx_sys_pause(void);
void __noreturn lx_exit_thread(long code);
void __noreturn lx_exit_group(int wstatus);
/* Ends the whole process of the current task with a signal. */
void __noreturn lx_die_by_signal(int sig);
/* The task is switched in: its FS and GS bases. */
void lx_switch_in(struct task *t);
/* From the timer: wakes tasks whose sleep or futex timeout is due. */
void lx_timer_wake(void);

/* ptrace.c */
long lx_sys_ptrace(u64 req, u64 pid, u64 addr, u64 data);
/* A traced task stops at signal delivery; returns the signal to deliver (0: none). */
int lx_ptrace_stop(int sig);
/* wait4: a child's ptrace stop not reported yet, as its wait status. */
bool lx_ptrace_wait_stop(struct lx_proc *child, u32 *status);
/* The tracer's process ends: its tracees are let go. */
void lx_ptrace_release(struct lx_proc *tracer);

/* cet.c */
long lx_sys_arch_prctl(u64 code, u64 arg);
long lx_sys_map_shadow_stack(u64 addr, u64 size, u64 flags);
/* What a #CP or shadow-stack #PF looked like, for the log and the host's symbolizer. */
void lx_cet_report(const struct trap_frame *f, u64 cr2);
/* Turns shadow stacks / IBT on for a main task that has not run yet, where the CPU has them. */
void lx_force_cet(struct task *t, bool shstk, bool ibt);
/* A CLONE_VM thread's new shadow stack (size like Linux's), or 0 with shadow stacks off. */
long lx_thread_shstk(struct task *t, u64 stack_size);

#endif
