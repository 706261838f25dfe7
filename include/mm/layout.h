/*
 * The virtual address map.  Shared by C, the linker script (through cpp)
 * and NASM (through asm-offsets), so this is the only place the numbers live.
 *
 *   0000000000001000 .. 00007fffffffefff   user (lower half, per address space)
 *   ffff800000000000 ..                    direct map of physical memory (NX)
 *   fffffc0000000000 ..                    device memory (framebuffer), NX, own cache type
 *   fffffe0000000000 ..                    kernel stacks, each with a guard page below
 *   ffffffff80000000 + phys                kernel image
 */
#ifndef CETBED_MM_LAYOUT_H
#define CETBED_MM_LAYOUT_H

#ifdef __ASSEMBLER__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif

#define KERNEL_PHYS _UL(0x200000)
#define KERNEL_VMA _UL(0xffffffff80000000)
#define PHYS_MAP_BASE _UL(0xffff800000000000)
#define PHYS_MAP_MAX _UL(0x0000400000000000)
#define IOMAP_REGION _UL(0xfffffc0000000000)
#define IOMAP_REGION_SIZE _UL(0x0000008000000000)
#define KSTACK_REGION _UL(0xfffffe0000000000)
#define KSTACK_REGION_SIZE _UL(0x0000008000000000)
#define USER_BASE _UL(0x1000)
#define USER_TOP _UL(0x00007ffffffff000)
/* The first PML4 slot of the shared kernel half. */
#define PML4_KERNEL_FIRST 256

#define KSTACK_PAGES 4

#ifndef __ASSEMBLER__
#include "types.h"
/* The boot map and the final map both place the direct map here. */
static inline void *phys_to_virt(u64 pa)
{
	return (void *)(pa + PHYS_MAP_BASE);
}
/*
 * Whatever lies there, RAM or not, the direct map covers physical memory
 * below 4 GiB: firmware tables are read through it.  True if [pa, pa+len)
 * is nonzero and inside.
 */
#define DIRECT_MAP_ALWAYS _UL(0x100000000)
static inline bool direct_map_covers(u64 pa, u64 len)
{
	return pa && pa < DIRECT_MAP_ALWAYS && len <= DIRECT_MAP_ALWAYS - pa;
}
/*
 * Where the image really is minus where it was linked (KERNEL_PHYS): a
 * multiboot2 loader may relocate it (boot/boot.asm sets this).
 */
extern u64 kernel_phys_offset;
static inline u64 virt_to_phys(const void *va)
{
	u64 v = (u64)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA + kernel_phys_offset;
	return v - PHYS_MAP_BASE;
}
#endif

#endif
