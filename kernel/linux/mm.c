/*
 * Memory of a Linux process: a sorted list of mappings (VMAs) whose pages
 * appear on first touch, top-down mmap placement as Linux does it, brk,
 * munmap, mprotect and madvise.  Page tables, copy-on-write and the
 * saved-dirty rule stay with mm/ (umem).
 */
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "syscall.h"
#include "x86/cpu.h"
#include "x86/paging.h"

/* mmap places top-down from here; the 8 MiB stack and a gap sit above. */
#define LX_MMAP_TOP 0x00007fff00000000UL
#define LX_MMAP_MIN USER_MMAP_BASE

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
/* Linux on x86-64 places MAP_32BIT mappings in [1 GiB, 2 GiB). */
#define MAP_32BIT 0x40
#define MAP_32BIT_LO 0x40000000UL
#define MAP_32BIT_HI 0x80000000UL
/* Linux's default vm.mmap_min_addr: a MAP_32BIT hint may lie anywhere above it. */
#define LX_MMAP_MIN_ADDR 0x10000UL
#define MADV_DONTNEED 4

struct lx_vma *lx_vma_find(struct lx_proc *lp, u64 va)
{
	for (unsigned i = 0; i < lp->nr_vma; i++)
		if (va >= lp->vma[i].start && va < lp->vma[i].end)
			return &lp->vma[i];
	return NULL;
}

static bool range_free(struct lx_proc *lp, u64 start, u64 end)
{
	for (unsigned i = 0; i < lp->nr_vma; i++)
		if (lp->vma[i].start < end && start < lp->vma[i].end)
			return false;
	return true;
}

int lx_vma_add(struct lx_proc *lp, u64 start, u64 end, u32 prot, u32 flags)
{
	unsigned i = 0;

	while (i < lp->nr_vma && lp->vma[i].start < start)
		i++;
	/* Like Linux, anonymous neighbours of the same kind merge into one VMA. */
	bool mergeable = !(flags & (LX_VMA_SHSTK | LX_VMA_ELF));
	if (mergeable && i && lp->vma[i - 1].end == start && lp->vma[i - 1].prot == prot &&
	    lp->vma[i - 1].flags == flags) {
		lp->vma[i - 1].end = end;
		return 0;
	}
	if (mergeable && i < lp->nr_vma && lp->vma[i].start == end && lp->vma[i].prot == prot &&
	    lp->vma[i].flags == flags) {
		lp->vma[i].start = start;
		return 0;
	}
	if (lp->nr_vma == LX_VMAS_MAX)
		return -ENOMEM;
	memmove(&lp->vma[i + 1], &lp->vma[i], (lp->nr_vma - i) * sizeof(lp->vma[0]));
	lp->vma[i] = (struct lx_vma){ start, end, prot, flags };
	lp->nr_vma++;
	return 0;
}

/* Cuts a VMA in two at va so that ranges can change on page bounds. */
static int split_at(struct lx_proc *lp, u64 va)
{
	struct lx_vma *v = lx_vma_find(lp, va);

	if (!v || v->start == va)
		return 0;
	if (lp->nr_vma == LX_VMAS_MAX)
		return -ENOMEM;
	unsigned i = (unsigned)(v - lp->vma);
	memmove(&lp->vma[i + 1], &lp->vma[i], (lp->nr_vma - i) * sizeof(lp->vma[0]));
	lp->nr_vma++;
	lp->vma[i].end = va;
	lp->vma[i + 1].start = va;
	return 0;
}

void lx_unmap_range(struct lx_proc *lp, u64 start, u64 end)
{
	/* Splitting can only fail for lack of entries: then the whole VMA goes. */
	split_at(lp, start);
	split_at(lp, end);
	for (unsigned i = 0; i < lp->nr_vma;) {
		struct lx_vma *v = &lp->vma[i];
		if (v->start >= start && v->end <= end) {
			memmove(v, v + 1, (lp->nr_vma - i - 1) * sizeof(*v));
			lp->nr_vma--;
		} else {
			i++;
		}
	}
	umem_unmap(lp->mm, start, end - start);
}

/*
 * A shadow-stack VMA is writable only by shadow-stack accesses, as Linux's
 * VM_SHADOW_STACK | VM_WRITE; mprotect without PROT_WRITE turns its pages
 * into ordinary read-only memory until PROT_WRITE comes back.
 */
static bool access_allowed(const struct lx_vma *v, u64 ec)
{
	if (ec & PF_EC_SS)
		return (v->flags & LX_VMA_SHSTK) && (v->prot & PROT_WRITE);
	if (ec & PF_EC_W)
		return (v->prot & PROT_WRITE) && !(v->flags & LX_VMA_SHSTK);
	if (ec & PF_EC_I)
		return v->prot & PROT_EXEC;
	return v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

static u64 leaf_flags(const struct lx_vma *v)
{
	if (v->flags & LX_VMA_SHSTK)
		return v->prot & PROT_WRITE ? PTE_USER_SHSTK | mm_nx()
					    : PTE_P | PTE_U | PTE_SW_OWNED | mm_nx();
	return PTE_P | PTE_U | PTE_SW_OWNED | (v->prot & PROT_WRITE ? PTE_W : 0) |
	       (v->prot & PROT_EXEC ? 0 : mm_nx());
}

bool lx_demand_fault(struct lx_proc *lp, u64 va, u64 ec)
{
	struct lx_vma *v = lx_vma_find(lp, va);

	if (!v || (ec & PF_EC_P) || !access_allowed(v, ec))
		return false;
	u64 page = ALIGN_DOWN(va, PAGE_SIZE);
	u64 pa = frame_alloc();
	if (!pa)
		return false;
	if (pt_map(lp->mm->pml4, page, pa, leaf_flags(v))) {
		frame_free(pa);
		return false;
	}
	return true;
}

int lx_populate(struct lx_proc *lp, u64 va, u64 len, bool write)
{
	if (!len)
		return 0;
	if (!user_range_ok(va, len))
		return -EFAULT;
	for (u64 page = ALIGN_DOWN(va, PAGE_SIZE); page < va + len; page += PAGE_SIZE) {
		int level;
		u64 *e = pt_walk(lp->mm->pml4, page, &level);
		struct lx_vma *v = lx_vma_find(lp, page);
		bool shstk;
		/* The kernel reaches shadow-stack pages as shadow-stack accesses (WRUSS). */
		u64 ec = PF_EC_U | (write ? PF_EC_W : 0) |
			 (v && (v->flags & LX_VMA_SHSTK) ? PF_EC_SS : 0);
		if (!e) {
			if (!lx_demand_fault(lp, page, ec))
				return -EFAULT;
		} else if (write && !(*e & PTE_W) && (*e & PTE_SW_COW)) {
			if (!umem_cow_fault(lp->mm, page, ec | PF_EC_P, &shstk))
				return -EFAULT;
		}
	}
	return 0;
}

int lx_copy_to_user(u64 udst, const void *src, size_t n)
{
	struct lx_proc *lp = current->lx.proc;
	if (lp && lx_populate(lp, udst, n, true))
		return -EFAULT;
	return copy_to_user(udst, src, n);
}

int lx_copy_from_user(void *dst, u64 usrc, size_t n)
{
	struct lx_proc *lp = current->lx.proc;
	if (lp && lx_populate(lp, usrc, n, false))
		return -EFAULT;
	return copy_from_user(dst, usrc, n);
}

/* The highest free range of size bytes (gap more above it) in [lo, hi). */
static long unmapped_area_in(struct lx_proc *lp, u64 size, u64 gap, u64 lo, u64 hi)
{
	for (int i = (int)lp->nr_vma - 1; i >= 0; i--) {
		const struct lx_vma *v = &lp->vma[i];
		if (v->start >= hi)
			continue;
		if (v->end + gap + size <= hi)
			break;
		/* A shadow stack keeps an unmapped page below it. */
		hi = v->start - (v->flags & LX_VMA_SHSTK ? PAGE_SIZE : 0);
	}
	if (hi < lo + size + gap)
		return -ENOMEM;
	return (long)(hi - size);
}

long lx_unmapped_area(struct lx_proc *lp, u64 size, u64 gap)
{
	return unmapped_area_in(lp, size, gap, LX_MMAP_MIN, LX_MMAP_TOP);
}

long lx_sys_brk(u64 addr)
{
	struct lx_proc *lp = current->lx.proc;
	u64 old_end = ALIGN_UP(lp->brk, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);

	if (addr < lp->brk_start || addr >= LX_MMAP_MIN)
		return (long)lp->brk;
	if (new_end > old_end) {
		if (!range_free(lp, old_end, new_end) ||
		    lx_vma_add(lp, old_end, new_end, PROT_READ | PROT_WRITE, 0))
			return (long)lp->brk;
	} else if (new_end < old_end) {
		lx_unmap_range(lp, new_end, old_end);
	}
	lp->brk = addr;
	return (long)addr;
}

long lx_sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	struct lx_proc *lp = current->lx.proc;
	u64 size = ALIGN_UP(len, PAGE_SIZE);

	(void)off;
	if (!len || !size || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return (int)fd < 0 ? -EBADF : -ENODEV;
	if (!(flags & (MAP_PRIVATE | MAP_SHARED)) || (prot & ~7UL))
		return -EINVAL;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if ((addr & (PAGE_SIZE - 1)) || !user_range_ok(addr, size))
			return -EINVAL;
		if (!range_free(lp, addr, addr + size)) {
			if (!(flags & MAP_FIXED))
				return -EEXIST;
			lx_unmap_range(lp, addr, addr + size);
		}
	} else if (addr && !(addr & (PAGE_SIZE - 1)) && user_range_ok(addr, size) &&
		   addr >= ((flags & MAP_32BIT) ? LX_MMAP_MIN_ADDR : LX_MMAP_MIN) &&
		   (!(flags & MAP_32BIT) || addr + size <= MAP_32BIT_HI) &&
		   range_free(lp, addr, addr + size)) {
		/* The hint is free (and below 2 GiB for MAP_32BIT): take it. */
	} else {
		long a = flags & MAP_32BIT
				 ? unmapped_area_in(lp, size, 0, MAP_32BIT_LO, MAP_32BIT_HI)
				 : lx_unmapped_area(lp, size, 0);
		if (a < 0)
			return a;
		addr = (u64)a;
	}
	if (lx_vma_add(lp, addr, addr + size, (u32)prot, 0))
		return -ENOMEM;
	return (long)addr;
}

long lx_sys_munmap(u64 addr, u64 len)
{
	struct lx_proc *lp = current->lx.proc;
	u64 size = ALIGN_UP(len, PAGE_SIZE); /* 0 for 0 and for a length that wraps */

	if ((addr & (PAGE_SIZE - 1)) || !size || !user_range_ok(addr, size))
		return -EINVAL;
	lx_unmap_range(lp, addr, addr + size);
	return 0;
}

long lx_sys_mprotect(u64 addr, u64 len, u64 prot)
{
	struct lx_proc *lp = current->lx.proc;
	u64 end = addr + ALIGN_UP(len, PAGE_SIZE);

	if ((addr & (PAGE_SIZE - 1)) || (prot & ~7UL))
		return -EINVAL;
	if (!len)
		return 0;
	/* A length that wraps, or rounds up to 0 (mm/mprotect.c). */
	if (end <= addr)
		return -ENOMEM;
	/* Every page must be mapped (Linux: -ENOMEM for a hole). */
	for (u64 va = addr; va < end;) {
		struct lx_vma *v = lx_vma_find(lp, va);
		if (!v)
			return -ENOMEM;
		va = v->end;
	}
	if (split_at(lp, addr) || split_at(lp, end))
		return -ENOMEM;
	for (unsigned i = 0; i < lp->nr_vma; i++) {
		struct lx_vma *v = &lp->vma[i];
		if (v->start < addr || v->end > end)
			continue;
		v->prot = (u32)prot;
		for (u64 va = v->start; va < v->end; va += PAGE_SIZE) {
			int level;
			u64 *pte = pt_walk(lp->mm->pml4, va, &level);
			if (!pte || level != 1)
				continue;
			/* Read-only pages carry the mark a copy-on-write fault respects. */
			u64 e = *pte & ~PTE_SW_READONLY;
			if (v->flags & LX_VMA_SHSTK) {
				/* Shadow stack again, or read-only memory (Dirty saved). */
				e = prot & PROT_WRITE
					    ? pte_shstk_restore(e) | PTE_SW_SHSTK
					    : (pte_wrprotect(e) & ~PTE_SW_SHSTK) | PTE_SW_READONLY;
				*pte = e;
				invlpg(va);
				continue;
			}
			/* PROT_NONE keeps the page but makes it a supervisor page. */
			e = prot ? e | PTE_U : e & ~PTE_U;
			if (!(prot & PROT_WRITE))
				e = pte_wrprotect(e) | PTE_SW_READONLY;
			else if (!(e & PTE_SW_COW))
				e = pte_mkwrite(e);
			e = (prot & PROT_EXEC) ? e & ~PTE_NX : e | mm_nx();
			*pte = e;
			invlpg(va);
		}
	}
	return 0;
}

long lx_sys_madvise(u64 addr, u64 len, u64 advice)
{
	struct lx_proc *lp = current->lx.proc;
	u64 end = addr + ALIGN_UP(len, PAGE_SIZE);

	/* Linux's order: alignment, a length that wraps, then holes, whatever the advice. */
	if ((addr & (PAGE_SIZE - 1)) || (len && end == addr) || end < addr)
		return -EINVAL;
	for (u64 va = addr; va < end;) {
		struct lx_vma *v = lx_vma_find(lp, va);
		if (!v)
			return -ENOMEM;
		va = v->end;
	}
	if (advice != MADV_DONTNEED)
		return 0;
	for (u64 va = addr; va < end; va += PAGE_SIZE) {
		struct lx_vma *v = lx_vma_find(lp, va);
		if (!v)
			return -ENOMEM;
		/* Anonymous memory reads back as zeroes; a shadow stack keeps its pages. */
		if (!(v->flags & (LX_VMA_SHSTK | LX_VMA_ELF)))
			umem_unmap(lp->mm, va, PAGE_SIZE);
	}
	return 0;
}
