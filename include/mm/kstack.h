/* Kernel stacks: KSTACK_PAGES mapped pages above an unmapped guard page. */
#ifndef CETBED_MM_KSTACK_H
#define CETBED_MM_KSTACK_H

#include "types.h"

/* Returns the stack's top (initial rsp), or 0 when out of memory. */
u64 kstack_alloc(void);
void kstack_free(u64 top);
/*
 * A supervisor shadow stack of the same size (W=0, D=1, U=0) above a guard
 * page, with a free supervisor token in its top slot; kstack_free frees it.
 */
u64 kshstk_alloc(void);
/* Writes a slot of a kernel shadow stack (tokens, first frames). */
void kshstk_write(u64 va, u64 value);
/* The guard page's address for a stack top. */
u64 kstack_guard(u64 top);

#endif
