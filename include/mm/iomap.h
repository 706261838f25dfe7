/* Device memory mapped into the kernel's IOMAP_REGION with a chosen memory type. */
#ifndef CETBED_MM_IOMAP_H
#define CETBED_MM_IOMAP_H

#include "types.h"

enum iomap_cache {
	IOMAP_UC, /* uncached: registers */
	IOMAP_WC, /* write-combining: framebuffers; uncached where there is no PAT */
};

/*
 * Maps [pa, pa + size) writable, NX, global, and returns the virtual address
 * of pa, or NULL (bad range, region full, out of memory).  *how, if given,
 * says which memory type was used.  Mappings are never removed.
 */
void *iomap_map(u64 pa, u64 size, enum iomap_cache cache, const char **how);

#endif
