/*
 * Address spaces as a whole: creation, reference counting, the
 * copy-on-write fork, copy-on-write faults and protection changes.  This is
 * where the kernel write-protects pages, so it is where Dirty must move to
 * SAVED_DIRTY (see pte_wrprotect): a W=0,D=1 leaf is a shadow stack.
 */
#include "errno.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "syscall.h"
#include "x86/cpu.h"

#define UMEM_POOL 64

static struct umem pool[UMEM_POOL];

struct umem *umem_create(void)
{
	for (unsigned i = 0; i < UMEM_POOL; i++) {
		struct umem *u = &pool[i];
		if (u->refs)
			continue;
		u64 pa = frame_alloc();
		if (!pa)
			return NULL;
		*u = (struct umem){ .pml4 = phys_to_virt(pa), .refs = 1 };
		for (unsigned k = PML4_KERNEL_FIRST; k < PT_ENTRIES; k++)
			u->pml4[k] = kernel_pml4[k];
		return u;
	}
	return NULL;
}

void umem_get(struct umem *u)
{
	u->refs++;
}

void umem_put(struct umem *u)
{
	if (!u || --u->refs)
		return;
	pt_free_user(u->pml4);
	frame_free(virt_to_phys(u->pml4));
	u->pml4 = NULL;
}

/* Visits every present user leaf (4 KiB pages only: user space has no others). */
static void for_each_leaf(u64 *pml4, void (*fn)(u64 va, u64 *pte, void *ctx), void *ctx)
{
	const unsigned n4 = PML4_KERNEL_FIRST, n = PT_ENTRIES;
	for (unsigned i4 = pt_next_present(pml4, 0, n4); i4 < n4;
	     i4 = pt_next_present(pml4, i4 + 1, n4)) {
		u64 *pdpt = phys_to_virt(pte_addr(pml4[i4]));
		for (unsigned i3 = pt_next_present(pdpt, 0, n); i3 < n;
		     i3 = pt_next_present(pdpt, i3 + 1, n)) {
			u64 *pd = phys_to_virt(pte_addr(pdpt[i3]));
			for (unsigned i2 = pt_next_present(pd, 0, n); i2 < n;
			     i2 = pt_next_present(pd, i2 + 1, n)) {
				u64 *pt = phys_to_virt(pte_addr(pd[i2]));
				for (unsigned i1 = pt_next_present(pt, 0, n); i1 < n;
				     i1 = pt_next_present(pt, i1 + 1, n))
					fn(((u64)i4 << 39) | ((u64)i3 << 30) | ((u64)i2 << 21) |
						   ((u64)i1 << 12),
					   &pt[i1], ctx);
			}
		}
	}
}

struct fork_ctx {
	struct umem *child;
	bool failed;
};

static void fork_leaf(u64 va, u64 *pte, void *arg)
{
	struct fork_ctx *c = arg;
	u64 e = *pte;

	if (c->failed || !(e & PTE_SW_OWNED))
		return;
	if (e & PTE_SW_SHSTK)
		e = pte_shstk_cow(e);
	else if (e & PTE_W)
		e = pte_wrprotect(e) | PTE_SW_COW;
	if (pt_map(c->child->pml4, va, pte_addr(e), pte_flags(e) & ~PTE_P)) {
		c->failed = true;
		return;
	}
	frame_get(pte_addr(e));
	*pte = e;
}

struct umem *umem_fork(struct umem *parent)
{
	struct umem *child = umem_create();
	if (!child)
		return NULL;
	child->next = parent->next;
	struct fork_ctx c = { child, false };
	for_each_leaf(parent->pml4, fork_leaf, &c);
	/* The parent's entries lost W (and shadow-stack type): flush them all. */
	write_cr3(read_cr3());
	if (c.failed) {
		umem_put(child);
		return NULL;
	}
	return child;
}

/*
 * Gives the page at *pte a frame of its own (a copy while another process
 * still shares it): a shadow-stack page becomes one again; another page
 * becomes writable unless mprotect made it read-only.
 */
static bool unshare(u64 *pte, u64 va)
{
	bool shstk = *pte & PTE_SW_SHSTK, writable = !(*pte & PTE_SW_READONLY);
	u64 old = pte_addr(*pte), pa = old;
	if (frame_refs(old) > 1) {
		pa = frame_alloc();
		if (!pa)
			return false;
		memcpy(phys_to_virt(pa), phys_to_virt(old), PAGE_SIZE);
		frame_put(old);
	}
	u64 e = pte_make(pa, pte_flags(*pte));
	*pte = shstk ? pte_shstk_restore(e) : (writable ? pte_mkwrite(e) : e) & ~PTE_SW_COW;
	invlpg(ALIGN_DOWN(va, PAGE_SIZE));
	return true;
}

bool umem_cow_fault(struct umem *u, u64 va, u64 ec, bool *shstk)
{
	int level;
	u64 *pte = pt_walk(u->pml4, va, &level);

	if (!pte || level != 1 || !(*pte & PTE_SW_COW) || !(ec & PF_EC_P))
		return false;
	*shstk = *pte & PTE_SW_SHSTK;
	/* Only the access the sharing forbids: a write, or a shadow-stack access. */
	if (*shstk ? !(ec & PF_EC_SS) : (!(ec & PF_EC_W) || (ec & PF_EC_SS)))
		return false;
	/* A page mprotect made read-only stays so: the write faults again, the program's. */
	return unshare(pte, va);
}

bool umem_unshare(struct umem *u, u64 va)
{
	int level;
	u64 *pte = pt_walk(u->pml4, va, &level);

	if (!pte || level != 1 || !(*pte & PTE_SW_COW))
		return !!pte;
	return unshare(pte, va);
}

long umem_protect(struct umem *u, u64 addr, u64 size, unsigned prot)
{
	if ((addr & (PAGE_SIZE - 1)) || !size || addr + size < addr || addr + size > USER_TOP ||
	    !user_range_ok(addr, size) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	size = ALIGN_UP(size, PAGE_SIZE);
	/* Check first, change after: a shadow stack or a hole refuses the whole call. */
	for (u64 va = addr; va < addr + size; va += PAGE_SIZE) {
		int level;
		u64 *pte = pt_walk(u->pml4, va, &level);
		if (!pte || level != 1)
			return -ENOMEM;
		if (*pte & PTE_SW_SHSTK)
			return -EINVAL;
	}
	for (u64 va = addr; va < addr + size; va += PAGE_SIZE) {
		u64 *pte = pt_walk(u->pml4, va, NULL);
		u64 e = *pte & ~PTE_SW_READONLY;
		if (!(prot & PROT_WRITE))
			e = pte_wrprotect(e) | PTE_SW_READONLY;
		else if (!(e & PTE_SW_COW)) /* shared pages stay read-only until copied */
			e = pte_mkwrite(e);
		e = (prot & PROT_EXEC) ? e & ~PTE_NX : e | mm_nx();
		*pte = e;
		invlpg(va);
	}
	return 0;
}

static void stray_leaf(u64 va, u64 *pte, void *arg)
{
	(void)va;
	if (pte_stray_shstk(*pte))
		(*(unsigned *)arg)++;
}

unsigned umem_stray_shstk(struct umem *u)
{
	unsigned n = 0;
	for_each_leaf(u->pml4, stray_leaf, &n);
	return n;
}
