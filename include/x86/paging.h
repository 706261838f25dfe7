/*
 * 4-level paging: entry bits and pure encode/decode helpers.  Nothing here
 * touches hardware, so the host unit tests compile this header as is.
 */
#ifndef CETBED_X86_PAGING_H
#define CETBED_X86_PAGING_H

#include "types.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define LARGE_PAGE_SIZE (1UL << 21)
#define PT_ENTRIES 512

#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_A (1UL << 5)
#define PTE_D (1UL << 6)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
/*
 * Software bits.  OWNED: the address space holds a reference on the frame.
 * SHSTK: a shadow-stack mapping (kept while copy-on-write makes it W=0,D=0).
 * COW: shared copy-on-write; the first write (or shadow-stack access) copies.
 * SAVED_DIRTY: Dirty parked while W=0, because W=0,D=1 means shadow stack.
 * READONLY: mprotect took PROT_WRITE away; a copy-on-write page stays
 * read-only (its first write is the program's fault, not a copy).
 */
#define PTE_SW_OWNED (1UL << 9)
#define PTE_SW_SHSTK (1UL << 10)
#define PTE_SW_COW (1UL << 11)
#define PTE_SW_SAVED_DIRTY (1UL << 58)
#define PTE_SW_READONLY (1UL << 57)
#define PTE_NX (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL

/* Page-fault error code bits. */
#define PF_EC_P (1U << 0)
#define PF_EC_W (1U << 1)
#define PF_EC_U (1U << 2)
#define PF_EC_RSVD (1U << 3)
#define PF_EC_I (1U << 4)
#define PF_EC_PK (1U << 5)
#define PF_EC_SS (1U << 6)

/* Levels count from the leaf: 1 = PT, 2 = PD, 3 = PDPT, 4 = PML4. */
static inline unsigned pt_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline bool va_is_canonical(u64 va)
{
	return ((s64)(va << 16) >> 16) == (s64)va;
}

static inline u64 pte_make(u64 pa, u64 flags)
{
	return (pa & PTE_ADDR_MASK) | flags;
}

static inline u64 pte_addr(u64 pte)
{
	return pte & PTE_ADDR_MASK;
}

static inline u64 pte_flags(u64 pte)
{
	return pte & ~PTE_ADDR_MASK;
}

/* A leaf with W=0 and D=1 is a shadow-stack page (given writable upper levels). */
static inline bool pte_is_shstk_type(u64 pte)
{
	return (pte & (PTE_P | PTE_W | PTE_D)) == (PTE_P | PTE_D);
}

/*
 * Write-protects an ordinary page.  Dirty moves to SAVED_DIRTY: leaving D set
 * with W clear would turn the page into a shadow stack.
 */
static inline u64 pte_wrprotect(u64 pte)
{
	if (pte & PTE_D)
		pte = (pte & ~PTE_D) | PTE_SW_SAVED_DIRTY;
	return pte & ~PTE_W;
}

/* Makes an ordinary page writable again; a saved Dirty comes back. */
static inline u64 pte_mkwrite(u64 pte)
{
	if (pte & PTE_SW_SAVED_DIRTY)
		pte = (pte & ~PTE_SW_SAVED_DIRTY) | PTE_D;
	return pte | PTE_W;
}

/*
 * Copy-on-write of a shadow-stack page: W=0,D=0 with Dirty saved, so every
 * shadow-stack access (even RET's read) faults until the page is copied.
 */
static inline u64 pte_shstk_cow(u64 pte)
{
	return (pte & ~(PTE_D | PTE_W)) | PTE_SW_SAVED_DIRTY | PTE_SW_COW;
}

/* The shadow-stack leaf a copied (or no longer shared) page gets back. */
static inline u64 pte_shstk_restore(u64 pte)
{
	return (pte & ~(PTE_W | PTE_SW_SAVED_DIRTY | PTE_SW_COW)) | PTE_D;
}

/* The invariant: W=0,D=1 only where the kernel meant a shadow stack. */
static inline bool pte_stray_shstk(u64 pte)
{
	return pte_is_shstk_type(pte) && !(pte & PTE_SW_SHSTK);
}

#endif
