/*
 * User address spaces: the page-table walks behind munmap and fixed-address
 * map_shadow_stack, over ranges far larger than anything mapped.
 */
#include "errno.h"
#include "fault.h"
#include "kernel/cpu.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "syscall.h"
#include "test.h"
#include "x86/cpu.h"

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

/* A kernel write of poke_value through a user address, SMAP opened where it is on. */
static u64 poke_value;

static void poke_user(void *va)
{
	if (cpu.smap)
		stac();
	*(volatile u64 *)va = poke_value;
	if (cpu.smap)
		clac();
}

/*
 * The program's address space for the kernel's own accesses, interrupts
 * off: a task switch would reload CR3 (and hide a missing TLB flush).
 */
struct space {
	u64 cr3, rflags;
};

static void space_enter(struct space *s, const struct uproc *p)
{
	s->cr3 = read_cr3();
	s->rflags = read_rflags();
	cli();
	write_cr3(virt_to_phys(p->pml4));
}

static void space_leave(const struct space *s)
{
	write_cr3(s->cr3);
	if (s->rflags & X86_RFLAGS_IF)
		asm volatile("sti" ::: "memory");
}

/*
 * (a) Fork write-protects the parent's writable pages: the TLB must forget
 * the writable translations.  A write through the parent's address space
 * right before umem_fork leaves one in the TLB; nothing between it and the
 * write after fork flushes it but fork itself.  With CR0.WP set the second
 * write must fault (#PF, present, write), and leave the shared frame alone.
 */
TEST(task_fork_write_protect_flushes_tlb, "task")
{
	struct uproc p;
	struct fault_catch c;

	if (!test_load(t, &p, "task", 0))
		return;
	long va = umem_reserve(p.mm, 0, PAGE_SIZE);
	if (va < 0 || umem_map(p.mm, va, PAGE_SIZE, PTE_U | PTE_W | mm_nx())) {
		test_error(t, "cannot map the page");
		goto out;
	}
	u64 pa = pte_addr(*pt_walk(p.pml4, va, NULL));
	struct space sp;
	space_enter(&sp, &p);
	poke_value = 1;
	bool first = fault_catch_call(&c, poke_user, (void *)va);
	struct umem *child = umem_fork(p.mm);
	poke_value = 2;
	bool second = child && fault_catch_call(&c, poke_user, (void *)va);
	space_leave(&sp);
	if (first || !child) {
		test_error(t, "%s", first ? "the first write faulted" : "umem_fork failed");
	} else {
		CHECK(t, second, "the write after fork went through a stale writable TLB entry");
		if (second) {
			CHECK_EQ(t, c.info.vector, X86_EXC_PF, "vector");
			CHECK_EQ(t, c.info.error_code & (PF_EC_P | PF_EC_W | PF_EC_U),
				 PF_EC_P | PF_EC_W, "error code");
		}
		CHECK_EQ(t, *(u64 *)phys_to_virt(pa), 1, "the shared frame after the write");
	}
	if (child)
		umem_put(child);
out:
	uproc_destroy(&p);
}

/*
 * Regression: the legacy bitmap's supervisor page sits in the user half, and
 * user copies ran with STAC, which opens user pages, not closes supervisor
 * ones: SYS_UNAME could write a program's bitmap.  No system call takes an
 * address in the bitmap region now.
 */
TEST(mm_legacy_bitmap_not_user_memory, "mm")
{
	struct uproc p;
	u64 word = 0x1122334455667788UL, got = 0;

	if (!test_load(t, &p, "task", 0))
		return;
	/* As legacy_bitmap_mark maps it: supervisor, writable. */
	if (umem_map(p.mm, LEGACY_BITMAP_BASE, PAGE_SIZE, PTE_W | mm_nx())) {
		test_error(t, "cannot map the bitmap page");
		goto out;
	}
	u64 pa = pte_addr(*pt_walk(p.pml4, LEGACY_BITMAP_BASE, NULL));
	struct space sp;
	space_enter(&sp, &p);
	int to = copy_to_user(LEGACY_BITMAP_BASE + 8, &word, 8);
	int from = copy_from_user(&got, LEGACY_BITMAP_BASE, 8);
	space_leave(&sp);
	CHECK_EQ(t, to, -EFAULT, "copy_to_user into the bitmap");
	CHECK_EQ(t, from, -EFAULT, "copy_from_user from the bitmap");
	CHECK_EQ(t, *(u64 *)phys_to_virt(pa + 8), 0, "the bitmap page after the copy");
	CHECK(t, !user_range_ok(LEGACY_BITMAP_BASE + LEGACY_BITMAP_SIZE - 8, 16),
	      "a range ending in the bitmap region is user memory");
	CHECK(t, user_range_ok(LEGACY_BITMAP_BASE + LEGACY_BITMAP_SIZE, 8) &&
		     user_range_ok(LEGACY_BITMAP_BASE - 8, 8),
	      "the pages around the bitmap region are not user memory");
	CHECK_EQ(t, umem_reserve(p.mm, LEGACY_BITMAP_BASE + 16 * PAGE_SIZE, PAGE_SIZE), -EINVAL,
		 "a fixed mapping in the bitmap region");
	CHECK_EQ(t, umem_protect(p.mm, LEGACY_BITMAP_BASE, PAGE_SIZE, PROT_READ), -EINVAL,
		 "mprotect of the bitmap page");
out:
	uproc_destroy(&p);
}
