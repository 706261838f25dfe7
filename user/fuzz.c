/*
 * The ring-3 system-call fuzzer (include/user/fuzz.h).  Each call draws its
 * number and arguments from a generator seeded with (seed, index), from
 * pools of values the kernel must survive: kernel, non-canonical and
 * unaligned pointers, guard pages, shadow stacks, huge lengths, random
 * flags.  Only the bookkeeping page is kept out of munmap/mprotect ranges:
 * everything else the program owns may be unmapped under it, and then it
 * dies in ring 3 and the driver starts the next instance.
 *
 * Calls go through an ABI table (number, weight, argument kinds) so that
 * another personality's table, e.g. Linux's, can be added beside the native
 * one and picked by the driver.
 */
#include "errno.h"
#include "lib.h"
#include "splitmix.h"
#include "user/fuzz.h"
#include "user/usys.h"

u64 u_rdssp(void);
long fuzz_syscall(u64 nr, const u64 *args);
long fuzz_forged_sigreturn(u64 marker, u64 token_slot, u64 token);
void fuzz_thread_exit(u64 arg);
void fuzz_thread_ud(u64 arg);
void fuzz_restorer(void);

#define PAGE 4096UL
#define USER_STACK_TOP 0x00007fffffff0000UL /* kernel/uproc.h */
#define USER_STACK_PAGES 4
#define SCRATCH_PAGES 4

/* Argument kinds: each picks from its own pool of adversarial values. */
enum fuzz_arg { A_NONE, A_PTR, A_LEN, A_FLAGS, A_OP, A_ID, A_SIGNO, A_PROT, A_MS, A_ENTRY,
		A_STACK, A_HANDLER, A_SMALL, A_ANY };

struct fuzz_call {
	u64 nr;
	unsigned weight;
	u8 arg[6];
};

struct fuzz_abi {
	const char *name;
	const struct fuzz_call *calls;
	unsigned nr_calls;
};

/* An out-of-range number (-ENOSYS) is FUZZ_MAX_NR - 1 in the table; see pick_nr. */
#define NR_RANDOM (~0UL)
#define NR_FORGED_SIGRETURN (~1UL)

static const struct fuzz_call native_calls[] = {
	{ SYS_EXIT, 1, { A_ANY } },
	{ SYS_WRITE, 30, { A_PTR, A_LEN } },
	{ SYS_UNAME, 30, { A_PTR, A_LEN } },
	{ SYS_SHSTK_CTL, 25, { A_OP, A_FLAGS } },
	{ SYS_MAP_SHADOW_STACK, 35, { A_PTR, A_LEN, A_FLAGS } },
	{ SYS_MUNMAP, 25, { A_PTR, A_LEN } },
	{ SYS_FORK, 8, { 0 } },
	{ SYS_VFORK, 8, { 0 } },
	{ SYS_THREAD, 15, { A_ENTRY, A_STACK, A_ANY, A_LEN } },
	{ SYS_WAIT, 20, { A_ID, A_PTR } },
	{ SYS_MPROTECT, 25, { A_PTR, A_LEN, A_PROT } },
	{ SYS_FREE_FRAMES, 3, { 0 } },
	{ SYS_YIELD, 3, { 0 } },
	{ SYS_GETTID, 3, { 0 } },
	{ SYS_TASK_STATS, 6, { A_SMALL } },
	{ SYS_SIGACTION, 25, { A_SIGNO, A_HANDLER, A_HANDLER, A_FLAGS } },
	{ SYS_SIGRETURN, 2, { 0 } },
	{ NR_FORGED_SIGRETURN, 3, { 0 } },
	{ SYS_SIGALTSTACK, 25, { A_PTR, A_LEN, A_PTR, A_LEN } },
	{ SYS_KILL, 20, { A_ID, A_SIGNO } },
	{ SYS_ALARM, 8, { A_MS } },
	{ NR_RANDOM, 5, { A_ANY, A_ANY, A_ANY, A_ANY, A_ANY, A_ANY } },
};

static const struct fuzz_abi abis[] = {
	{ "native", native_calls, sizeof(native_calls) / sizeof(native_calls[0]) },
};

/* The bookkeeping page: a page-sized object on a page of its own. */
union fuzz_page {
	struct fuzz_state s;
	u8 page[PAGE];
};
union fuzz_page fuzz_state_page __attribute__((aligned(4096)));
#define fuzz_state (fuzz_state_page.s)

static u8 scratch[SCRATCH_PAGES * PAGE] __attribute__((aligned(4096)));
static u8 thread_stack[PAGE] __attribute__((aligned(4096)));

/* What earlier calls of this instance returned: reused as arguments. */
static u64 shstks[8], shstk_sizes[8], ids[8];
static unsigned nr_shstks, nr_ids;
static u64 my_tid;

/* splitmix64: one independent stream per (seed, index). */
static u64 rng;

static u64 next64(void)
{
	return splitmix64(&rng);
}

static u64 below(u64 n)
{
	return next64() % n;
}

static u64 any_shstk(u64 *size)
{
	if (!nr_shstks) {
		*size = PAGE;
		return u_rdssp() & ~(PAGE - 1);
	}
	unsigned i = (unsigned)below(nr_shstks < 8 ? nr_shstks : 8);
	*size = shstk_sizes[i];
	return shstks[i];
}

static u64 pick_ptr(void)
{
	u64 r = next64(), size, base;

	switch (below(17)) {
	case 0:
		return 0;
	case 1: /* kernel image, direct map, kernel stacks */
		return (r & 1 ? 0xffffffff80000000UL : r & 2 ? 0xffff800000000000UL
							     : 0xfffffe0000000000UL) +
		       ((r >> 8) & 0xffffff);
	case 2: /* non-canonical, or just past the user half */
		return r & 1 ? 0x0000800000000000UL + ((r >> 8) & 0xffff)
			     : (r | 0x8000000000000000UL) & ~0x7fff000000000000UL;
	case 3: /* the top of the user half, where ranges wrap */
		return 0x00007ffffffff000UL - 8 * ((r >> 8) & 0x3ff);
	case 4:
	case 5: /* a buffer of our own */
		return (u64)scratch + (r & (sizeof(scratch) - 1));
	case 6: /* unaligned, straddling a page */
		return (u64)scratch + sizeof(scratch) - (r & 15);
	case 7: /* the user stack's guard page, and the stack itself */
		return USER_STACK_TOP - (USER_STACK_PAGES + 1) * PAGE + ((r >> 8) & 0x1fff);
	case 8: /* the live shadow stack, its guard pages */
		base = u_rdssp();
		if (!base)
			return USER_STACK_TOP - 8 * ((r >> 8) & 0xff);
		return base + 8 * ((r >> 8) & 0x3ff) - 8 * 16;
	case 9: /* a shadow stack from map_shadow_stack: inside, below, above */
		base = any_shstk(&size);
		return r & 1 ? base - PAGE + ((r >> 8) & 0xfff) : base + (size ? size : PAGE) -
									  8 * (r >> 8 & 3);
	case 10: /* our own text and rodata */
		return ((u64)fuzz_syscall & ~(PAGE - 1)) + ((r >> 8) & 0x3fff);
	case 11: /* the kernel's legacy-bitmap pages */
		return LEGACY_BITMAP_BASE + ((r >> 8) & 0xffff);
	case 12:
		return r;
	case 13:
		return r & 0x00007fffffffffffUL;
	case 14:
		return r & 0x00007ffffffff000UL;
	case 15:
		return ~0UL - (r & 0xfff);
	default:
		return (u64)thread_stack + (r & (PAGE - 1));
	}
}

static u64 pick_len(void)
{
	u64 r = next64();

	switch (below(14)) {
	case 0:
		return 0;
	case 1:
		return r & 15;
	case 2:
		return PAGE - 1 + (r & 3);
	case 3:
		return PAGE * (1 + (r & 7));
	case 4:
		return 8 * (1 + (r & 0x3ff));
	case 5:
		return r & 0xffff;
	case 6:
		return 1UL << (40 + (r & 7));
	case 7:
		return ~0UL - (r & 0xfff);
	case 8:
		return 0x8000000000000000UL + (r & 0xfff);
	case 9:
		return 0x00007ffffffff000UL - (r & 0xfff);
	case 10: /* up to 1 MiB: a real allocation */
		return (r & 0xff) * PAGE;
	case 11:
		return r;
	case 12:
		return 4096 * 8 + 8 * (r & 3);
	default:
		return 8 * (r & 0x1f);
	}
}

static u64 pick_id(void)
{
	u64 r = next64();

	switch (below(7)) {
	case 0:
		return 0;
	case 1:
		return my_tid;
	case 2:
	case 3:
		return nr_ids ? ids[below(nr_ids < 8 ? nr_ids : 8)] : 1;
	case 4: /* truncated to 32 bits it is our own id */
		return (r << 32) | my_tid;
	case 5:
		return r & 0xff;
	default:
		return r;
	}
}

/* Asynchronous signals return; a fault would come back at once, so it ends us. */
static void fuzz_handler(u64 signo)
{
	if (signo == SIG_ILL || signo == SIG_SEGV || signo == SIG_CP)
		sys_exit(FUZZ_EXIT_FAULT_SIGNAL);
}

static u64 pick_handler(void)
{
	switch (below(4)) {
	case 0:
		return 0;
	case 1:
		return (u64)fuzz_restorer;
	case 2:
		return (u64)fuzz_handler;
	default:
		return pick_ptr();
	}
}

static u64 pick(u8 kind)
{
	u64 r;

	switch (kind) {
	case A_PTR:
		/* munmap, mprotect and fixed mappings want page-aligned addresses. */
		r = pick_ptr();
		return below(3) ? r : r & ~(PAGE - 1);
	case A_LEN:
		return pick_len();
	case A_FLAGS:
		r = next64();
		return below(4) ? r & 0xf : r;
	case A_OP:
		return below(8) ? below(7) : next64();
	case A_ID:
		return pick_id();
	case A_SIGNO:
		return below(8) ? below(NSIG + 2) : next64();
	case A_PROT:
		return below(8) ? below(8) : next64();
	case A_MS:
		r = next64();
		return below(4) ? r & 7 : r;
	case A_ENTRY:
		switch (below(4)) {
		case 0:
			return (u64)fuzz_thread_exit;
		case 1:
			return (u64)fuzz_thread_ud;
		default:
			return pick_ptr();
		}
	case A_STACK:
		return below(3) ? (u64)thread_stack + PAGE - 16 * below(4) : pick_ptr();
	case A_HANDLER:
		return pick_handler();
	case A_SMALL:
		return below(8) ? below(6) : next64();
	case A_ANY:
		return below(2) ? next64() : pick_ptr();
	default:
		return 0;
	}
}

/* [addr, addr + len) as munmap and mprotect would see it, rounded to pages. */
static bool covers_state(u64 addr, u64 len)
{
	u64 lo = (u64)&fuzz_state, start = addr & ~(PAGE - 1);
	u64 end = addr + len + PAGE - 1;
	if (end < addr)
		return start <= lo;
	return start <= lo && lo < (end & ~(PAGE - 1));
}

static bool result_ok(long ret)
{
	static const u8 known[] = { EPERM, ENOENT, EIO, E2BIG, ECHILD, EAGAIN, ENOMEM, EFAULT,
				    EBUSY, EEXIST, ENODEV, EINVAL, ENOSPC, ENOSYS, EOPNOTSUPP };
	if (ret >= 0)
		return true;
	for (unsigned i = 0; i < sizeof(known); i++)
		if (ret == -(long)known[i])
			return true;
	return false;
}

static void fuzz_one(const struct fuzz_abi *abi, u64 seed, u64 index)
{
	u64 total = 0, a[6] = { 0 };
	const struct fuzz_call *c = abi->calls;
	long ret;

	rng = seed ^ (index * 0xd1342543de82ef95UL);
	next64();
	for (unsigned i = 0; i < abi->nr_calls; i++)
		total += abi->calls[i].weight;
	u64 w = below(total);
	for (unsigned i = 0; i < abi->nr_calls; i++, c++) {
		if (w < c->weight)
			break;
		w -= c->weight;
	}
	for (int i = 0; i < 6; i++)
		a[i] = pick(c->arg[i]);
	u64 nr = c->nr;
	if (nr == NR_RANDOM)
		nr = below(2) ? NR_SYSCALLS + below(64) : next64();
	/* The bookkeeping page is the one thing never handed to the kernel. */
	for (int i = 0; i < 6; i++)
		if (a[i] - (u64)&fuzz_state < PAGE)
			a[i] -= PAGE;
	if ((nr == SYS_MUNMAP || nr == SYS_MPROTECT) && covers_state(a[0], a[1]))
		a[1] = 0; /* the call still runs, on an empty range */
	fuzz_state.per_nr[nr < FUZZ_MAX_NR - 1 ? nr : nr == NR_FORGED_SIGRETURN ? SYS_SIGRETURN
									      : FUZZ_MAX_NR - 1]++;
	fuzz_state.made++;
	if (nr == NR_FORGED_SIGRETURN) {
		/* A marker naming a token we may or may not have forged with WRSS. */
		u64 ssp = u_rdssp(), p = below(2) ? ssp + 8 * below(4) : pick_ptr();
		u64 slot = below(2) ? p - 8 : pick_ptr();
		if (slot - (u64)&fuzz_state < PAGE)
			slot -= PAGE;
		ret = fuzz_forged_sigreturn(below(4) ? p | SIG_FRAME_MARKER : next64(), slot,
					    below(2) ? p | 1 : next64());
	} else {
		ret = fuzz_syscall(nr, a);
	}
	if (!result_ok(ret)) {
		if (!fuzz_state.bad_ret) {
			fuzz_state.bad_nr = nr;
			fuzz_state.bad_ret = (u64)ret;
			fuzz_state.bad_index = index;
		}
		sys_exit(FUZZ_EXIT_BAD_RETURN);
	}
	if (ret < 0)
		fuzz_state.errors++;
	if (c->nr == SYS_MAP_SHADOW_STACK && ret > 0) {
		shstks[nr_shstks % 8] = (u64)ret;
		shstk_sizes[nr_shstks++ % 8] = (a[1] + PAGE - 1) & ~(PAGE - 1);
	}
	if ((c->nr == SYS_FORK || c->nr == SYS_VFORK || c->nr == SYS_THREAD) && ret > 0)
		ids[nr_ids++ % 8] = (u64)ret;
}

/* Children and threads end quickly: reaping them all keeps task slots free. */
static void reap_all(void)
{
	struct wait_status ws;
	while (sys_wait(0, &ws) > 0)
		;
}

long main(u64 seed, u64 range)
{
	u64 first = range & ((1UL << FUZZ_COUNT_SHIFT) - 1), count = range >> FUZZ_COUNT_SHIFT;

	my_tid = (u64)sys_gettid();
	for (u64 i = first; i < first + count; i++) {
		fuzz_state.next = i;
		fuzz_one(&abis[0], seed, i);
		if ((i & 31) == 31)
			reap_all();
	}
	fuzz_state.next = first + count;
	reap_all();
	return FUZZ_EXIT_DONE;
}
