/* Memory-map sanitizing (include/mm/memmap.h). */
#include "mm/memmap.h"
#include "x86/paging.h"

void memmap_init(struct memmap *m)
{
	m->nr_usable = m->nr_reserved = 0;
	m->dropped_empty = m->clipped_wrap = m->dropped_overflow = 0;
}

static void range_push(struct memmap *m, struct mem_range *list, unsigned *nr, u64 base, u64 end)
{
	if (*nr >= MEMMAP_MAX) {
		m->dropped_overflow++;
		return;
	}
	list[(*nr)++] = (struct mem_range){ base, end };
}

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
	if (kind == MEM_USABLE)
		range_push(m, m->usable, &m->nr_usable, base, end);
	else
		range_push(m, m->reserved, &m->nr_reserved, base, end);
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
