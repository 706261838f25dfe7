/*
 * Turning a firmware memory map (any order, overlaps, odd sizes) into a
 * sorted list of page-aligned usable ranges.  Pure code: host-tested.
 */
#ifndef CETBED_MM_MEMMAP_H
#define CETBED_MM_MEMMAP_H

#include "types.h"

#define MEMMAP_MAX 128

enum mem_kind { MEM_USABLE, MEM_RESERVED };

struct mem_range {
	u64 base, end; /* [base, end) */
};

struct memmap {
	struct mem_range usable[MEMMAP_MAX];
	unsigned nr_usable;
	struct mem_range reserved[MEMMAP_MAX];
	unsigned nr_reserved;
	/* What sanitizing had to do, reported on the console. */
	unsigned dropped_empty, clipped_wrap, dropped_overflow, merged;
	/* Reserved ranges beyond MEMMAP_MAX: subtracted at once, a boot error. */
	unsigned reserved_overflow;
};

void memmap_init(struct memmap *m);
/*
 * Adds one firmware entry; length 0 is dropped, a wrapping end is clipped,
 * an entry touching one of its kind is merged into it.
 */
void memmap_add(struct memmap *m, u64 base, u64 len, enum mem_kind kind);
/*
 * Subtracts the reserved ranges from the usable ones (reserved wins any
 * overlap), sorts, merges and trims usable ranges inward to page bounds.
 */
void memmap_finish(struct memmap *m);
u64 memmap_usable_bytes(const struct memmap *m);
/* Highest usable end address, 0 if none. */
u64 memmap_top(const struct memmap *m);

#endif
