/*
 * Finds the SMBIOS tables and keeps the machine model for the summary.
 * Everything is read through the direct map below 4 GiB; addresses above
 * are reported and not followed.
 */
#include "kernel/platform/bootinfo.h"
#include "kernel/platform/efi.h"
#include "kernel/platform/smbios.h"
#include "lib.h"
#include "mm/layout.h"

/* f2fd1544-9794-4a2c-992e-e5bbcf20e394 and eb9d2d31-2d88-11d3-9a16-0090273fc14d */
static const struct efi_guid smbios3_guid = { 0xf2fd1544, 0x9794, 0x4a2c,
					      { 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94 } };
static const struct efi_guid smbios_guid = { 0xeb9d2d31, 0x2d88, 0x11d3,
					     { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };

static char machine[SMBIOS_MACHINE_MAX + 1];

/* The entry point named in the UEFI configuration table: SMBIOS 3 first. */
static u64 from_efi(void)
{
	u64 ep = efi_config_table(&smbios3_guid);
	return ep ? ep : efi_config_table(&smbios_guid);
}

/* The BIOS way: an anchor on a 16-byte boundary in 0xF0000-0xFFFFF. */
static u64 from_bios_area(void)
{
	u64 found = 0;
	for (u64 a = 0xf0000; a < 0x100000; a += 16) {
		const u8 *p = phys_to_virt(a);
		struct smbios_entry e;
		if (memcmp(p, "_SM", 3) || smbios_entry_parse(p, 0x100000 - a, &e))
			continue;
		if (p[3] == '3')
			return a;
		if (!found)
			found = a;
	}
	return found;
}

void smbios_init(void)
{
	const char *how = boot.efi_systab ? "UEFI configuration table" : "BIOS area";
	u64 ep = boot.efi_systab ? from_efi() : from_bios_area();
	struct smbios_entry e;
	const char *why;

	if (!ep) {
		diag("smbios: no entry point in the %s: machine model unknown", how);
		return;
	}
	if (!direct_map_covers(ep, 31)) {
		diag("smbios: entry point at 0x%lx, above 4 GiB: machine model unknown", ep);
		return;
	}
	why = smbios_entry_parse(phys_to_virt(ep), 31, &e);
	if (!why && !direct_map_covers(e.table, e.table_len))
		why = "the structure table is not below 4 GiB";
	if (!why)
		why = smbios_system_model(phys_to_virt(e.table), e.table_len, machine,
					  sizeof(machine));
	if (why) {
		diag("smbios: entry point at 0x%lx (%s): %s: machine model unknown", ep, how, why);
		return;
	}
	diag("smbios: %u.%u entry point at 0x%lx (%s), table 0x%lx (%u bytes): machine '%s'",
	     e.major, e.minor, ep, how, e.table, e.table_len, machine);
}

const char *smbios_machine(void)
{
	return machine;
}
