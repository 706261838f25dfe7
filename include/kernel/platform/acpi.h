/*
 * The few ACPI facts cetbed uses: tables by signature, and from the FADT
 * the PM timer, the PM1 control blocks, the hardware-reduced sleep
 * registers and the OEM ID.  X_ (64-bit GAS) fields win over the old ones.
 */
#ifndef CETBED_KERNEL_ACPI_H
#define CETBED_KERNEL_ACPI_H

#include "types.h"

struct acpi_sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;

/* Generic Address Structure: space 0 is memory, 1 is I/O. */
struct acpi_gas {
	u8 space, bit_width, bit_offset, access_size;
	u64 addr;
} __packed;

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1

#define ACPI_FADT_TMR_VAL_EXT (1U << 8)	  /* the PM timer counts 32 bits, else 24 */
#define ACPI_FADT_HW_REDUCED (1U << 20) /* no PM1 blocks: sleep registers instead */

#define ACPI_PM_TIMER_HZ 3579545

struct acpi_fadt_info {
	bool found;
	char oem[7];
	u32 flags;
	struct acpi_gas pm_tmr, pm1a_cnt, pm1b_cnt, sleep_ctl;
	u64 dsdt;
};

/* The table with this signature from the RSDT/XSDT, or NULL. */
const struct acpi_sdt_header *acpi_table(const char *sig);
/* The FADT's facts; .found is false without ACPI or a FADT. */
const struct acpi_fadt_info *acpi_fadt(void);
/* Reads / writes a GAS register (I/O or memory space); false if unusable. */
bool acpi_gas_read(const struct acpi_gas *g, u32 *v);
bool acpi_gas_write(const struct acpi_gas *g, u32 v);
/*
 * True on Bochs: its BIOS's OEM ID "BOCHS " with no hypervisor bit (QEMU's
 * SeaBIOS uses the same ID but QEMU sets CPUID.1:ECX[31]).
 */
bool acpi_on_bochs(void);

#endif
