/*
 * User address spaces: the page-table walks behind munmap and fixed-address
 * map_shadow_stack, over ranges far larger than anything mapped.
 */
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "test.h"

/*
 * Regression (found by the fuzzer): munmap of 32 TiB walked every page of
 * it and never returned.  Pages at the edges of page-table levels must be
 * found, everything between them skipped, and an unmap of the whole user
 * half must take exactly those pages.
 */
TEST(mm_unmap_huge_range_skips_holes, "mm")
{
	static const u64 pages[] = {
		USER_BASE,			/* the first user page */
		0x00002000001ff000UL,		/* last page of a page table */
		0x0000200000200000UL,		/* first page of the next one */
		0x00003fffffe00000UL - PAGE_SIZE, /* last page of a page directory */
		0x0000400000000000UL,		/* first page under another PML4 entry */
		USER_TOP - PAGE_SIZE,		/* the last user page */
	};
	const unsigned n = sizeof(pages) / sizeof(pages[0]);
	u64 free0 = frame_free_count();
	struct umem *u = umem_create();

	if (!u)
		return test_error(t, "no address space");
	for (unsigned i = 0; i < n; i++)
		if (umem_map(u, pages[i], PAGE_SIZE, PTE_U | PTE_W | mm_nx())) {
			test_error(t, "cannot map 0x%lx", pages[i]);
			goto out;
		}
	u64 va = USER_BASE;
	for (unsigned i = 0; i < n; i++, va += PAGE_SIZE) {
		va = pt_next_mapped(u->pml4, va, USER_TOP);
		if (!CHECK_EQ(t, va, pages[i], "next mapped page"))
			goto out;
	}
	CHECK_EQ(t, pt_next_mapped(u->pml4, va, USER_TOP), USER_TOP, "nothing after the last page");
	/* A range that ends in a hole ends the search at its end. */
	CHECK_EQ(t, pt_next_mapped(u->pml4, pages[2] + PAGE_SIZE, pages[3]), pages[3],
		 "search bounded by its end");
	umem_unmap(u, USER_BASE, USER_TOP - USER_BASE);
	for (unsigned i = 0; i < n; i++)
		CHECK(t, !pt_walk(u->pml4, pages[i], NULL), "0x%lx still mapped", pages[i]);
out:
	umem_put(u);
	CHECK_EQ(t, frame_free_count(), free0, "free frames after the address space");
}
