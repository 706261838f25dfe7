/* Multiboot 1 and 2 boot information, as far as cetbed reads it. */
#ifndef CETBED_MULTIBOOT_H
#define CETBED_MULTIBOOT_H

#include "types.h"

#define MB1_BOOT_MAGIC 0x2badb002
#define MB2_BOOT_MAGIC 0x36d76289

#define MB1_INFO_MEM (1U << 0)
#define MB1_INFO_CMDLINE (1U << 2)
#define MB1_INFO_MODS (1U << 3)
#define MB1_INFO_MMAP (1U << 6)
#define MB1_INFO_LOADER (1U << 9)

struct mb1_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
} __packed;

struct mb1_module {
	u32 mod_start, mod_end;
	u32 cmdline;
	u32 reserved;
} __packed;

struct mb1_mmap_entry {
	u32 size; /* of the rest of the entry */
	u64 addr;
	u64 len;
	u32 type;
} __packed;

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_EFI64 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_LOAD_BASE 21

struct mb2_tag {
	u32 type;
	u32 size;
} __packed;

struct mb2_tag_mmap {
	u32 type, size;
	u32 entry_size, entry_version;
	/* entries follow */
} __packed;

struct mb2_mmap_entry {
	u64 addr, len;
	u32 type, reserved;
} __packed;

struct mb2_tag_efi_mmap {
	u32 type, size;
	u32 desc_size, desc_version;
	/* descriptors follow */
} __packed;

struct efi_memory_desc {
	u32 type, pad;
	u64 phys_start, virt_start, num_pages, attribute;
} __packed;

struct mb2_tag_module {
	u32 type, size;
	u32 mod_start, mod_end;
	char cmdline[];
} __packed;

/* Tag 8: the framebuffer the loader set up; color fields follow for RGB. */
struct mb2_tag_framebuffer {
	u32 type, size;
	u64 addr;
	u32 pitch, width, height;
	u8 bpp, fb_type;
	u16 reserved;
	/* fb_type MB2_FB_RGB: position and size of each color field, in bits */
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
} __packed;

#define MB2_FB_INDEXED 0
#define MB2_FB_RGB 1
#define MB2_FB_EGA_TEXT 2

/* Multiboot / E820 memory types. */
#define MMAP_AVAILABLE 1
#define MMAP_ACPI_RECLAIM 3

#endif
