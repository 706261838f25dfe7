/*
 * lxfuzz SEED CALLS [FIRST]: makes calls FIRST (default 0) to CALLS-1, each
 * a random Linux system call; call i draws
 * its number and arguments from (SEED, i) alone, so the same two numbers
 * replay a run call for call (only results reused from earlier calls, such
 * as shadow stacks mapped and children made, depend on the calls before).
 *
 * The calls run in instances: children made with CLONE_VM | CLONE_VFORK,
 * each on a stack and arena of its own, that share the counters with this
 * supervisor.  An instance that kills itself (unmaps its stack, enables a
 * shadow stack and returns, takes a signal) is replaced by the next, from
 * the next call.  Shadow stacks are off, on, and on with WRSS in turn where
 * the CPU has them.  The supervisor never makes a random call itself; after
 * every 8th instance (and when it cannot map the next one's region) it
 * unmaps everything between the image and its own stack, so that what
 * instances mapped does not pile up.
 *
 * Exit status 0: every call returned a value or -errno (the kernel judges
 * the rest: no fault, no lost frame, no hang).  1: a bad result, printed
 * with its index and arguments.  2: bad arguments.
 */
#include "fz.h"

struct fz_ctl ctl;

extern char __executable_start[], _end[];

void *memset(void *d, int c, u64 n);
void *memset(void *d, int c, u64 n)
{
	for (u64 i = 0; i < n; i++)
		((volatile char *)d)[i] = (char)c;
	return d;
}

void *memcpy(void *d, const void *s, u64 n);
void *memcpy(void *d, const void *s, u64 n)
{
	for (u64 i = 0; i < n; i++)
		((volatile char *)d)[i] = ((const char *)s)[i];
	return d;
}

void fz_puts(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	sys(1, 1, (u64)s, n, 0);
}

void fz_putu(u64 v)
{
	char b[24];
	int i = 23;
	b[i] = '\0';
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	fz_puts(b + i);
}

void fz_putx(u64 v)
{
	char b[24];
	int i = 23;
	b[i] = '\0';
	do
		b[--i] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	b[--i] = 'x';
	b[--i] = '0';
	fz_puts(b + i);
}

static int fz_parse_u64(const char *s, u64 *out)
{
	u64 v = 0, base = 10;
	if (!s || !*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -1;
	}
	for (; *s; s++) {
		u64 d;
		if (*s >= '0' && *s <= '9')
			d = (u64)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (u64)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (u64)(*s - 'A' + 10);
		else
			return -1;
		if (v > (~0UL - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static u64 fz_now_ns(void)
{
	u64 ts[2] = { 0, 0 };
	sys(228, 1, (u64)ts, 0, 0); /* CLOCK_MONOTONIC */
	return ts[0] * 1000000000UL + ts[1];
}

/*
 * ARCH_SHSTK_ENABLE, inline: a new shadow stack starts empty, so the
 * function that enables it must never return (fz_instance does not).
 */
static inline __attribute__((always_inline)) long fz_enable_shstk(u64 feature)
{
	long ret;
	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(158UL), "D"(0x5001UL), "S"(feature)
		     : "rcx", "r11", "rdx", "r10", "r8", "r9", "memory");
	return ret;
}

/* The child's body: shadow stacks as its mode says, then calls until done. */
void __attribute__((noreturn)) fz_instance(void);
void __attribute__((noreturn)) fz_instance(void)
{
	ctl.my_pid = (u64)sys(39, 0, 0, 0, 0);
	ctl.wrss = 0;
	ctl.low = 0; /* a sweep may have unmapped the last instance's */
	if (ctl.mode >= 1 && !fz_enable_shstk(1)) {
		ctl.shstk_instances++;
		if (ctl.mode == 2 && !fz_enable_shstk(2))
			ctl.wrss = 1;
	}
	while (ctl.next < ctl.calls && !ctl.bad_why)
		fz_call(ctl.next++);
	sys(60, 0, 0, 0, 0);
	__builtin_unreachable();
}

/*
 * Everything an instance may have mapped: above the image, below our stack,
 * in two pieces around the 4 GiB that cetbed keeps for the IBT legacy
 * bitmap (no system call takes an address there).
 */
#define FZ_LEGACY_LO 0x00007e0000000000UL
#define FZ_LEGACY_HI (FZ_LEGACY_LO + (1UL << 32))
static int fz_sweep(void)
{
	u64 lo = (ctl.img_hi + (1UL << 21)) & ~(PAGE - 1); /* brk room stays */
	long r = sys(11, lo, FZ_LEGACY_LO - lo, 0, 0);
	if (!r)
		r = sys(11, FZ_LEGACY_HI, ctl.stk_lo - FZ_LEGACY_HI, 0, 0);
	if (r) {
		fz_puts("lxfuzz: FAIL the supervisor's munmap after an instance returned ");
		fz_putx((u64)r);
		fz_puts("\n");
		return -1;
	}
	return 0;
}

struct fz_ends {
	u64 instances, exited, signalled, sig[65], spawn_fail;
};

static int fz_run_instances(struct fz_ends *e)
{
	while (ctl.next < ctl.calls && !ctl.bad_why) {
		u64 args[6] = { 0, FZ_REGION, 3, 0x22, (u64)-1, 0 }; /* RW, MAP_PRIVATE|ANON */
		long region = fz_syscall(9, args);
		if (region < 0 && !fz_sweep()) /* no room left: sweep now */
			region = fz_syscall(9, args);
		if (region < 0) {
			fz_puts("lxfuzz: FAIL the supervisor's mmap for an instance: -");
			fz_putu((u64)-region);
			fz_puts("\n");
			return -1;
		}
		ctl.region = (u64)region;
		u64 arena = ctl.region + FZ_STACK_PAGES * PAGE;
		sys(10, arena + FZ_GUARD_PAGE * PAGE, PAGE, 0, 0);
		ctl.mode = (int)(e->instances % 3);
		u64 before = ctl.next;
		u64 t0 = __builtin_ia32_rdtsc();
		long pid = fz_spawn(arena);
		e->instances++;
		if (pid < 0) {
			/* No slot for a process: what instances left behind is reaped first. */
			e->spawn_fail++;
			int st;
			while (sys(61, (u64)-1, (u64)&st, 1, 0) > 0)
				;
			if (e->spawn_fail > 100) {
				fz_puts("lxfuzz: FAIL clone of an instance keeps failing: -");
				fz_putu((u64)-pid);
				fz_puts("\n");
				return -1;
			}
			continue;
		}
		int st = 0;
		long w = sys(61, (u64)pid, (u64)&st, 0, 0);
		ctl.tsc_spawn += __builtin_ia32_rdtsc() - t0;
		if (w != pid) {
			fz_puts("lxfuzz: FAIL wait4 for instance ");
			fz_putu((u64)pid);
			fz_puts(" returned ");
			fz_putx((u64)w);
			fz_puts("\n");
			return -1;
		}
		if (st & 0x7f) {
			e->signalled++;
			e->sig[st & 0x7f]++;
		} else {
			e->exited++;
		}
		/* An instance killed during its first call still used it up. */
		if (ctl.next == before)
			ctl.next++;
		while (sys(61, (u64)-1, (u64)&st, 1, 0) > 0)
			;
		/* A sweep costs as much as an instance on Bochs: one every 8. */
		t0 = __builtin_ia32_rdtsc();
		if (e->instances % 8 == 0 && fz_sweep())
			return -1;
		ctl.tsc_sweep += __builtin_ia32_rdtsc() - t0;
		sys(12, ctl.img_hi, 0, 0, 0); /* brk back down: ignore the result */
	}
	return 0;
}

static void fz_report(const struct fz_ends *e, u64 ns, u64 first)
{
	u64 made = (ctl.next < ctl.calls ? ctl.next : ctl.calls) - first;
	fz_puts("lxfuzz: ");
	fz_putu(made);
	fz_puts(" calls, ");
	fz_putu(ctl.values);
	fz_puts(" returned a value, ");
	fz_putu(ctl.errnos);
	fz_puts(" -errno (");
	fz_putu(ctl.enosys);
	fz_puts(" unimplemented numbers checked for -ENOSYS), ");
	fz_putu(made - ctl.values - ctl.errnos);
	fz_puts(" did not return\n");
	fz_puts("lxfuzz: ");
	fz_putu(e->instances);
	fz_puts(" instances: ");
	fz_putu(e->exited);
	fz_puts(" exited, ");
	fz_putu(e->signalled);
	fz_puts(" killed by a signal, ");
	fz_putu(e->spawn_fail);
	fz_puts(" spawns refused; ");
	fz_putu(ctl.shstk_instances);
	fz_puts(" ran with shadow stacks (off, on, on with WRSS in turn where enabling works)\n");
	fz_puts("lxfuzz: signals that ended instances (signal:count):");
	for (int s = 1; s <= 64; s++)
		if (e->sig[s]) {
			fz_puts(" ");
			fz_putu((u64)s);
			fz_puts(":");
			fz_putu(e->sig[s]);
		}
	fz_puts("\n");
	fz_puts("lxfuzz: ");
	fz_putu(ns / 1000000);
	fz_puts(" ms of platform time, ");
	fz_putu(ns ? made * 1000000000UL / ns : 0);
	fz_puts(" calls/s\n");
	/* Eight to a line: the kernel's console breaks lines at 200 characters. */
	for (unsigned i = 0; i < fz_table_size(); i++) {
		if (i % 8 == 0)
			fz_puts(i ? "\nlxfuzz: per call:" : "lxfuzz: per call:");
		fz_puts(" ");
		fz_puts(fz_table_name(i));
		fz_puts("=");
		fz_putu(ctl.per_call[i]);
	}
	fz_puts("\n");
	/* Where the time went: the three calls with the most TSC cycles. */
	u64 all = 0;
	for (unsigned i = 0; i < fz_table_size(); i++)
		all += ctl.tsc_call[i];
	fz_puts("lxfuzz: most TSC cycles:");
	for (int k = 0, done[3] = { -1, -1, -1 }; k < 3; k++) {
		int best = -1;
		for (unsigned i = 0; i < fz_table_size(); i++)
			if ((int)i != done[0] && (int)i != done[1] &&
			    (best < 0 || ctl.tsc_call[i] > ctl.tsc_call[best]))
				best = (int)i;
		done[k] = best;
		fz_puts(" ");
		fz_puts(fz_table_name((unsigned)best));
		fz_puts(" ");
		fz_putu(all ? ctl.tsc_call[best] * 100 / all : 0);
		fz_puts("%");
	}
	fz_puts(" of ");
	fz_putu(all);
	fz_puts(" in calls that returned; ");
	fz_putu(ctl.tsc_spawn);
	fz_puts(" from spawn to wait4, ");
	fz_putu(ctl.tsc_sweep);
	fz_puts(" in sweeps\n");
}

int fz_main(u64 *sp);
int fz_main(u64 *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	struct fz_ends e;

	memset(&e, 0, sizeof(e));
	if (argc < 3 || argc > 4 || fz_parse_u64(argv[1], &ctl.seed) ||
	    fz_parse_u64(argv[2], &ctl.calls) || (argc == 4 && fz_parse_u64(argv[3], &ctl.next))) {
		fz_puts("usage: lxfuzz SEED CALLS [FIRST] (decimal or 0x hex; calls FIRST..CALLS-1)\n");
		sys(231, 2, 0, 0, 0);
	}
	u64 first = ctl.next;
	ctl.img_lo = (u64)__executable_start & ~(PAGE - 1);
	ctl.img_hi = ((u64)_end + PAGE - 1) & ~(PAGE - 1);
	/* Our stack and the environment above it: 1 MiB below here up to the top. */
	ctl.stk_lo = (((u64)sp) & ~(PAGE - 1)) - (1UL << 20);
	ctl.sup_pid = (u64)sys(39, 0, 0, 0, 0);
	fz_puts("lxfuzz: seed ");
	fz_putx(ctl.seed);
	fz_puts(", ");
	fz_putu(ctl.calls);
	fz_puts(" calls (replay: lxfuzz ");
	fz_putx(ctl.seed);
	fz_puts(" ");
	fz_putu(ctl.calls);
	fz_puts(")\n");

	u64 t0 = fz_now_ns();
	int err = fz_run_instances(&e);
	fz_report(&e, fz_now_ns() - t0, first);
	if (ctl.bad_why) {
		fz_puts("lxfuzz: FAIL call ");
		fz_putu(ctl.bad_index);
		fz_puts(": system call ");
		fz_putu(ctl.bad_nr);
		fz_puts("(");
		for (int i = 0; i < 6; i++) {
			fz_puts(i ? ", " : "");
			fz_putx(ctl.bad_args[i]);
		}
		fz_puts(") returned ");
		fz_putx((u64)ctl.bad_ret);
		fz_puts(": ");
		fz_puts(ctl.bad_why);
		fz_puts("\n");
		return 1;
	}
	return err ? 1 : 0;
}
