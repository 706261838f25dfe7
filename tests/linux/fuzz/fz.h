/*
 * lxfuzz: the Linux-ABI system-call fuzzer (README, "System-call fuzzer").
 * No libc: raw system calls only, so that every call the kernel sees is
 * one the fuzzer chose.
 */
#ifndef LXFUZZ_FZ_H
#define LXFUZZ_FZ_H

typedef unsigned long u64;
typedef unsigned int u32;

#define PAGE 4096UL
#define ENOSYS 38
#define EHWPOISON 133 /* Linux's highest errno */

/* stubs.S */
long fz_syscall(u64 nr, const u64 args[6]);
long fz_clone(u64 nr, const u64 args[6]);
long fz_int80(u64 nr, const u64 args[6]);
long fz_spawn(u64 stack_top);
void fz_restorer(void);
void fz_landing(void);
void __attribute__((noreturn)) fz_forged_sigreturn(u64 frame, u64 slot, u64 wrss);
u64 fz_rdssp(void);

static inline long sys(u64 nr, u64 a, u64 b, u64 c, u64 d)
{
	u64 args[6] = { a, b, c, d, 0, 0 };
	return fz_syscall(nr, args);
}

/* One instance's memory: its stack, then the arena its pointers aim at. */
#define FZ_STACK_PAGES 16
#define FZ_ARENA_PAGES 8
#define FZ_GUARD_PAGE 4 /* arena page left PROT_NONE */
#define FZ_REGION ((FZ_STACK_PAGES + FZ_ARENA_PAGES) * PAGE)
#define FZ_SHSTKS 8
#define FZ_KIDS 8
#define FZ_TABLE_MAX 64

/*
 * Shared by the supervisor and the instance it is waiting for (CLONE_VM):
 * it lives in .bss, which no fuzzed call may unmap, protect or write.
 */
struct fz_ctl {
	u64 seed, calls, next;	 /* next call index; an instance takes it before the call */
	u64 values, errnos, enosys;
	u64 per_call[FZ_TABLE_MAX];
	u64 tsc_call[FZ_TABLE_MAX]; /* TSC cycles spent in the calls that returned */
	u64 tsc_spawn, tsc_sweep;    /* in instances from clone to wait4, in sweeps */
	u64 region;		 /* the current instance's stack + arena */
	u64 img_lo, img_hi;	 /* the program image and .bss */
	u64 stk_lo;		 /* the supervisor's stack: everything above */
	u64 sup_pid, my_pid;
	u64 shstk[FZ_SHSTKS];	 /* what map_shadow_stack returned */
	u64 kids[FZ_KIDS];	 /* ids clone returned */
	int mode, wrss;
	u64 shstk_instances;
	u64 low; /* a MAP_32BIT page for ia32 sigaction structs and a 32-bit handler */
	/* The first result that was neither a value nor -errno. */
	u64 bad_index, bad_nr, bad_args[6];
	long bad_ret;
	const char *bad_why;
};
extern struct fz_ctl ctl;

/* calls.c */
void fz_call(u64 index);
unsigned fz_table_size(void);
const char *fz_table_name(unsigned i);

/* fuzz.c */
void fz_puts(const char *s);
void fz_putu(u64 v);
void fz_putx(u64 v);

#endif
