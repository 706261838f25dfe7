/* Memory-map sanitizing (include/mm/memmap.h). */
#include "mm/memmap.h"
#include "x86/paging.h"

void memmap_init(struct memmap *m)
{
	m->nr_usable = m->nr_reserved = 0;
	m->dropped_empty = m->clipped_wrap = m->dropped_overflow = 0;
	m->merged = m->reserved_overflow = 0;
}

/*
 * Firmware maps list many neighbours of one kind (an EFI map splits usable
 * memory by boot-services type): a range touching one already listed
 * widens it instead of taking a slot.
 */
static bool range_merge(struct mem_range *list, unsigned nr, u64 base, u64 end)
{
	for (unsigned i = 0; i < nr; i++) {
		struct mem_range *r = &list[i];
		if (base > r->end || end < r->base)
			continue;
		if (base < r->base)
			r->base = base;
		if (end > r->end)
			r->end = end;
		return true;
	}
	return false;
}

static void range_push(struct memmap *m, struct mem_range *list, unsigned *nr, u64 base, u64 end)
{
	if (*nr >= MEMMAP_MAX) {
		m->dropped_overflow++;
		return;
	}
	list[(*nr)++] = (struct mem_range){ base, end };
}

static void subtract(struct memmap *m, u64 rb, u64 re);

void memmap_add(struct memmap *m, u64 base, u64 len, enum mem_kind kind)
{
	if (!len) {
		m->dropped_empty++;
		return;
	}
	u64 end = base + len;
	if (end < base) {
		end = ~0UL;
		m->clipped_wrap++;
	}
	struct mem_range *list = kind == MEM_USABLE ? m->usable : m->reserved;
	unsigned *nr = kind == MEM_USABLE ? &m->nr_usable : &m->nr_reserved;
	if (range_merge(list, *nr, base, end)) {
		m->merged++;
		return;
	}
	if (kind == MEM_RESERVED && *nr >= MEMMAP_MAX) {
		/*
		 * A reservation with no slot left is taken out of the usable
		 * ranges now, so it can never be handed out; usable memory may
		 * be lost, reserved never is.  Still an error for the boot.
		 */
		m->reserved_overflow++;
		subtract(m, base, end);
		return;
	}
	range_push(m, list, nr, base, end);
}

static void sort_ranges(struct mem_range *r, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct mem_range x = r[i];
		unsigned j = i;
		for (; j && r[j - 1].base > x.base; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
}

/* Removes [rb, re) from every usable range, splitting where needed. */
static void subtract(struct memmap *m, u64 rb, u64 re)
{
	for (unsigned i = 0; i < m->nr_usable; i++) {
		struct mem_range *u = &m->usable[i];
		if (re <= u->base || rb >= u->end)
			continue;
		if (rb > u->base && re < u->end) {
			u64 tail = u->end;
			u->end = rb;
			range_push(m, m->usable, &m->nr_usable, re, tail);
		} else if (rb > u->base) {
			u->end = rb;
		} else if (re < u->end) {
			u->base = re;
		} else {
			u->base = u->end = 0;
		}
	}
}

void memmap_finish(struct memmap *m)
{
	for (unsigned i = 0; i < m->nr_reserved; i++)
		subtract(m, m->reserved[i].base, m->reserved[i].end);
	sort_ranges(m->usable, m->nr_usable);
	sort_ranges(m->reserved, m->nr_reserved);

	unsigned out = 0;
	for (unsigned i = 0; i < m->nr_usable; i++) {
		struct mem_range r = m->usable[i];
		if (r.end <= r.base)
			continue;
		if (out && r.base <= m->usable[out - 1].end) {
			if (r.end > m->usable[out - 1].end)
				m->usable[out - 1].end = r.end;
			continue;
		}
		m->usable[out++] = r;
	}
	/* Trim inward only after merging, so adjacent halves of a page survive. */
	unsigned kept = 0;
	for (unsigned i = 0; i < out; i++) {
		u64 b = ALIGN_UP(m->usable[i].base, PAGE_SIZE);
		u64 e = ALIGN_DOWN(m->usable[i].end, PAGE_SIZE);
		if (b < m->usable[i].base) /* rounding up wrapped */
			continue;
		if (e > b)
			m->usable[kept++] = (struct mem_range){ b, e };
	}
	m->nr_usable = kept;
}

u64 memmap_usable_bytes(const struct memmap *m)
{
	u64 n = 0;
	for (unsigned i = 0; i < m->nr_usable; i++)
		n += m->usable[i].end - m->usable[i].base;
	return n;
}

u64 memmap_top(const struct memmap *m)
{
	return m->nr_usable ? m->usable[m->nr_usable - 1].end : 0;
}
