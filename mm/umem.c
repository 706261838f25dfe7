/* User mappings with guard gaps (include/mm/umem.h). */
#include "errno.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "mm/usercopy.h"

static bool range_unmapped(struct umem *u, u64 base, u64 end)
{
	return pt_next_mapped(u->pml4, base, end) >= end;
}

long umem_reserve(struct umem *u, u64 addr, u64 size)
{
	if (!size || size > USER_MMAP_END - USER_MMAP_BASE)
		return -EINVAL;
	size = ALIGN_UP(size, PAGE_SIZE);
	if (!addr) {
		/* Same size as a freed one: same place, so no new page tables. */
		for (unsigned i = 0; i < u->nr_spare; i++) {
			if (u->spare_size[i] != size)
				continue;
			addr = u->spare_base[i];
			u->spare_base[i] = u->spare_base[--u->nr_spare];
			u->spare_size[i] = u->spare_size[u->nr_spare];
			return (long)addr;
		}
		if (u->next < USER_MMAP_BASE)
			u->next = USER_MMAP_BASE;
		/* The page at the cursor is the guard below the new mapping. */
		addr = u->next + PAGE_SIZE;
		if (addr + size + PAGE_SIZE > USER_MMAP_END)
			return -ENOMEM;
		u->next = addr + size;
		return (long)addr;
	}
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (addr < USER_BASE + PAGE_SIZE || addr > USER_TOP - PAGE_SIZE ||
	    size > USER_TOP - PAGE_SIZE - addr || !user_range_ok(addr - PAGE_SIZE, size + 2 * PAGE_SIZE))
		return -EINVAL;
	if (!range_unmapped(u, addr - PAGE_SIZE, addr + size + PAGE_SIZE))
		return -EEXIST;
	return (long)addr;
}

int umem_map(struct umem *u, u64 addr, u64 size, u64 flags)
{
	/* A request that cannot fit fails before it zeroes every free frame. */
	if (size / PAGE_SIZE > frame_free_count())
		return -ENOMEM;
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 pa = frame_alloc();
		if (!pa || pt_map(u->pml4, addr + off, pa, flags | PTE_SW_OWNED)) {
			if (pa)
				frame_free(pa);
			umem_unmap(u, addr, off);
			return -ENOMEM;
		}
	}
	return 0;
}

void umem_unmap(struct umem *u, u64 addr, u64 size)
{
	u64 end = addr + size;
	for (u64 va = pt_next_mapped(u->pml4, addr, end); va < end;
	     va = pt_next_mapped(u->pml4, va + PAGE_SIZE, end)) {
		u64 old = pt_unmap(u->pml4, va);
		if ((old & PTE_P) && (old & PTE_SW_OWNED))
			frame_put(pte_addr(old));
	}
}

void umem_release(struct umem *u, u64 addr, u64 size)
{
	umem_unmap(u, addr, size);
	if (u->nr_spare < UMEM_SPARE) {
		u->spare_base[u->nr_spare] = addr;
		u->spare_size[u->nr_spare++] = ALIGN_UP(size, PAGE_SIZE);
	}
}

int umem_map_shstk(struct umem *u, u64 addr, u64 size)
{
	return umem_map(u, addr, size, PTE_USER_SHSTK | mm_nx());
}
