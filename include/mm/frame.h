/* Physical frame allocator: one bit per 4 KiB frame, set = in use. */
#ifndef CETBED_MM_FRAME_H
#define CETBED_MM_FRAME_H

#include "mm/memmap.h"

void frame_init(const struct memmap *m);
/* Returns a zeroed frame's physical address, or 0 when memory is exhausted. */
u64 frame_alloc(void);
void frame_free(u64 pa);
/* Reference counts, for frames shared copy-on-write. frame_put frees at zero. */
void frame_get(u64 pa);
void frame_put(u64 pa);
unsigned frame_refs(u64 pa);
u64 frame_free_count(void);
u64 frame_total_count(void);
/* Frames above this are not handed out (the boot map reaches only 4 GiB). */
void frame_set_limit(u64 limit);

#endif
