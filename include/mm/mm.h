/* Memory management setup and the kernel's view of its own mappings. */
#ifndef CETBED_MM_MM_H
#define CETBED_MM_MM_H

#include "mm/memmap.h"

/* Builds the kernel page tables from the sanitized map and switches to them. */
void mm_init(const struct memmap *m);
/* PTE_NX where the CPU has it, else 0 (the bit would be reserved). */
u64 mm_nx(void);

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[], __kernel_end[];
extern char __kernel_phys_start[], boot_stack_guard[], boot_pml4[];

#endif
