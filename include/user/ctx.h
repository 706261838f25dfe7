/*
 * Ring-3 non-local jumps and context switches that keep the shadow stack in
 * step (user/ulib_ctx.asm), and the cases of the "ctx" test program.
 */
#ifndef CETBED_USER_CTX_H
#define CETBED_USER_CTX_H

#include "types.h"

/*
 * setjmp/longjmp.  ssp is the caller's SSP after setjmp returns (0 with
 * shadow stacks off); longjmp pops the shadow stack up to it with INCSSP.
 */
struct jmp_regs {
	u64 rbx, rbp, r12, r13, r14, r15;
	u64 rsp, rip, ssp;
};
typedef struct jmp_regs jmp_buf[1];

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __noreturn;

/*
 * A context: callee-saved registers, where it resumes, and the address of
 * the restore token on its shadow stack that the next switch into it
 * consumes (RSTORSSP).  A token is single-use: switching to a stale copy
 * of a context is refused by the CPU with #CP(4), not by this library.
 */
struct ctx {
	u64 rbx, rbp, r12, r13, r14, r15;
	u64 rsp, rip;
	u64 *token;
};

/*
 * Prepares c to run fn(arg) on [stack, stack + stack_size).  shstk_token
 * is the restore-token slot of a shadow stack made by
 * sys_map_shadow_stack(0, size, SHADOW_STACK_SET_TOKEN), i.e. its top - 8;
 * NULL when shadow stacks are off.  fn must not return: if it does, the
 * program exits with CTX_EXIT_FN_RETURNED.
 */
void ctx_make(struct ctx *c, void (*fn)(u64), u64 arg, void *stack, size_t stack_size,
	      u64 *shstk_token);
/* Saves the running context in from and resumes to. */
void ctx_swap(struct ctx *from, struct ctx *to);

#define CTX_EXIT_FN_RETURNED 240

/* Cases of the ctx program: rdi picks one, rsi is its argument. */
#define CTX_LONGJMP 0	    /* setjmp, recurse rsi levels, longjmp back; then call/ret */
#define CTX_LONGJMP_STALE 1 /* longjmp into a frame that already returned */
#define CTX_PING_PONG 2	    /* rsi rounds between main and two contexts */
#define CTX_STALE_TOKEN 3   /* switch to a stale copy of a context: its token was consumed */

/* Exit statuses: the stale jump or switch was not stopped. */
#define CTX_EXIT_STALE_RETURNED 78
#define CTX_EXIT_STALE_RESUMED 79

#endif
