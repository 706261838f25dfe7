/*
 * Just enough ACPI to power off: find the RSDP (from the boot loader, else
 * the BIOS areas), the FADT's PM1 control blocks, and the \_S5 sleep type in
 * the DSDT.
 */
#include "kernel/platform/bootinfo.h"
#include "kernel/platform/power.h"
#include "lib.h"
#include "mm/layout.h"
#include "x86/cpu.h"

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;

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

static const struct sdt_header *table_at(u64 pa)
{
	if (!direct_map_covers(pa, sizeof(struct sdt_header)))
		return NULL;
	const struct sdt_header *h = phys_to_virt(pa);
	if (h->length < sizeof(*h) || !direct_map_covers(pa, h->length))
		return NULL;
	return h;
}

static const struct sdt_header *find_fadt(const u8 *rsdp)
{
	u8 rev = rsdp[15];
	u64 xsdt = rev >= 2 && boot.rsdp_len != 20 ? *(const u64 *)(rsdp + 24) : 0;
	const struct sdt_header *root = table_at(xsdt ? xsdt : *(const u32 *)(rsdp + 16));
	unsigned width = xsdt ? 8 : 4;

	if (!root)
		return NULL;
	unsigned n = (root->length - sizeof(*root)) / width;
	const u8 *ents = (const u8 *)(root + 1);
	for (unsigned i = 0; i < n; i++) {
		u64 pa = width == 8 ? *(const u64 *)(ents + i * 8) : *(const u32 *)(ents + i * 4);
		const struct sdt_header *h = table_at(pa);
		if (h && !memcmp(h->sig, "FACP", 4))
			return h;
	}
	return NULL;
}

/* Reads one integer package element: ZeroOp, OneOp, BytePrefix or WordPrefix. */
static const u8 *aml_int(const u8 *p, const u8 *end, u32 *v)
{
	if (p >= end)
		return NULL;
	switch (*p) {
	case 0x00:
	case 0x01:
		*v = *p;
		return p + 1;
	case 0x0a:
		if (p + 2 > end)
			return NULL;
		*v = p[1];
		return p + 2;
	case 0x0b:
		if (p + 3 > end)
			return NULL;
		*v = p[1] | (p[2] << 8);
		return p + 3;
	default:
		return NULL;
	}
}

static bool find_s5(const struct sdt_header *dsdt, u32 *typ_a, u32 *typ_b)
{
	const u8 *p = (const u8 *)dsdt, *end = p + dsdt->length;

	for (p += sizeof(*dsdt); p + 8 < end; p++) {
		if (memcmp(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		const u8 *q = p + 5;
		q += 1 + (*q >> 6); /* PkgLength: lead byte plus 0-3 more */
		q++;		    /* NumElements */
		q = aml_int(q, end, typ_a);
		if (q && aml_int(q, end, typ_b))
			return true;
	}
	return false;
}

void acpi_poweroff(void)
{
	const u8 *rsdp = find_rsdp();
	if (!rsdp) {
		diag("poweroff: no ACPI RSDP found");
		return;
	}
	const struct sdt_header *fadt = find_fadt(rsdp);
	if (!fadt || fadt->length < 76) {
		diag("poweroff: no usable ACPI FADT");
		return;
	}
	const u8 *f = (const u8 *)fadt;
	u64 dsdt_pa = *(const u32 *)(f + 40);
	if (fadt->length >= 148 && *(const u64 *)(f + 140))
		dsdt_pa = *(const u64 *)(f + 140);
	u32 pm1a = *(const u32 *)(f + 64), pm1b = *(const u32 *)(f + 68);
	const struct sdt_header *dsdt = table_at(dsdt_pa);
	u32 typ_a, typ_b;
	if (!dsdt || !pm1a || !find_s5(dsdt, &typ_a, &typ_b)) {
		diag("poweroff: no \\_S5 sleep type or PM1 control block in ACPI");
		return;
	}
	outw(pm1a, (u16)((typ_a & 7) << 10 | BIT(13)));
	if (pm1b)
		outw(pm1b, (u16)((typ_b & 7) << 10 | BIT(13)));
	/* Give the chipset a moment before declaring failure. */
	for (int i = 0; i < 1000000; i++)
		asm volatile("pause");
	diag("poweroff: ACPI S5 (PM1a_CNT 0x%x) did not take effect", pm1a);
}
