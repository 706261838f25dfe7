/*
 * Ring-3 programs: an embedded ELF loaded into its own address space, run at
 * CPL3 until it exits or faults.  A fault never reaches the kernel's panic
 * path; it comes back to the caller as a result.
 */
#ifndef CETBED_KERNEL_UPROC_H
#define CETBED_KERNEL_UPROC_H

#include "cet.h"
#include "elf.h"
#include "mm/umem.h"
#include "kernel/ctx.h"
#include "x86/trap.h"

#define USER_STACK_TOP 0x00007fffffff0000UL
#define USER_STACK_PAGES 4

enum uproc_state { UPROC_NEW, UPROC_RUNNING, UPROC_EXITED, UPROC_FAULTED, UPROC_TIMEOUT,
		   UPROC_KILLED };

/* crt0 start flags (rdx): features it enables through SYS_SHSTK_CTL before main. */
#define UPROC_START_SHSTK (1UL << 0)
#define UPROC_START_WRSS (1UL << 1)
#define UPROC_START_IBT (1UL << 2)
#define UPROC_START_NOTRACK (1UL << 3)

/* The per-run watchdog when the command line sets none (timeout=SECONDS). */
#define UPROC_DEFAULT_TIMEOUT_MS 20000

struct userprog {
	const char *name;
	const u8 *start, *end;
};

struct task;

/*
 * One program: its address space, its main task, and whatever tasks it
 * creates.  uproc_run starts the main task and lets the scheduler run every
 * task of the program until the main one ends; uproc_destroy stops and
 * frees them all.
 */
struct uproc {
	const struct userprog *prog;
	struct elf_image img;
	struct umem *mm;
	u64 *pml4;
	struct task *main;
	u64 entry, stack_top;
	u64 arg2;	   /* rdx at entry: crt0 start flags (UPROC_START_*) */
	u64 timeout_ms;	   /* 0: the default */
	/* Tests of event delivery: single-step #DBs are resumed (TF cleared), counted. */
	bool resume_single_step;
	unsigned single_steps;
	/*
	 * The fuzzer: its output, faults, signals and kills are not echoed to
	 * the console (thousands a run); output is still kept in out[].
	 */
	bool quiet;
	/* Benchmarks: faults delivered to handlers are counted, not logged line by line. */
	bool quiet_faults;
	unsigned quiet_fault_count;
	enum uproc_state state;
	/* How the main task ended. */
	long exit_code;
	struct fault_info fault;
	struct trap_frame fault_frame;
	u64 fault_ssp; /* IA32_PL3_SSP when the fault was taken */
	/* Signal handlers, shared by the program's tasks. */
	u64 sig_handler[8], sig_restorer[8];
	unsigned sig_flags[8];
	char kill_reason[96]; /* why the main task was ended, if it was */
	char out[512]; /* what the program wrote, for the test to check */
	size_t out_len;
	char err[96];
};

/* Loads prog; returns 0, or -errno with a reason in p->err. */
int uproc_create(struct uproc *p, const char *prog);
/*
 * Runs until the main task ends (exit, fault, or the watchdog), with
 * rdi = arg0, rsi = arg1 at entry; returns the state.  Runs once per uproc.
 */
enum uproc_state uproc_run(struct uproc *p, u64 arg0, u64 arg1);
/* Stops every task of the program and frees everything. */
void uproc_destroy(struct uproc *p);
/* A symbol of the program, 0 if absent. */
u64 uproc_symbol(struct uproc *p, const char *name);
/* Reads 8 bytes of the program's memory through its page tables; false if unmapped. */
bool uproc_peek(struct uproc *p, u64 va, u64 *val);
/* The program of the running task, NULL in the kernel task. */
struct uproc *uproc_current(void);
/* Tasks of p that ended through a fault / the watchdog, counted over its life. */

/* Ends the current task (SYS_EXIT). */
void __noreturn uproc_exit(long code);
/* A ring-3 exception: a copy-on-write fault is resolved, anything else ends the task. */
void uproc_fault(const struct trap_frame *f, u64 cr2);
/* Called from the timer: stops the program whose watchdog expired. */
void uproc_watchdog(void);

#endif
