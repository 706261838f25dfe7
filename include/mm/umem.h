/*
 * User memory in one address space: anonymous and shadow-stack mappings,
 * each with an unmapped guard page on both sides, and unmapping.
 */
#ifndef CETBED_MM_UMEM_H
#define CETBED_MM_UMEM_H

#include "types.h"

/* Where mappings the kernel places for a program start. */
#define USER_MMAP_BASE 0x0000100000000000UL
#define USER_MMAP_END 0x0000700000000000UL

/* Leaf flags of a user shadow-stack page: W=0, D=1 (upper levels stay writable). */
#define PTE_USER_SHSTK (PTE_P | PTE_U | PTE_A | PTE_D | PTE_SW_OWNED | PTE_SW_SHSTK)

#define UMEM_SPARE 8

struct umem {
	u64 *pml4;
	u64 next;      /* placement cursor in [USER_MMAP_BASE, USER_MMAP_END) */
	unsigned refs; /* tasks using it, plus one for the program */
	/* Ranges the kernel placed and freed again, reused before new ones. */
	u64 spare_base[UMEM_SPARE], spare_size[UMEM_SPARE];
	unsigned nr_spare;
};

/* Unmaps a range umem_reserve placed and keeps it for reuse. */
void umem_release(struct umem *u, u64 addr, u64 size);

/* A fresh address space sharing the kernel half; NULL when out of memory. */
struct umem *umem_create(void);
void umem_get(struct umem *u);
/* Drops a reference; the last one frees every user page and table. */
void umem_put(struct umem *u);
/*
 * Copy-on-write copy for fork: writable pages become read-only and shared
 * (Dirty saved), shadow-stack pages become W=0,D=0 and shared; both sides
 * copy on their next write or shadow-stack access.
 */
struct umem *umem_fork(struct umem *parent);
/*
 * Resolves a copy-on-write fault at va (error code ec); false if the fault
 * is not one.  *shstk tells whether it was a shadow-stack page.
 */
bool umem_cow_fault(struct umem *u, u64 va, u64 ec, bool *shstk);
/*
 * A present page that may be shared copy-on-write gets a frame of its own,
 * still read-only if mprotect made it so (a forced write through
 * /proc/self/mem must not make it writable).  False if there is no page or
 * no frame.
 */
bool umem_unshare(struct umem *u, u64 va);
/* PROT_* changes; shadow-stack pages refuse (-EINVAL). */
long umem_protect(struct umem *u, u64 addr, u64 size, unsigned prot);
/* Counts leaves with W=0,D=1 that are not shadow-stack mappings (must be 0). */
unsigned umem_stray_shstk(struct umem *u);

/*
 * Picks or checks a range: addr 0 picks one above the cursor; otherwise
 * addr must be page-aligned user space with [addr - 4K, addr + size + 4K)
 * unmapped.  Returns the address or -errno.
 */
long umem_reserve(struct umem *u, u64 addr, u64 size);
/* Maps fresh zeroed frames with the given leaf flags.  0 or -ENOMEM. */
int umem_map(struct umem *u, u64 addr, u64 size, u64 flags);
/* Unmaps and frees every page in the range; absent pages are skipped. */
void umem_unmap(struct umem *u, u64 addr, u64 size);
/* A shadow-stack mapping (see PTE_USER_SHSTK). */
int umem_map_shstk(struct umem *u, u64 addr, u64 size);

#endif
