/* GDT and TSS: flat 64-bit segments in SYSCALL/SYSRET order, IST stacks. */
#include "kernel/cpu.h"
#include "lib.h"
#include "mm/kstack.h"
#include "x86/msr.h"
#include "x86/segment.h"
#include "x86/cpu.h"

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

static struct tss tss __aligned(16);
static u64 gdt[GDT_ENTRIES] __aligned(16);

static u64 seg_desc(u32 access, u32 flags)
{
	/* Base 0, limit 0xfffff; access in bits 47:40, flags (G, D/B, L) in 55:52. */
	return 0xffffUL | (0xfUL << 48) | ((u64)access << 40) | ((u64)flags << 52);
}

void gdt_init(void)
{
	u64 base = (u64)&tss;

	gdt[KERNEL_CS >> 3] = seg_desc(0x9b, 0xa); /* P, DPL0, code, L, G */
	gdt[KERNEL_DS >> 3] = seg_desc(0x93, 0xc);
	gdt[USER_CS32 >> 3] = seg_desc(0xfb, 0xc); /* 32-bit user code, D */
	gdt[USER_DS >> 3] = seg_desc(0xf3, 0xc);
	gdt[USER_CS >> 3] = seg_desc(0xfb, 0xa);
	/* 64-bit available TSS: a 16-byte system descriptor. */
	gdt[TSS_SEL >> 3] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
			    (((base >> 24) & 0xff) << 56);
	gdt[(TSS_SEL >> 3) + 1] = base >> 32;
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 port I/O faults */

	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { sizeof(gdt) - 1, (u64)gdt };
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %2, %%ds\n\t"
		     "mov %2, %%es\n\t"
		     "mov %2, %%ss\n\t"
		     "ltr %w3\n\t"
		     /* A null LDTR: whatever the loader left there must not be used. */
		     "lldt %w4"
		     :
		     : "m"(gdtr), "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(TSS_SEL), "r"(0)
		     : "rax", "memory");
}

void tss_set_rsp0(u64 rsp0)
{
	tss.rsp[0] = rsp0;
}

u64 tss_rsp0(void)
{
	return tss.rsp[0];
}

u64 ist_ssp_table[8] __aligned(8);

void kshstk_setup_ist(void)
{
	/* Entry i is the token address for IST i; entry 0 is unused. */
	unsigned ists[] = { IST_DF, IST_NMI, IST_MC };
	for (unsigned i = 0; i < ARRAY_SIZE(ists); i++) {
		u64 top = kshstk_alloc();
		if (!top)
			panic("no memory for the IST shadow stacks");
		ist_ssp_table[ists[i]] = top - 8;
	}
	wrmsr(MSR_IA32_INTERRUPT_SSP_TABLE_ADDR, (u64)ist_ssp_table);
}

u64 kshstk_ssp(void)
{
	u64 ssp = 0;
	asm volatile("rdsspq %0" : "+r"(ssp));
	return ssp;
}

void tss_init_ist(void)
{
	tss.ist[IST_DF - 1] = kstack_alloc();
	tss.ist[IST_NMI - 1] = kstack_alloc();
	tss.ist[IST_MC - 1] = kstack_alloc();
	if (!tss.ist[IST_DF - 1] || !tss.ist[IST_NMI - 1] || !tss.ist[IST_MC - 1])
		panic("no memory for the IST stacks");
}
