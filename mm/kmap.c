/*
 * The kernel's own page tables: image sections with their real permissions
 * (text RX, rodata R+NX, data RW+NX), a direct map of physical memory (NX),
 * and the stack region.  Replaces the boot map built in boot/boot.asm.
 */
#include "kernel/cpu.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "x86/cpu.h"

#define GIB (1UL << 30)

u64 mm_nx(void)
{
	return cpu.nx ? PTE_NX : 0;
}

static void map_or_die(u64 va, u64 pa, u64 flags)
{
	if (pt_map(kernel_pml4, va, pa, flags))
		panic("out of memory building the kernel page tables");
}

static void map_section(const char *start, const char *end, u64 flags)
{
	for (u64 va = (u64)start; va < (u64)end; va += PAGE_SIZE) {
		if (va == (u64)boot_stack_guard)
			continue; /* stays unmapped: the boot stack's guard */
		map_or_die(va, virt_to_phys((void *)va), flags);
	}
}

/* Direct-maps [base, end) with 2 MiB pages where aligned, 4 KiB at the edges. */
static void map_direct(u64 base, u64 end)
{
	u64 flags = PTE_W | PTE_G | mm_nx();

	for (u64 pa = base; pa < end;) {
		if (!(pa & (LARGE_PAGE_SIZE - 1)) && end - pa >= LARGE_PAGE_SIZE) {
			if (pt_map_large(kernel_pml4, PHYS_MAP_BASE + pa, pa, flags))
				panic("out of memory building the direct map");
			pa += LARGE_PAGE_SIZE;
		} else {
			map_or_die(PHYS_MAP_BASE + pa, pa, flags);
			pa += PAGE_SIZE;
		}
	}
}

static void make_kernel_slot(u64 va)
{
	u64 *e = &kernel_pml4[pt_index(va, 4)];
	if (*e & PTE_P)
		return;
	u64 pa = frame_alloc();
	if (!pa)
		panic("out of memory for the kernel PML4 slots");
	*e = pte_make(pa, PTE_P | PTE_W);
}

void mm_init(const struct memmap *m)
{
	u64 top = memmap_top(m);

	frame_init(m);
	u64 pa = frame_alloc();
	if (!pa)
		panic("out of memory for the kernel PML4");
	kernel_pml4 = phys_to_virt(pa);

	/*
	 * Every kernel-half PML4 slot the kernel will ever use exists before
	 * the first address space copies the upper half.
	 */
	u64 direct_end = top > 4 * GIB ? top : 4 * GIB;
	if (direct_end > PHYS_MAP_MAX)
		panic("physical memory above %lu TiB is not supported", PHYS_MAP_MAX >> 40);
	for (u64 a = 0; a < direct_end; a += 1UL << 39)
		make_kernel_slot(PHYS_MAP_BASE + a);
	make_kernel_slot(IOMAP_REGION);
	make_kernel_slot(KSTACK_REGION);
	make_kernel_slot(KERNEL_VMA);

	map_section(__text_start, __text_end, PTE_G);
	map_section(__rodata_start, __rodata_end, PTE_G | mm_nx());
	map_section(__data_start, __data_end, PTE_W | PTE_G | mm_nx());
	map_section(__bss_start, __bss_end, PTE_W | PTE_G | mm_nx());

	map_direct(0, 4 * GIB);
	for (unsigned i = 0; i < m->nr_usable; i++) {
		u64 b = m->usable[i].base, e = m->usable[i].end;
		if (e > 4 * GIB)
			map_direct(b > 4 * GIB ? b : 4 * GIB, e);
	}

	write_cr3(virt_to_phys(kernel_pml4));
	frame_set_limit(~0UL);
}

static u64 kstack_cursor = KSTACK_REGION;
/* Freed stack slots are reused so page-table pages do not pile up. */
static u64 kstack_spare[64];
static unsigned nr_kstack_spare;

/* A stack's pages: data stacks writable, shadow stacks W=0,D=1 (supervisor). */
static u64 stack_alloc(u64 flags)
{
	u64 base;

	if (nr_kstack_spare) {
		base = kstack_spare[--nr_kstack_spare];
	} else {
		if (kstack_cursor + (KSTACK_PAGES + 1) * PAGE_SIZE >
		    KSTACK_REGION + KSTACK_REGION_SIZE)
			return 0;
		base = kstack_cursor + PAGE_SIZE; /* the page below stays unmapped */
		kstack_cursor += (KSTACK_PAGES + 1) * PAGE_SIZE;
	}
	for (unsigned i = 0; i < KSTACK_PAGES; i++) {
		u64 pa = frame_alloc();
		if (!pa || pt_map(kernel_pml4, base + i * PAGE_SIZE, pa,
				  flags | PTE_G | PTE_SW_OWNED | mm_nx())) {
			if (pa)
				frame_free(pa);
			kstack_free(base + KSTACK_PAGES * PAGE_SIZE);
			return 0;
		}
	}
	return base + KSTACK_PAGES * PAGE_SIZE;
}

u64 kstack_alloc(void)
{
	return stack_alloc(PTE_W);
}

u64 kshstk_alloc(void)
{
	u64 top = stack_alloc(PTE_A | PTE_D | PTE_SW_SHSTK);
	if (top)
		kshstk_write(top - 8, top - 8); /* a free supervisor token */
	return top;
}

void kshstk_write(u64 va, u64 value)
{
	/* Through the direct map: the shadow-stack mapping itself is W=0. */
	u64 *e = pt_walk(kernel_pml4, va, NULL);
	if (!e)
		panic("kshstk_write(0x%lx): not mapped", va);
	*(u64 *)phys_to_virt(pte_addr(*e) + (va & (PAGE_SIZE - 1))) = value;
}

void kstack_free(u64 top)
{
	for (unsigned i = 1; i <= KSTACK_PAGES; i++) {
		u64 old = pt_unmap(kernel_pml4, top - i * PAGE_SIZE);
		if (old & PTE_P)
			frame_free(pte_addr(old));
	}
	if (nr_kstack_spare < ARRAY_SIZE(kstack_spare))
		kstack_spare[nr_kstack_spare++] = top - KSTACK_PAGES * PAGE_SIZE;
}

u64 kstack_guard(u64 top)
{
	return top - (KSTACK_PAGES + 1) * PAGE_SIZE;
}
