/*
 * Saved kernel contexts: the callee-saved registers of a kernel function, so
 * that a fault or a finished user program can resume it (kernel/ctx.asm).
 */
#ifndef CETBED_KERNEL_CTX_H
#define CETBED_KERNEL_CTX_H

#include "types.h"

struct kctx {
	u64 rbx, rbp, r12, r13, r14, r15;
	u64 rsp, rflags;
	u64 ssp; /* 0 without supervisor shadow stacks */
};

/*
 * Calls fn(arg) with ctx armed.  Returns 0 when fn returns normally, or the
 * value given to kctx_resume() when something resumed the context instead.
 */
long kctx_call(struct kctx *ctx, void (*fn)(void *), void *arg);
/* Returns into the kctx_call that armed ctx; value != 0. */
void __noreturn kctx_resume(const struct kctx *ctx, long value);

#endif
