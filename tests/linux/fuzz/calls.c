/*
 * lxfuzz's calls: a table of Linux system calls (number, weight, argument
 * kinds), pools of adversarial values per kind, the few changes that keep
 * a call from killing the supervisor rather than the instance, and the
 * check of each result.
 */
#include "fz.h"
#include "splitmix.h"

enum kind { K_0, K_PTR, K_LEN, K_FD, K_FLAGS, K_PROT, K_PID, K_SIG, K_TS, K_PATH, K_CLONE,
	    K_ARCH, K_HANDLER, K_SMALL, K_ANY };

/* Not syscall numbers: picks that the table handles itself. */
#define NR_ENOSYS (~0UL)
#define NR_FORGED (~1UL)
#define NR_IA32 (~2UL)
/* How a result of an ia32 call names its number: bit 31 set. */
#define IA32_NR(n) (0x80000000UL | (n))

struct fz_entry {
	u64 nr;
	const char *name;
	unsigned weight;
	unsigned char k[6];
};

static const struct fz_entry table[] = {
	{ 0, "read", 20, { K_FD, K_PTR, K_LEN } },
	{ 1, "write", 20, { K_FD, K_PTR, K_LEN } },
	{ 2, "open", 10, { K_PATH, K_FLAGS, K_SMALL } },
	{ 3, "close", 10, { K_FD } },
	{ 4, "stat", 5, { K_PATH, K_PTR } },
	{ 5, "fstat", 10, { K_FD, K_PTR } },
	{ 8, "lseek", 8, { K_FD, K_ANY, K_SMALL } },
	{ 9, "mmap", 40, { K_PTR, K_LEN, K_PROT, K_FLAGS, K_FD, K_LEN } },
	{ 10, "mprotect", 35, { K_PTR, K_LEN, K_PROT } },
	{ 11, "munmap", 30, { K_PTR, K_LEN } },
	{ 12, "brk", 10, { K_PTR } },
	{ 13, "rt_sigaction", 30, { K_SIG, K_PTR, K_PTR, K_SMALL } },
	{ 14, "rt_sigprocmask", 15, { K_SMALL, K_PTR, K_PTR, K_SMALL } },
	{ 16, "ioctl", 10, { K_FD, K_ANY, K_PTR } },
	{ 20, "writev", 10, { K_FD, K_PTR, K_SMALL } },
	{ 24, "sched_yield", 3, { 0 } },
	{ 28, "madvise", 15, { K_PTR, K_LEN, K_SMALL } },
	{ 35, "nanosleep", 5, { K_TS, K_PTR } },
	{ 39, "getpid", 3, { 0 } },
	{ 56, "clone", 30, { K_CLONE, K_PTR, K_PTR, K_PTR, K_PTR } },
	{ 57, "fork", 8, { 0 } },
	{ 58, "vfork", 8, { 0 } },
	{ 60, "exit", 1, { K_ANY } },
	{ 61, "wait4", 20, { K_PID, K_PTR, K_SMALL, K_PTR } },
	{ 62, "kill", 20, { K_PID, K_SIG } },
	{ 63, "uname", 10, { K_PTR } },
	{ 89, "readlink", 8, { K_PATH, K_PTR, K_LEN } },
	{ 96, "gettimeofday", 5, { K_PTR, K_PTR } },
	{ 102, "getuid", 2, { 0 } },
	{ 110, "getppid", 2, { 0 } },
	{ 131, "sigaltstack", 25, { K_PTR, K_PTR } },
	{ 158, "arch_prctl", 50, { K_ARCH, K_PTR } },
	{ 186, "gettid", 2, { 0 } },
	{ 200, "tkill", 10, { K_PID, K_SIG } },
	{ 201, "time", 3, { K_PTR } },
	{ 202, "futex", 20, { K_PTR, K_SMALL, K_ANY, K_TS, K_PTR, K_ANY } },
	{ 218, "set_tid_address", 5, { K_PTR } },
	{ 228, "clock_gettime", 8, { K_SMALL, K_PTR } },
	{ 229, "clock_getres", 5, { K_SMALL, K_PTR } },
	{ 230, "clock_nanosleep", 5, { K_SMALL, K_SMALL, K_TS, K_PTR } },
	{ 231, "exit_group", 1, { K_ANY } },
	{ 234, "tgkill", 10, { K_PID, K_PID, K_SIG } },
	{ 257, "openat", 10, { K_FD, K_PATH, K_FLAGS, K_SMALL } },
	{ 262, "newfstatat", 8, { K_FD, K_PATH, K_PTR, K_FLAGS } },
	{ 273, "set_robust_list", 2, { K_PTR, K_LEN } },
	{ 302, "prlimit64", 10, { K_PID, K_SMALL, K_PTR, K_PTR } },
	{ 318, "getrandom", 10, { K_PTR, K_LEN, K_SMALL } },
	{ 453, "map_shadow_stack", 45, { K_PTR, K_LEN, K_SMALL } },
	{ NR_FORGED, "forged_sigreturn", 6, { 0 } },
	{ NR_IA32, "int80", 30, { K_ANY, K_PTR, K_PTR, K_SMALL, K_ANY, K_ANY } },
	{ NR_ENOSYS, "unimplemented", 15, { K_ANY, K_ANY, K_ANY, K_ANY, K_ANY, K_ANY } },
};

/* Linux's TASK_SIZE_MAX: the first address past the user half. */
#define USER_TOP 0x00007ffffffff000UL

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

/*
 * Numbers the personality does not implement (kernel/linux/syscall.c):
 * Linux calls it has none of, ones past Linux's table, the x32 bit and
 * a number with every bit of the low 32 set.
 */
static const u64 enosys_nrs[] = { 7, 17, 19, 22, 32, 33, 41, 59, 83, 100, 130, 157, 232,
				  254, 281, 299, 334, 435, 451, 462, 463, 512, 1023,
				  0x40000000 | 39, 0xffffffff };

unsigned fz_table_size(void)
{
	return TABLE_SIZE;
}

const char *fz_table_name(unsigned i)
{
	return table[i].name;
}

/* splitmix64: call i's generator starts from (seed, i) alone. */
static u64 rng_state;
static u64 fz_rnd(void)
{
	return splitmix64(&rng_state);
}

static u64 fz_pick(const u64 *pool, u64 n)
{
	return pool[fz_rnd() % n];
}

#define POOL(...)                                                                  \
	({                                                                         \
		const u64 p_[] = { __VA_ARGS__ };                                  \
		fz_pick(p_, sizeof(p_) / sizeof(p_[0]));                              \
	})

static u64 fz_arena(void)
{
	return ctl.region + FZ_STACK_PAGES * PAGE;
}

static u64 fz_ptr(void)
{
	u64 a = fz_arena();
	switch (fz_rnd() % 16) {
	case 0: return 0;
	case 1: return a + (fz_rnd() % (FZ_ARENA_PAGES * PAGE / 8)) * 8;
	case 2: return a + fz_rnd() % (FZ_ARENA_PAGES * PAGE); /* unaligned too */
	case 3: return a + FZ_GUARD_PAGE * PAGE - 1 - fz_rnd() % 8; /* straddles the guard */
	case 4: return a + FZ_GUARD_PAGE * PAGE + fz_rnd() % PAGE;	 /* in the guard page */
	case 5:
		return POOL(0xffff800000000000UL, 0xffffffff80000000UL, 0xffffffff80200000UL,
			    0xfffffe0000000000UL, 0xfffffc0000000000UL, 0xffffffffffffffffUL,
			    0xfffffffffffff000UL); /* kernel half */
	case 6:
		return POOL(0x0000800000000000UL, 0x8000000000000000UL, 0x00007ffffffff000UL,
			    0x00007ffffffffff8UL, 0x0000ffffffffffffUL, 0x7fffffffffffffffUL);
	case 7: {
		u64 s = ctl.shstk[fz_rnd() % FZ_SHSTKS];
		return s ? s + POOL(0, 8, 0xff8, 0x1000, (u64)-8, (u64)-0x1000, 3) : a;
	}
	case 8: {
		u64 s = fz_rdssp();
		return s ? s + POOL(0, 8, (u64)-8, 0x1000, 1) : a + 64;
	}
	case 9: return 0x00007e0000000000UL + fz_rnd() % (1UL << 32); /* cetbed's legacy bitmap */
	case 10: return POOL(0x1000, 0xfff, 0x400000, 0x100000000UL, 0x10000);
	case 11: return ctl.region + fz_rnd() % (FZ_STACK_PAGES * PAGE); /* the instance's stack */
	case 12: return fz_rnd();
	case 13: return fz_rnd() & 0x00007ffffffff000UL;
	default: return a + (fz_rnd() % 64) * 64;
	}
}

static u64 fz_len(void)
{
	switch (fz_rnd() % 4) {
	case 0: return POOL(0, 1, 7, 8, 4095, 4096, 4097, 8192, 0x10000);
	case 1:
		return POOL(1UL << 20, 1UL << 32, 1UL << 47, ~0UL, ~0UL - 4095, 1UL << 63,
			    0x7ffffffff000UL, 0x80000000UL);
	case 2: return fz_rnd() % (4 * PAGE);
	default: return (fz_rnd() % 32) * PAGE;
	}
}

static u64 fz_pid(void)
{
	switch (fz_rnd() % 6) {
	case 0: return ctl.my_pid;
	case 1: return ctl.kids[fz_rnd() % FZ_KIDS];
	case 2: return POOL(0, (u64)-1, (u64)-2, 0x7fffffff, 0x80000000UL, 1, 2, 3);
	case 3: return (u64)fz_syscall(186, (u64[6]){ 0 }); /* gettid */
	case 4: return ctl.my_pid | (fz_rnd() << 32); /* garbage above the low 32 bits */
	default: return fz_rnd() % 64;
	}
}

/*
 * A timespec in the arena that sleeps at most 200 us, an invalid one, or a
 * pointer the kernel cannot read; never arena words of unknown value,
 * which could ask for a sleep longer than the run.
 */
static u64 fz_ts(void)
{
	u64 *t = (u64 *)(fz_arena() + 0x800);
	switch (fz_rnd() % 5) {
	/* No call can map these (an instance may map 0x1000 or its guard page). */
	case 0: return POOL(0xffffffff80000000UL, 0x0000800000000000UL, 3);
	case 1: return POOL(0, 0x00007ffffffffff8UL, 0xfffffffffffffff0UL);
	case 2: t[0] = 0; t[1] = 1000000000UL + fz_rnd() % 1000; break; /* tv_nsec too big */
	case 3: t[0] = (u64)-1; t[1] = 0; break;		      /* negative */
	default: t[0] = 0; t[1] = fz_rnd() % 200000; break;
	}
	return (u64)t;
}

static u64 fz_path(void)
{
	static const char *const paths[] = { "/dev/null", "/proc/self/maps", "/proc/self/mem",
					     "/proc/self/exe", "", "/", "/nonexistent",
					     "/proc/self/maps/x" };
	if (fz_rnd() % 3 == 0)
		return fz_ptr();
	return (u64)paths[fz_rnd() % (sizeof(paths) / sizeof(paths[0]))];
}

static u64 fz_arg(int kind)
{
	switch (kind) {
	case K_PTR: return fz_ptr();
	case K_LEN: return fz_len();
	case K_FD: return POOL(0, 1, 2, 3, 4, 5, 15, 16, 100, (u64)-1, (u64)-100, 0x100000003UL);
	case K_FLAGS: return fz_rnd() % 3 ? fz_rnd() & POOL(0xff, 0x1ff, 0xfff, 0x1fffff) : fz_rnd();
	case K_PROT: return fz_rnd() % 8 ? fz_rnd() % 8 : fz_rnd();
	case K_PID: return fz_pid();
	case K_SIG: return fz_rnd() % 8 ? fz_rnd() % 66 : fz_rnd();
	case K_TS: return fz_ts();
	case K_PATH: return fz_path();
	case K_CLONE: {
		/* CSIGNAL, VM, FS, FILES, SIGHAND, VFORK, PARENT, THREAD, SETTLS, *TID. */
		u64 f = fz_rnd() & 0x013f4fffUL;
		return fz_rnd() % 8 ? f : fz_rnd();
	}
	case K_ARCH:
		return fz_rnd() % 8 ? POOL(0x1001, 0x1002, 0x1003, 0x1004, 0x5001, 0x5002, 0x5003,
					0x5004, 0x5005, 0x3001, 0x3002, 0x2001, 0x4001, 0x5006)
				 : fz_rnd() % 0x10000;
	case K_SMALL: return fz_rnd() % 8 ? fz_rnd() % 16 : fz_rnd();
	case K_ANY: return fz_rnd();
	default: return 0;
	}
}

static int fz_overlaps(u64 a, u64 end, u64 lo, u64 hi)
{
	return a < hi && end > lo;
}

/*
 * Calls that unmap or change pages must leave the supervisor's image and
 * stack alone (the instance shares them): a range reaching into either is
 * cut short in front of it, or moved to the arena if it starts inside.
 */
static void fz_spare_supervisor(u64 *a, u64 *n)
{
	u64 end = *a + *n < *a ? ~0UL : *a + *n;
	const u64 lo[2] = { ctl.img_lo, ctl.stk_lo }, hi[2] = { ctl.img_hi, USER_TOP };
	for (int i = 0; i < 2; i++) {
		if (!fz_overlaps(*a, end, lo[i], hi[i]))
			continue;
		if (*a < lo[i]) {
			*n = lo[i] - *a;
			end = lo[i];
		} else {
			*a = fz_arena();
			*n = end - *a < FZ_ARENA_PAGES * PAGE ? end - *a : FZ_ARENA_PAGES * PAGE;
			end = *a + *n;
		}
	}
}

/* The few changes that keep the supervisor alive; the rest stays random. */
static void fz_make_safe(u64 nr, u64 *a)
{
	switch (nr) {
	case 9:
		if (a[3] & 0x100010) /* MAP_FIXED / MAP_FIXED_NOREPLACE */
			fz_spare_supervisor(&a[0], &a[1]);
		break;
	case 10:
	case 11:
	case 28:
		fz_spare_supervisor(&a[0], &a[1]);
		break;
	case 1:
	case 20:
		if (a[0] == 1 || a[0] == 2) /* random bytes would flood the log */
			a[0] = 100;
		break;
	case 62:
	case 200:
		if ((int)a[0] == (int)ctl.sup_pid || (int)a[0] == -(int)ctl.sup_pid)
			a[0] = ctl.my_pid;
		break;
	case 234:
		if ((int)a[0] == (int)ctl.sup_pid || (int)a[1] == (int)ctl.sup_pid)
			a[1] = ctl.my_pid + 1000;
		break;
	case 56:
		/* CLONE_PARENT makes us the child's parent: its exit signal stays SIGCHLD. */
		if (a[0] & 0x8000)
			a[0] = (a[0] & ~0xffUL) | 17;
		break;
	}
}

static void fz_record_bad(u64 index, u64 nr, const u64 *a, long ret, const char *why)
{
	if (ctl.bad_why)
		return;
	ctl.bad_index = index;
	ctl.bad_nr = nr;
	for (int i = 0; i < 6; i++)
		ctl.bad_args[i] = a[i];
	ctl.bad_ret = ret;
	ctl.bad_why = why;
}

/* A value, or -errno with errno in Linux's range; some calls say more. */
static void fz_check(u64 index, u64 nr, const u64 *a, long ret, int unimplemented)
{
	if (ret < 0 && ret >= -4095) {
		ctl.errnos++;
		if (-ret > EHWPOISON)
			fz_record_bad(index, nr, a, ret, "-errno beyond Linux's errno range");
		else if (unimplemented && ret != -ENOSYS)
			fz_record_bad(index, nr, a, ret, "an unimplemented number must give -ENOSYS");
		return;
	}
	ctl.values++;
	if (ret < 0)
		fz_record_bad(index, nr, a, ret, "negative, but not -errno");
	else if (unimplemented)
		fz_record_bad(index, nr, a, ret, "an unimplemented number succeeded");
	else if ((nr == 9 || nr == 453) && ((ret & (PAGE - 1)) || (u64)ret >= 0x800000000000UL))
		fz_record_bad(index, nr, a, ret, "a mapping that is not a user page address");
	else if ((nr == 10 || nr == 11 || nr == 28) && a[0] >= USER_TOP && a[1])
		/* mm/mmap.c, mprotect.c, madvise.c: nothing there is the caller's. */
		fz_record_bad(index, nr, a, ret, "a change to pages outside the user half succeeded");
	else if ((nr == 39 || nr == 186) && ret == 0)
		fz_record_bad(index, nr, a, ret, "a process or thread id of 0");
}

/*
 * The handler fuzzed rt_sigaction installs.  A fault signal exits the task:
 * returning would run the faulting instruction again, forever.
 */
static void fz_handler(int sig)
{
	if (sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11)
		sys(60, 100 + (u64)sig, 0, 0, 0);
}

/* A rt_sigreturn frame (Linux's ucontext + siginfo) of random words. */
static void __attribute__((noreturn)) fz_forge_sigreturn(void)
{
	u64 *f = (u64 *)(fz_arena() + PAGE + (fz_rnd() % 64) * 8);
	for (int i = 0; i < 64; i++)
		f[i] = fz_rnd() % 4 ? fz_arg(fz_rnd() % 2 ? K_PTR : K_SMALL) : fz_rnd();
	/* uc_mcontext: r8 at word 5 ... rip at 21, eflags 22, csgsfs 23, fpstate 28. */
	f[21] = fz_rnd() % 3 ? (u64)fz_landing : fz_ptr();
	f[20] = fz_rnd() % 2 ? (u64)(f + 40) : fz_ptr(); /* rsp */
	f[23] = fz_rnd() % 2 ? 0x33 | (0x2bUL << 48) : fz_rnd();
	if (fz_rnd() % 2)
		f[28] = 0;
	u64 slot = POOL(0, 1, (u64)fz_landing, 0x8000000000000000UL, ~0UL,
			0x8000000000000000UL | (u64)(f + 40), fz_rdssp() | 1, fz_rdssp() + 8) ^
		   (fz_rnd() % 4 ? 0 : fz_rnd());
	fz_forged_sigreturn((u64)f, slot, ctl.wrss && fz_rnd() % 2);
}

/*
 * The page ia32 calls point into: a sigaction struct at 0x100, and at 0 a
 * 32-bit handler that ends the instance (mov $252, %eax; mov $7, %ebx;
 * int $0x80: exit_group(7)).
 */
static u64 fz_low_page(void)
{
	static const unsigned char handler[] = { 0xb8, 252, 0, 0, 0, 0xbb, 7, 0, 0, 0, 0xcd, 0x80 };

	if (!ctl.low) {
		/* PROT_READ|WRITE|EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT */
		long p = fz_syscall(9, (u64[6]){ 0, PAGE, 7, 0x62, (u64)-1, 0 });
		if (p < 0 || (u64)p >= 0x80000000UL)
			return 0;
		for (unsigned i = 0; i < sizeof(handler); i++)
			((unsigned char *)p)[i] = handler[i];
		ctl.low = (u64)p;
	}
	return ctl.low;
}

/* An ia32 call: a number Linux's syscall_32.tbl has (mostly the personality's). */
static long fz_ia32(u64 *nr, u64 *a)
{
	u64 n = fz_rnd() % 8 ? POOL(4, 20, 37, 67, 67, 119, 173, 174, 174, 224) : fz_rnd() % 460;
	u64 low = fz_low_page();
	u32 *act = (u32 *)(low + 0x100);

	if (n == 37 || n == 67 || n == 174)
		a[n == 37] = fz_arg(K_SIG);
	if ((n == 67 || n == 174) && low && fz_rnd() % 3) {
		/* handler, then the old (mask, flags, restorer) or rt (flags, restorer, mask) order */
		act[0] = (u32)POOL(0, 1, low, low, low + 1, 0x7fffffff);
		u32 flags = fz_rnd() % 2 ? 0x04000000 | (fz_rnd() & 0x48000004) : (u32)fz_rnd();
		u32 restorer = (u32)(fz_rnd() % 2 ? low : fz_rnd());
		act[1] = n == 67 ? (u32)fz_rnd() : flags;
		act[2] = n == 67 ? flags : restorer;
		act[3] = n == 67 ? restorer : (u32)fz_rnd();
		act[4] = (u32)fz_rnd();
		a[1] = (u64)act;
	}
	if (n == 37 && ((int)a[0] == (int)ctl.sup_pid || (int)a[0] == -(int)ctl.sup_pid))
		a[0] = ctl.my_pid;
	if (n == 4 && (u32)a[0] >= 1 && (u32)a[0] <= 2)
		a[0] = 100;
	*nr = IA32_NR(n);
	long ret = fz_int80(n, a);
	/* Half the handlers installed are tried at once: kill(self) through INT 0x80. */
	if ((n == 67 || n == 174) && ret == 0 && a[1] == (u64)act && fz_rnd() % 2)
		fz_int80(37, (u64[6]){ ctl.my_pid, a[0] });
	return ret;
}

void fz_call(u64 index)
{
	u64 a[6] = { 0, 0, 0, 0, 0, 0 }, total = 0;

	rng_state = ctl.seed ^ (index * 0xd1342543de82ef95UL);
	fz_rnd();
	for (unsigned i = 0; i < TABLE_SIZE; i++)
		total += table[i].weight;
	u64 w = fz_rnd() % total;
	unsigned i = 0;
	while (w >= table[i].weight)
		w -= table[i++].weight;
	const struct fz_entry *e = &table[i];
	for (int k = 0; k < 6; k++)
		a[k] = fz_arg(e->k[k]);
	ctl.per_call[i]++;

	u64 nr = e->nr;
	int unimplemented = nr == NR_ENOSYS;
	if (unimplemented) {
		nr = enosys_nrs[fz_rnd() % (sizeof(enosys_nrs) / sizeof(enosys_nrs[0]))];
		ctl.enosys++;
	}
	if (nr == NR_FORGED)
		fz_forge_sigreturn();
	if (nr == 13) {
		/* Handlers: default, ignore, ours with our restorer, or garbage. */
		u64 *act = (u64 *)(fz_arena() + 0x400);
		act[0] = POOL(0, 1, 2, 3, 0xffffffff80000000UL);
		if (fz_rnd() % 2)
			act[0] = (u64)fz_handler;
		act[1] = fz_rnd() % 2 ? 0x04000000 | (fz_rnd() & 0x48000000) : fz_rnd(); /* SA_RESTORER.. */
		act[2] = fz_rnd() % 4 ? (u64)fz_restorer : fz_ptr();
		act[3] = fz_rnd();
		if (fz_rnd() % 3)
			a[1] = (u64)act;
	}
	fz_make_safe(nr, a);
#ifdef FZ_TRACE
	fz_puts("trace ");
	fz_putu(index);
	fz_puts(" nr ");
	fz_putu(nr);
	for (int k = 0; k < 6; k++) {
		fz_puts(" ");
		fz_putx(a[k]);
	}
	fz_puts("\n");
#endif
	u64 t0 = __builtin_ia32_rdtsc();
	long ret = nr == NR_IA32		  ? fz_ia32(&nr, a)
		   : nr >= 56 && nr <= 58 ? fz_clone(nr, a)
					  : fz_syscall(nr, a);
	ctl.tsc_call[i] += __builtin_ia32_rdtsc() - t0;
	if ((nr == 56 || nr == 57 || nr == 58) && ret > 0)
		ctl.kids[fz_rnd() % FZ_KIDS] = (u64)ret;
	if (nr == 453 && ret > 0)
		ctl.shstk[fz_rnd() % FZ_SHSTKS] = (u64)ret;
	fz_check(index, nr, a, ret, unimplemented);
}
