/*
 * Finding ACPI tables (RSDP from the boot loader, else the BIOS areas) and
 * reading the FADT fields the timer and power-off need.
 */
#include "kernel/cpu.h"
#include "kernel/platform/acpi.h"
#include "kernel/platform/bootinfo.h"
#include "lib.h"
#include "mm/iomap.h"
#include "mm/layout.h"
#include "x86/cpu.h"

static const u8 *scan_rsdp(u64 start, u64 len)
{
	for (u64 a = start; a + 20 <= start + len; a += 16) {
		const u8 *p = phys_to_virt(a);
		if (!memcmp(p, "RSD PTR ", 8) && sum8_zero(p, 20))
			return p;
	}
	return NULL;
}

static const u8 *find_rsdp(void)
{
	if (boot.rsdp_len >= 20)
		return boot.rsdp;
	u64 ebda = (u64)*(const u16 *)phys_to_virt(0x40e) << 4;
	const u8 *p = ebda ? scan_rsdp(ebda, 1024) : NULL;
	return p ? p : scan_rsdp(0xe0000, 0x20000);
}

static const struct acpi_sdt_header *table_at(u64 pa)
{
	if (!pa || !direct_map_covers(pa, sizeof(struct acpi_sdt_header)))
		return NULL;
	const struct acpi_sdt_header *h = phys_to_virt(pa);
	if (h->length < sizeof(*h) || !direct_map_covers(pa, h->length))
		return NULL;
	return h;
}

const struct acpi_sdt_header *acpi_table(const char *sig)
{
	const u8 *rsdp = find_rsdp();
	if (!rsdp)
		return NULL;
	u8 rev = rsdp[15];
	u64 xsdt = rev >= 2 && boot.rsdp_len != 20 ? *(const u64 *)(rsdp + 24) : 0;
	const struct acpi_sdt_header *root = table_at(xsdt ? xsdt : *(const u32 *)(rsdp + 16));
	unsigned width = xsdt ? 8 : 4;

	if (!root)
		return NULL;
	unsigned n = (root->length - sizeof(*root)) / width;
	const u8 *ents = (const u8 *)(root + 1);
	for (unsigned i = 0; i < n; i++) {
		u64 pa = width == 8 ? *(const u64 *)(ents + i * 8) : *(const u32 *)(ents + i * 4);
		const struct acpi_sdt_header *h = table_at(pa);
		if (h && !memcmp(h->sig, sig, 4))
			return h;
	}
	return NULL;
}

/* A FADT field, if the table is long enough to hold it. */
static bool fadt_has(const struct acpi_sdt_header *f, u32 off, u32 size)
{
	return f->length >= off + size;
}

/* The X_ block if it is set, else the 32-bit I/O port block of `len` bytes. */
static struct acpi_gas fadt_block(const struct acpi_sdt_header *f, u32 x_off, u32 off, u8 len)
{
	const u8 *p = (const u8 *)f;
	struct acpi_gas g = { 0 };

	if (x_off && fadt_has(f, x_off, 12)) {
		memcpy(&g, p + x_off, sizeof(g));
		if (g.addr)
			return g;
	}
	memset(&g, 0, sizeof(g));
	if (fadt_has(f, off, 4) && *(const u32 *)(p + off)) {
		g.space = ACPI_GAS_IO;
		g.bit_width = (u8)(len * 8);
		g.addr = *(const u32 *)(p + off);
	}
	return g;
}

const struct acpi_fadt_info *acpi_fadt(void)
{
	static struct acpi_fadt_info fi;
	static bool done;

	if (done)
		return &fi;
	done = true;
	const struct acpi_sdt_header *f = acpi_table("FACP");
	if (!f || !fadt_has(f, 76, 4))
		return &fi;
	const u8 *p = (const u8 *)f;
	fi.found = true;
	memcpy(fi.oem, f->oem, 6);
	fi.flags = fadt_has(f, 112, 4) ? *(const u32 *)(p + 112) : 0;
	fi.dsdt = *(const u32 *)(p + 40);
	if (fadt_has(f, 148, 0) && *(const u64 *)(p + 140))
		fi.dsdt = *(const u64 *)(p + 140);
	/* Offsets from the ACPI specification's FADT layout. */
	fi.pm1a_cnt = fadt_block(f, 172, 64, 2);
	fi.pm1b_cnt = fadt_block(f, 184, 68, 2);
	fi.pm_tmr = fadt_block(f, 208, 76, 4);
	if (fadt_has(f, 244, 12))
		memcpy(&fi.sleep_ctl, p + 244, sizeof(fi.sleep_ctl));
	return &fi;
}

/*
 * The register of a memory-space address, NULL for another space or one that
 * crosses a page.  One page of registers stays mapped: iomap mappings are
 * never removed.
 */
static volatile u8 *gas_mmio(const struct acpi_gas *g)
{
	static u64 page;
	static u8 *base;

	if (g->space != ACPI_GAS_MEMORY || (g->addr & 0xfff) > 0xffc)
		return NULL;
	if (!base || page != (g->addr & ~0xfffUL)) {
		base = iomap_map(g->addr & ~0xfffUL, 0x1000, IOMAP_UC, NULL);
		page = g->addr & ~0xfffUL;
	}
	return base ? base + (g->addr & 0xfff) : NULL;
}

bool acpi_gas_read(const struct acpi_gas *g, u32 *v)
{
	if (!g->addr)
		return false;
	if (g->space == ACPI_GAS_IO && g->addr < 0x10000) {
		*v = g->bit_width == 8 ? inb((u16)g->addr) : g->bit_width == 16 ? inw((u16)g->addr)
										 : inl((u16)g->addr);
		return true;
	}
	volatile u8 *m = gas_mmio(g);
	if (!m)
		return false;
	*v = g->bit_width == 8 ? *(volatile u8 *)m : g->bit_width == 16 ? *(volatile u16 *)m
									 : *(volatile u32 *)m;
	return true;
}

bool acpi_gas_write(const struct acpi_gas *g, u32 v)
{
	if (!g->addr)
		return false;
	if (g->space == ACPI_GAS_IO && g->addr < 0x10000) {
		if (g->bit_width == 8)
			outb((u16)g->addr, (u8)v);
		else if (g->bit_width == 32)
			outl((u16)g->addr, v);
		else
			outw((u16)g->addr, (u16)v);
		return true;
	}
	volatile u8 *m = gas_mmio(g);
	if (!m)
		return false;
	if (g->bit_width == 8)
		*(volatile u8 *)m = (u8)v;
	else if (g->bit_width == 32)
		*(volatile u32 *)m = v;
	else
		*(volatile u16 *)m = (u16)v;
	return true;
}

bool acpi_on_bochs(void)
{
	const struct acpi_fadt_info *fi = acpi_fadt();
	return fi->found && !memcmp(fi->oem, "BOCHS ", 6) && !cpu.hypervisor;
}
