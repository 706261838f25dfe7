/* What the boot loader told us, copied out of the multiboot information. */
#ifndef CETBED_KERNEL_BOOTINFO_H
#define CETBED_KERNEL_BOOTINFO_H

#include "mm/memmap.h"

#define CMDLINE_MAX 1024

struct bootinfo {
	unsigned protocol; /* 1 or 2 */
	char cmdline[CMDLINE_MAX];
	bool cmdline_truncated;
	char loader[64];
	const char *mmap_source; /* "efi", "multiboot2", "multiboot1", "meminfo" */
	struct memmap mem;
	u8 rsdp[36]; /* copy of the ACPI RSDP; rsdp_len 0 if none */
	unsigned rsdp_len;
	u64 efi_systab;
	u64 info_phys, info_size;
};

extern struct bootinfo boot;

/* Parses the multiboot information; returns false (with diagnostics) if unusable. */
bool bootinfo_parse(u32 magic, u32 info_phys);

#endif
