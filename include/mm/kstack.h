/* Kernel stacks: KSTACK_PAGES mapped pages above an unmapped guard page. */
#ifndef CETBED_MM_KSTACK_H
#define CETBED_MM_KSTACK_H

#include "types.h"

/* Returns the stack's top (initial rsp), or 0 when out of memory. */
u64 kstack_alloc(void);
void kstack_free(u64 top);
/* The guard page's address for a stack top. */
u64 kstack_guard(u64 top);

#endif
