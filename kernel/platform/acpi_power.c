/*
 * ACPI S5: the \_S5 sleep type from the DSDT, written to the
 * hardware-reduced sleep control register where the FADT says the machine
 * is hardware-reduced, else to PM1a/PM1b control (X_ blocks first).
 */
#include "kernel/platform/acpi.h"
#include "kernel/platform/power.h"
#include "lib.h"
#include "mm/layout.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1U << 13)
#define SLEEP_CTL_SLP_TYP_SHIFT 2
#define SLEEP_CTL_SLP_EN (1U << 5)

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

static bool find_s5(u64 dsdt_pa, u32 *typ_a, u32 *typ_b)
{
	if (!dsdt_pa || !direct_map_covers(dsdt_pa, sizeof(struct acpi_sdt_header)))
		return false;
	const struct acpi_sdt_header *dsdt = phys_to_virt(dsdt_pa);
	if (dsdt->length < sizeof(*dsdt) || !direct_map_covers(dsdt_pa, dsdt->length))
		return false;
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
	const struct acpi_fadt_info *fi = acpi_fadt();
	u32 typ_a, typ_b;

	if (!fi->found) {
		diag("poweroff: no ACPI FADT");
		return;
	}
	if (!find_s5(fi->dsdt, &typ_a, &typ_b)) {
		diag("poweroff: no \\_S5 sleep type in the DSDT");
		return;
	}
	if (fi->flags & ACPI_FADT_HW_REDUCED) {
		if (!acpi_gas_write(&fi->sleep_ctl, (typ_a & 7) << SLEEP_CTL_SLP_TYP_SHIFT |
							    SLEEP_CTL_SLP_EN)) {
			diag("poweroff: hardware-reduced ACPI without a usable sleep control "
			     "register");
			return;
		}
	} else {
		if (!acpi_gas_write(&fi->pm1a_cnt, (typ_a & 7) << PM1_SLP_TYP_SHIFT | PM1_SLP_EN)) {
			diag("poweroff: no usable PM1a control block in the FADT");
			return;
		}
		acpi_gas_write(&fi->pm1b_cnt, (typ_b & 7) << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	}
	/* Give the chipset a moment before declaring failure. */
	for (int i = 0; i < 1000000; i++)
		asm volatile("pause");
	diag("poweroff: ACPI S5 (%s 0x%lx) did not take effect",
	     fi->flags & ACPI_FADT_HW_REDUCED ? "sleep control" : "PM1a_CNT",
	     fi->flags & ACPI_FADT_HW_REDUCED ? fi->sleep_ctl.addr : fi->pm1a_cnt.addr);
}
