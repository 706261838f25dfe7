/* What the boot loader told us, copied out of the multiboot information. */
#ifndef CETBED_KERNEL_BOOTINFO_H
#define CETBED_KERNEL_BOOTINFO_H

#include "mm/memmap.h"

#define CMDLINE_MAX 1024
/* Runtime descriptors kept from the EFI memory map; firmware has a few dozen. */
#define BOOT_EFI_RT_MAX 128

/* An EFI memory descriptor with the EFI_MEMORY_RUNTIME attribute (tag 17). */
struct bootinfo_efi_rt {
	u64 phys, pages, attr;
	u32 type;
};

/* The loader's framebuffer (multiboot2 tag 8); type BOOT_FB_NONE if none. */
enum bootinfo_fb_type {
	BOOT_FB_NONE,
	BOOT_FB_RGB,
	BOOT_FB_INDEXED,
	BOOT_FB_EGA_TEXT,
	BOOT_FB_UNKNOWN,
};

struct bootinfo_fb {
	enum bootinfo_fb_type type;
	u64 addr; /* physical, may be above 4 GiB */
	u32 pitch, width, height; /* pitch in bytes; EGA text: in characters */
	u8 bpp;
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* A boot module (multiboot 1 or 2): a program for the Linux personality. */
#define BOOT_MODULES_MAX 8
#define BOOT_MODULE_CMDLINE 2048
struct boot_module {
	u64 phys, size;
	char cmdline[BOOT_MODULE_CMDLINE];
	bool cmdline_truncated; /* a boot error names it */
};

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
	struct bootinfo_fb fb;
	u64 info_phys, info_size;
	/* What efi.c identity-maps for runtime-service calls. */
	bool efi_mmap; /* the loader passed the EFI memory map */
	struct bootinfo_efi_rt efi_rt[BOOT_EFI_RT_MAX];
	unsigned nr_efi_rt;
	unsigned efi_rt_dropped; /* runtime descriptors beyond BOOT_EFI_RT_MAX */
	struct boot_module mods[BOOT_MODULES_MAX];
	unsigned nr_mods, mods_dropped;
};

extern struct bootinfo boot;

/* Parses the multiboot information; returns false (with diagnostics) if unusable. */
bool bootinfo_parse(u32 magic, u32 info_phys);

#endif
