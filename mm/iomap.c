/*
 * Device memory in the kernel's own region (IOMAP_REGION), with a memory
 * type chosen per mapping instead of the direct map's write-back.
 */
#include "errno.h"
#include "kernel/cpu.h"
#include "lib.h"
#include "mm/iomap.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "x86/cpu.h"
#include "x86/msr.h"


static u64 iomap_cursor = IOMAP_REGION;
static bool pat_has_wc;

/*
 * PAT entry 1 (PWT alone) becomes write-combining; nothing in cetbed maps
 * with PWT, so no existing mapping changes type and no cache flush is due.
 * Without a PAT the caller gets uncached instead.
 */
static bool pat_setup_wc(void)
{
	static bool done;

	if (!done) {
		done = true;
		if (cpu.pat) {
			u64 pat = rdmsr(MSR_IA32_PAT);
			pat = (pat & ~(0xffUL << 8)) | ((u64)PAT_WC << 8);
			wrmsr(MSR_IA32_PAT, pat);
			pat_has_wc = true;
		}
	}
	return pat_has_wc;
}

static u64 cache_bits(enum iomap_cache cache)
{
	if (cache == IOMAP_WC && pat_setup_wc())
		return PTE_PWT;
	return PTE_PCD | PTE_PWT; /* PAT entry 3: UC under any PAT the firmware left */
}

void *iomap_map(u64 pa, u64 size, enum iomap_cache cache, const char **how)
{
	u64 base = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 end = ALIGN_UP(pa + size, PAGE_SIZE);
	u64 flags = PTE_W | PTE_G | mm_nx() | cache_bits(cache);

	if (how)
		*how = (flags & PTE_PCD) ? "uncached" : "write-combining";
	if (!size || end <= base || end > (1UL << 52))
		return NULL;
	/*
	 * Each mapping starts in a fresh 2 MiB slot, at the same offset within
	 * it as the physical address, so that 2 MiB pages fit wherever the
	 * physical range allows them.
	 */
	u64 va = ALIGN_UP(iomap_cursor, LARGE_PAGE_SIZE) + (base & (LARGE_PAGE_SIZE - 1));
	if (end - base > IOMAP_REGION + IOMAP_REGION_SIZE - va)
		return NULL;
	for (u64 p = base; p < end;) {
		int err;
		if (!(p & (LARGE_PAGE_SIZE - 1)) && end - p >= LARGE_PAGE_SIZE) {
			err = pt_map_large(kernel_pml4, va + (p - base), p, flags);
			p += LARGE_PAGE_SIZE;
		} else {
			err = pt_map(kernel_pml4, va + (p - base), p, flags);
			p += PAGE_SIZE;
		}
		if (err)
			return NULL; /* the region's cursor moves on; the half map is harmless */
	}
	/* A guard gap after each mapping catches runs past its end. */
	iomap_cursor = va + (end - base) + LARGE_PAGE_SIZE;
	return (void *)(va + (pa - base));
}
