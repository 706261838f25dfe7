/*
 * Multiboot 1 and 2 information: command line, loader name, memory map (the
 * EFI map preferred over the BIOS-style map), ACPI RSDP, framebuffer.
 * Malformed input is reported and, where it leaves no memory map, refused.
 */
#include "kernel/boot_error.h"
#include "kernel/platform/bootinfo.h"
#include "kernel/platform/efi.h"
#include "lib.h"
#include "mm/layout.h"
#include "kernel/platform/multiboot.h"
#include "x86/paging.h"

struct bootinfo boot;

extern char __kernel_phys_start[], __bss_end_phys[];

/* EFI memory types that are free once boot services have exited. */
static bool efi_type_usable(u32 type)
{
	switch (type) {
	case 1: /* LoaderCode */
	case 2: /* LoaderData */
	case 3: /* BootServicesCode */
	case 4: /* BootServicesData */
	case 7: /* ConventionalMemory */
		return true;
	default:
		return false;
	}
}

static void copy_str(char *dst, size_t size, const char *src, size_t max, bool *truncated)
{
	size_t n = strnlen(src, max);
	if (n >= size) {
		n = size - 1;
		if (truncated)
			*truncated = true;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Modules stay where the loader put them: their frames are reserved below. */
static void add_module(u64 start, u64 end, const char *cmdline, size_t max)
{
	if (end < start) {
		diag("ERROR: boot: module at 0x%lx ends before it starts (0x%lx)", start, end);
		return;
	}
	if (boot.nr_mods == BOOT_MODULES_MAX) {
		boot.mods_dropped++;
		return;
	}
	struct boot_module *m = &boot.mods[boot.nr_mods++];
	m->phys = start;
	m->size = end - start;
	copy_str(m->cmdline, sizeof(m->cmdline), cmdline ? cmdline : "", max,
		 &m->cmdline_truncated);
}

static void parse_mb2_mmap(const struct mb2_tag_mmap *t)
{
	if (t->entry_size < sizeof(struct mb2_mmap_entry)) {
		boot_error("boot: multiboot2 memory map entry size %u is too small", t->entry_size);
		return;
	}
	for (u32 off = sizeof(*t); off + t->entry_size <= t->size; off += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)((const u8 *)t + off);
		memmap_add(&boot.mem, e->addr, e->len,
			   e->type == MMAP_AVAILABLE ? MEM_USABLE : MEM_RESERVED);
	}
}

static void parse_efi_mmap(const struct mb2_tag_efi_mmap *t)
{
	if (t->desc_size < sizeof(struct efi_memory_desc)) {
		boot_error("boot: EFI memory descriptor size %u is too small", t->desc_size);
		return;
	}
	for (u32 off = sizeof(*t); off + t->desc_size <= t->size; off += t->desc_size) {
		const struct efi_memory_desc *d = (const void *)((const u8 *)t + off);
		u64 len = d->num_pages << PAGE_SHIFT;
		bool runtime = d->attribute & EFI_MEMORY_RUNTIME;
		if (d->num_pages > (~0UL >> PAGE_SHIFT))
			len = ~0UL;
		/* Firmware keeps using runtime memory whatever its type says. */
		memmap_add(&boot.mem, d->phys_start, len,
			   efi_type_usable(d->type) && !runtime ? MEM_USABLE : MEM_RESERVED);
		if (!runtime || !d->num_pages)
			continue;
		if (boot.nr_efi_rt == BOOT_EFI_RT_MAX) {
			boot.efi_rt_dropped++;
			continue;
		}
		boot.efi_rt[boot.nr_efi_rt++] = (struct bootinfo_efi_rt){
			.phys = d->phys_start,
			.pages = d->num_pages,
			.attr = d->attribute,
			.type = d->type,
		};
	}
}

/*
 * Only a direct-RGB framebuffer is drawn on; the other types (indexed, EGA
 * text) are recorded so that fbcon's one diagnostic can say why it is absent.
 */
static void parse_mb2_fb(const struct mb2_tag_framebuffer *t)
{
	struct bootinfo_fb *fb = &boot.fb;

	if (t->size < offsetof(struct mb2_tag_framebuffer, red_pos)) {
		boot_error("boot: multiboot2 framebuffer tag size %u is too small", t->size);
		return;
	}
	fb->addr = t->addr;
	fb->pitch = t->pitch;
	fb->width = t->width;
	fb->height = t->height;
	fb->bpp = t->bpp;
	switch (t->fb_type) {
	case MB2_FB_RGB:
		if (t->size < sizeof(*t)) {
			boot_error("boot: multiboot2 RGB framebuffer tag size %u has no color "
			     "fields",
			     t->size);
			return;
		}
		fb->type = BOOT_FB_RGB;
		fb->red_pos = t->red_pos;
		fb->red_size = t->red_size;
		fb->green_pos = t->green_pos;
		fb->green_size = t->green_size;
		fb->blue_pos = t->blue_pos;
		fb->blue_size = t->blue_size;
		break;
	case MB2_FB_INDEXED:
		fb->type = BOOT_FB_INDEXED;
		break;
	case MB2_FB_EGA_TEXT:
		fb->type = BOOT_FB_EGA_TEXT;
		break;
	default:
		fb->type = BOOT_FB_UNKNOWN;
		break;
	}
}

static bool parse_mb2(u64 info)
{
	const u8 *base = phys_to_virt(info);
	u32 total = *(const u32 *)base;
	const struct mb2_tag *mmap = NULL, *efi_mmap = NULL, *meminfo = NULL;

	if (total < 16 || total > (1U << 24)) {
		boot_error("boot: multiboot2 information size %u is not plausible", total);
		return false;
	}
	boot.info_size = total;
	for (u32 off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *t = (const void *)(base + off);
		if (t->type == MB2_TAG_END)
			break;
		if (t->size < sizeof(*t) || off + t->size > total) {
			boot_error("boot: malformed multiboot2 tag %u (size %u at offset %u)",
			     t->type, t->size, off);
			break;
		}
		const char *payload = (const char *)t + sizeof(*t);
		size_t plen = t->size - sizeof(*t);
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			copy_str(boot.cmdline, sizeof(boot.cmdline), payload, plen,
				 &boot.cmdline_truncated);
			break;
		case MB2_TAG_LOADER:
			copy_str(boot.loader, sizeof(boot.loader), payload, plen, NULL);
			break;
		case MB2_TAG_MMAP:
			mmap = t;
			break;
		case MB2_TAG_EFI_MMAP:
			efi_mmap = t;
			break;
		case MB2_TAG_MEMINFO:
			meminfo = t;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* The newer RSDP wins if both are present. */
			if (boot.rsdp_len < plen || t->type == MB2_TAG_ACPI_NEW) {
				boot.rsdp_len = plen < sizeof(boot.rsdp) ? plen : sizeof(boot.rsdp);
				memcpy(boot.rsdp, payload, boot.rsdp_len);
			}
			break;
		case MB2_TAG_EFI64:
			boot.efi_systab = *(const u64 *)payload;
			break;
		case MB2_TAG_FRAMEBUFFER:
			parse_mb2_fb((const void *)t);
			break;
		case MB2_TAG_MODULE:
			if (plen >= 8) {
				const struct mb2_tag_module *m = (const void *)t;
				add_module(m->mod_start, m->mod_end, m->cmdline, plen - 8);
			}
			break;
		}
		off += ALIGN_UP(t->size, 8);
	}

	if (efi_mmap) {
		boot.mmap_source = "efi";
		boot.efi_mmap = true;
		parse_efi_mmap((const void *)efi_mmap);
	} else if (mmap) {
		boot.mmap_source = "multiboot2";
		parse_mb2_mmap((const void *)mmap);
	} else if (meminfo) {
		const u32 *kb = (const u32 *)((const char *)meminfo + 8);
		boot.mmap_source = "meminfo";
		memmap_add(&boot.mem, 0, (u64)kb[0] << 10, MEM_USABLE);
		memmap_add(&boot.mem, 1UL << 20, (u64)kb[1] << 10, MEM_USABLE);
	}
	return true;
}

static bool parse_mb1(u64 info)
{
	const struct mb1_info *mi = phys_to_virt(info);

	boot.info_size = sizeof(*mi);
	if (mi->flags & MB1_INFO_CMDLINE)
		copy_str(boot.cmdline, sizeof(boot.cmdline), phys_to_virt(mi->cmdline),
			 CMDLINE_MAX * 4, &boot.cmdline_truncated);
	if (mi->flags & MB1_INFO_LOADER)
		copy_str(boot.loader, sizeof(boot.loader), phys_to_virt(mi->boot_loader_name), 256,
			 NULL);
	if (mi->flags & MB1_INFO_MODS) {
		const struct mb1_module *m = phys_to_virt(mi->mods_addr);
		for (u32 i = 0; i < mi->mods_count && i < 64; i++)
			add_module(m[i].mod_start, m[i].mod_end,
				   m[i].cmdline ? phys_to_virt(m[i].cmdline) : NULL,
				   BOOT_MODULE_CMDLINE * 4);
	}
	if (mi->flags & MB1_INFO_MMAP) {
		boot.mmap_source = "multiboot1";
		for (u32 off = 0; off + sizeof(struct mb1_mmap_entry) <= mi->mmap_length;) {
			const struct mb1_mmap_entry *e = phys_to_virt(mi->mmap_addr + off);
			if (e->size < 20) {
				boot_error("boot: multiboot1 memory map entry size %u is too small",
				     e->size);
				break;
			}
			memmap_add(&boot.mem, e->addr, e->len,
				   e->type == MMAP_AVAILABLE ? MEM_USABLE : MEM_RESERVED);
			off += e->size + 4;
		}
	} else if (mi->flags & MB1_INFO_MEM) {
		boot.mmap_source = "meminfo";
		memmap_add(&boot.mem, 0, (u64)mi->mem_lower << 10, MEM_USABLE);
		memmap_add(&boot.mem, 1UL << 20, (u64)mi->mem_upper << 10, MEM_USABLE);
	}
	return true;
}

bool bootinfo_parse(u32 magic, u32 info_phys)
{
	memmap_init(&boot.mem);
	boot.info_phys = info_phys;
	if (magic == MB2_BOOT_MAGIC) {
		boot.protocol = 2;
		if (info_phys & 7) {
			boot_error("boot: multiboot2 information at 0x%x is not 8-byte aligned",
			     info_phys);
			return false;
		}
		if (!parse_mb2(info_phys))
			return false;
	} else if (magic == MB1_BOOT_MAGIC) {
		boot.protocol = 1;
		parse_mb1(info_phys);
	} else {
		boot_error("boot: unknown boot magic 0x%08x (not multiboot 1 or 2)", magic);
		return false;
	}
	if (!boot.mmap_source) {
		boot_error("boot: the loader passed no memory map (multiboot%u)", boot.protocol);
		return false;
	}

	/* Low memory (real-mode IVT, BIOS data, EBDA), the image and the info stay put. */
	memmap_add(&boot.mem, 0, 1UL << 20, MEM_RESERVED);
	memmap_add(&boot.mem, (u64)__kernel_phys_start + kernel_phys_offset,
		   (u64)__bss_end_phys - (u64)__kernel_phys_start, MEM_RESERVED);
	memmap_add(&boot.mem, boot.info_phys, boot.info_size, MEM_RESERVED);
	for (unsigned i = 0; i < boot.nr_mods; i++)
		memmap_add(&boot.mem, ALIGN_DOWN(boot.mods[i].phys, PAGE_SIZE),
			   ALIGN_UP(boot.mods[i].phys + boot.mods[i].size, PAGE_SIZE) -
				   ALIGN_DOWN(boot.mods[i].phys, PAGE_SIZE),
			   MEM_RESERVED);
	if (boot.mods_dropped)
		diag("ERROR: boot: %u modules beyond %d ignored", boot.mods_dropped,
		     BOOT_MODULES_MAX);
	/* The runs a module's command line names would be cut short. */
	for (unsigned i = 0; i < boot.nr_mods; i++)
		if (boot.mods[i].cmdline_truncated)
			boot_error("boot: module %u's command line is longer than %d bytes (it "
				   "was truncated after '...%s')", i, BOOT_MODULE_CMDLINE - 1,
				   boot.mods[i].cmdline + BOOT_MODULE_CMDLINE - 25);

	/* Some firmware carves the framebuffer out of RAM: never hand it out. */
	if (boot.fb.type == BOOT_FB_RGB)
		memmap_add(&boot.mem, boot.fb.addr, (u64)boot.fb.pitch * boot.fb.height,
			   MEM_RESERVED);
	memmap_finish(&boot.mem);
	if (!boot.mem.nr_usable) {
		boot_error("boot: the %s memory map has no usable memory", boot.mmap_source);
		return false;
	}
	return true;
}
