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

enum uproc_state { UPROC_NEW, UPROC_RUNNING, UPROC_EXITED, UPROC_FAULTED };

/* crt0 start flags (rdx): features it enables through SYS_SHSTK_CTL before main. */
#define UPROC_START_SHSTK (1UL << 0)
#define UPROC_START_WRSS (1UL << 1)

struct userprog {
	const char *name;
	const u8 *start, *end;
};

struct uproc {
	const struct userprog *prog;
	struct elf_image img;
	u64 *pml4;
	u64 kstack_top;
	u64 entry, stack_top;
	struct kctx ctx;
	enum uproc_state state;
	long exit_code;
	struct fault_info fault;
	struct trap_frame fault_frame;
	u64 fault_ssp; /* IA32_PL3_SSP when the fault was taken */
	u64 arg2;      /* rdx at entry: crt0 start flags (UPROC_START_*) */
	struct cet_task cet;
	struct umem mem;
	unsigned shstk_features, shstk_locked;
	u64 shstk_base, shstk_size; /* the shadow stack SHSTK_OP_ENABLE made */
	char out[512]; /* what the program wrote, for the test to check */
	size_t out_len;
	char err[96];
};

/* Loads prog; returns 0, or -errno with a reason in p->err. */
int uproc_create(struct uproc *p, const char *prog);
/*
 * Runs until exit or fault, with rdi = arg0 and rsi = arg1 at entry; returns
 * the state (UPROC_EXITED or UPROC_FAULTED).
 */
enum uproc_state uproc_run(struct uproc *p, u64 arg0, u64 arg1);
void uproc_destroy(struct uproc *p);
/* A symbol of the program, 0 if absent. */
u64 uproc_symbol(struct uproc *p, const char *name);
/* Reads 8 bytes of the program's memory through its page tables; false if unmapped. */
bool uproc_peek(struct uproc *p, u64 va, u64 *val);
struct uproc *uproc_current(void);

/* Exit paths, called on the program's kernel stack. */
void __noreturn uproc_exit(long code);
void __noreturn uproc_fault(const struct trap_frame *f, u64 cr2);

#endif
