/* Page-table operations on a PML4 (map, unmap, walk, protect, teardown). */
#ifndef CETBED_MM_PT_H
#define CETBED_MM_PT_H

#include "x86/paging.h"

/* The kernel's own PML4; its upper half is shared by every address space. */
extern u64 *kernel_pml4;

/*
 * Maps one 4 KiB page.  Missing tables are allocated with P|W (and U below
 * USER_TOP); upper levels are always writable so that a W=0,D=1 leaf is a
 * shadow-stack page.  Returns 0 or -ENOMEM.
 */
int pt_map(u64 *pml4, u64 va, u64 pa, u64 flags);

/*
 * The first present entry of t[i..end), or end.  Tables are mostly empty:
 * eight entries at a time on 8-aligned groups, so a walk of a sparse
 * address space costs a fraction of the instructions.
 */
static inline unsigned pt_next_present(const u64 *t, unsigned i, unsigned end)
{
	while (i < end && !(t[i] & PTE_P)) {
		if (!(i & 7) && i + 8 <= end &&
		    !((t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] |
		       t[i + 7]) & PTE_P))
			i += 8;
		else
			i++;
	}
	return i;
}
int pt_map_large(u64 *pml4, u64 va, u64 pa, u64 flags);
/*
 * The first page-aligned va' in [va, end) that has a leaf, or end: empty
 * upper-level entries are skipped whole, so a range of terabytes costs what
 * its page tables hold, not one walk per page.
 */
u64 pt_next_mapped(u64 *pml4, u64 va, u64 end);
/* Returns the old entry (0 if none) and flushes it from the TLB. */
u64 pt_unmap(u64 *pml4, u64 va);
/* Pointer to the entry that maps va, and its level (1 = 4K, 2 = 2M); NULL if unmapped. */
u64 *pt_walk(u64 *pml4, u64 va, int *level);
/* Pointer to the entry of va at exactly `level`, or NULL if the walk stops above it. */
u64 *pt_entry_at(u64 *pml4, u64 va, int level);
/* Frees every lower-half table, and the frames marked PTE_SW_OWNED. */
void pt_free_user(u64 *pml4);

#endif
