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
/* Software bits.  OWNED: the address space owns the frame and frees it. */
#define PTE_SW_OWNED (1UL << 9)
/* Reserved for the copy-on-write work: Dirty parked while W=0. */
#define PTE_SW_SAVED_DIRTY (1UL << 58)
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

#endif
