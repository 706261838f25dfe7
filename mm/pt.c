/* Page-table operations (include/mm/pt.h). */
#include "errno.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/pt.h"
#include "x86/cpu.h"

u64 *kernel_pml4;

static u64 *table(u64 entry)
{
	return phys_to_virt(pte_addr(entry));
}

/* Descends to the table at `level`, allocating missing tables if asked. */
static u64 *descend(u64 *pml4, u64 va, int level, bool alloc)
{
	u64 *t = pml4;
	u64 upper = PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);

	for (int l = 4; l > level; l--) {
		u64 *e = &t[pt_index(va, l)];
		if (!(*e & PTE_P)) {
			if (!alloc)
				return NULL;
			if (l == 4 && va >= USER_TOP)
				panic("kernel PML4 slot %u is not shared; mm_init must create it",
				      pt_index(va, 4));
			u64 pa = frame_alloc();
			if (!pa)
				return NULL;
			*e = pte_make(pa, upper);
		} else if (*e & PTE_PS) {
			return NULL;
		}
		t = table(*e);
	}
	return t;
}

static void flush(u64 *pml4, u64 va)
{
	if (virt_to_phys(pml4) == (read_cr3() & PTE_ADDR_MASK) || va >= USER_TOP)
		invlpg(va);
}

int pt_map(u64 *pml4, u64 va, u64 pa, u64 flags)
{
	u64 *t = descend(pml4, va, 1, true);
	if (!t)
		return -ENOMEM;
	t[pt_index(va, 1)] = pte_make(pa, flags | PTE_P);
	flush(pml4, va);
	return 0;
}

int pt_map_large(u64 *pml4, u64 va, u64 pa, u64 flags)
{
	u64 *t = descend(pml4, va, 2, true);
	if (!t)
		return -ENOMEM;
	t[pt_index(va, 2)] = pte_make(pa, flags | PTE_P | PTE_PS);
	flush(pml4, va);
	return 0;
}

u64 *pt_entry_at(u64 *pml4, u64 va, int level)
{
	u64 *t = descend(pml4, va, level, false);
	return t ? &t[pt_index(va, level)] : NULL;
}

u64 *pt_walk(u64 *pml4, u64 va, int *level)
{
	u64 *t = pml4;
	for (int l = 4; l >= 1; l--) {
		u64 *e = &t[pt_index(va, l)];
		if (!(*e & PTE_P))
			return NULL;
		if (l == 1 || (l <= 3 && (*e & PTE_PS))) {
			if (level)
				*level = l;
			return e;
		}
		t = table(*e);
	}
	return NULL;
}

u64 pt_next_mapped(u64 *pml4, u64 va, u64 end)
{
	while (va < end) {
		u64 *t = pml4;
		for (int l = 4; l >= 1; l--) {
			u64 e = t[pt_index(va, l)];
			if (!(e & PTE_P)) {
				/* Nothing below this entry: on to the next one. */
				u64 span = 1UL << (PAGE_SHIFT + 9 * (l - 1));
				u64 next = (va & ~(span - 1)) + span;
				if (next <= va)
					return end;
				va = next;
				break;
			}
			if (l == 1 || (e & PTE_PS))
				return va;
			t = table(e);
		}
	}
	return end;
}

u64 pt_unmap(u64 *pml4, u64 va)
{
	int level;
	u64 *e = pt_walk(pml4, va, &level);
	if (!e)
		return 0;
	u64 old = *e;
	*e = 0;
	flush(pml4, va);
	return old;
}

static void free_level(u64 *t, int level)
{
	for (unsigned i = pt_next_present(t, 0, PT_ENTRIES); i < PT_ENTRIES;
	     i = pt_next_present(t, i + 1, PT_ENTRIES)) {
		u64 e = t[i];
		if (level == 1 || (e & PTE_PS)) {
			if (e & PTE_SW_OWNED)
				frame_put(pte_addr(e));
			continue;
		}
		free_level(table(e), level - 1);
		frame_free(pte_addr(e));
	}
}

void pt_free_user(u64 *pml4)
{
	for (unsigned i = pt_next_present(pml4, 0, PML4_KERNEL_FIRST); i < PML4_KERNEL_FIRST;
	     i = pt_next_present(pml4, i + 1, PML4_KERNEL_FIRST)) {
		free_level(table(pml4[i]), 3);
		frame_free(pte_addr(pml4[i]));
		pml4[i] = 0;
	}
}
