/* The frame allocator (include/mm/frame.h). */
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "x86/paging.h"

#define BOOT_MAP_LIMIT (4UL << 30)

static u8 *bitmap;
static u16 *refs;
static u64 nr_frames, nr_free, nr_usable, cursor, limit_frame;

static bool bit_test(u64 f)
{
	return bitmap[f >> 3] & (1 << (f & 7));
}

static void bit_set(u64 f)
{
	bitmap[f >> 3] |= 1 << (f & 7);
}

static void bit_clear(u64 f)
{
	bitmap[f >> 3] &= ~(1 << (f & 7));
}

void frame_init(const struct memmap *m)
{
	nr_frames = memmap_top(m) >> PAGE_SHIFT;
	/* The bitmap, then one 16-bit reference count per frame. */
	u64 map_bytes = ALIGN_UP((nr_frames + 7) / 8, 8);
	u64 bytes = ALIGN_UP(map_bytes + nr_frames * sizeof(u16), PAGE_SIZE);
	u64 where = 0;

	/* The bitmap takes the start of the first usable range that holds it. */
	for (unsigned i = 0; i < m->nr_usable && !where; i++) {
		const struct mem_range *r = &m->usable[i];
		if (r->end - r->base >= bytes && r->base + bytes <= BOOT_MAP_LIMIT)
			where = r->base;
	}
	if (!where)
		panic("no usable range below 4 GiB holds the %lu-byte frame bitmap", bytes);
	bitmap = phys_to_virt(where);
	memset(bitmap, 0xff, map_bytes);
	refs = (u16 *)(bitmap + map_bytes);
	memset(refs, 0, nr_frames * sizeof(u16));
	for (unsigned i = 0; i < m->nr_usable; i++)
		for (u64 pa = m->usable[i].base; pa < m->usable[i].end; pa += PAGE_SIZE) {
			bit_clear(pa >> PAGE_SHIFT);
			nr_usable++;
		}
	for (u64 pa = where; pa < where + bytes; pa += PAGE_SIZE)
		bit_set(pa >> PAGE_SHIFT);
	nr_free = nr_usable - bytes / PAGE_SIZE;
	limit_frame = BOOT_MAP_LIMIT >> PAGE_SHIFT;
}

void frame_set_limit(u64 limit)
{
	limit_frame = limit >> PAGE_SHIFT;
}

u64 frame_alloc(void)
{
	u64 end = nr_frames < limit_frame ? nr_frames : limit_frame;

	for (u64 n = 0; n < end; n++) {
		u64 f = (cursor + n) % end;
		if (bitmap[f >> 3] == 0xff) {
			n += 7 - (f & 7);
			continue;
		}
		if (bit_test(f))
			continue;
		bit_set(f);
		nr_free--;
		refs[f] = 1;
		cursor = f + 1;
		u64 pa = f << PAGE_SHIFT;
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		return pa;
	}
	return 0;
}

static u64 frame_check(u64 pa, const char *what)
{
	u64 f = pa >> PAGE_SHIFT;

	if ((pa & (PAGE_SIZE - 1)) || f >= nr_frames || !bit_test(f) || !refs[f])
		panic("%s(0x%lx): not an allocated frame", what, pa);
	return f;
}

void frame_free(u64 pa)
{
	u64 f = frame_check(pa, "frame_free");

	if (refs[f] != 1)
		panic("frame_free(0x%lx): still shared (%u references)", pa, refs[f]);
	refs[f] = 0;
	bit_clear(f);
	nr_free++;
}

void frame_get(u64 pa)
{
	u64 f = frame_check(pa, "frame_get");
	if (refs[f] == 0xffff)
		panic("frame_get(0x%lx): reference count overflow", pa);
	refs[f]++;
}

void frame_put(u64 pa)
{
	u64 f = frame_check(pa, "frame_put");
	if (--refs[f])
		return;
	bit_clear(f);
	nr_free++;
}

unsigned frame_refs(u64 pa)
{
	u64 f = pa >> PAGE_SHIFT;
	return f < nr_frames ? refs[f] : 0;
}

u64 frame_free_count(void)
{
	return nr_free;
}

u64 frame_total_count(void)
{
	return nr_usable;
}
