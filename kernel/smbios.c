/*
 * Finds the SMBIOS tables and keeps the machine model for the summary.
 * Everything read lies below 4 GiB, which the direct map always covers;
 * addresses above are reported and not followed.
 */
#include "kernel/bootinfo.h"
#include "kernel/smbios.h"
#include "lib.h"
#include "mm/layout.h"
#include "summary.h"

#define LOW_LIMIT (4UL << 30)

struct guid {
	u32 d1;
	u16 d2, d3;
	u8 d4[8];
};

/* f2fd1544-9794-4a2c-992e-e5bbcf20e394 and eb9d2d31-2d88-11d3-9a16-0090273fc14d */
static const struct guid smbios3_guid = { 0xf2fd1544, 0x9794, 0x4a2c,
					  { 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94 } };
static const struct guid smbios_guid = { 0xeb9d2d31, 0x2d88, 0x11d3,
					 { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };

static char machine[SUMMARY_MACHINE_MAX + 1];

static bool low(u64 pa, u64 len)
{
	return pa && pa < LOW_LIMIT && len <= LOW_LIMIT - pa;
}

/* The entry point named in the UEFI configuration table: SMBIOS 3 first. */
static u64 from_efi(void)
{
	u64 st = boot.efi_systab;
	if (!low(st, 120))
		return 0;
	const u8 *s = phys_to_virt(st);
	u64 n, tables;
	memcpy(&n, s + 104, 8);
	memcpy(&tables, s + 112, 8);
	if (n > 256 || !low(tables, n * 24))
		return 0;
	const u8 *t = phys_to_virt(tables);
	u64 found = 0;
	for (u64 i = 0; i < n; i++) {
		u64 addr;
		memcpy(&addr, t + i * 24 + 16, 8);
		if (!memcmp(t + i * 24, &smbios3_guid, 16))
			return addr;
		if (!memcmp(t + i * 24, &smbios_guid, 16) && !found)
			found = addr;
	}
	return found;
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
	if (!low(ep, 31)) {
		diag("smbios: entry point at 0x%lx, above 4 GiB: machine model unknown", ep);
		return;
	}
	why = smbios_entry_parse(phys_to_virt(ep), 31, &e);
	if (!why && !low(e.table, e.table_len))
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
