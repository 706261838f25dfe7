/*
 * SMBIOS: the machine model (System Information, type 1) for the result
 * summary.  The entry point comes from the UEFI configuration table, or
 * from a scan of the BIOS area 0xF0000-0xFFFFF.
 */
#ifndef CETBED_KERNEL_SMBIOS_H
#define CETBED_KERNEL_SMBIOS_H

#include "types.h"

struct smbios_entry {
	u8 major, minor;
	u64 table;     /* physical address of the structure table */
	u32 table_len; /* its length (SMBIOS 3: the maximum length) */
	u32 count;     /* structures (SMBIOS 2), 0 when not given */
};

/*
 * Checks an entry point ("_SM3_" 64-bit or "_SM_" 32-bit) of at most avail
 * bytes: anchor, length and checksum.  NULL on success, else the reason.
 */
const char *smbios_entry_parse(const u8 *ep, size_t avail, struct smbios_entry *e);
/*
 * "Manufacturer Product" from the first type-1 structure of a table of len
 * bytes, printable ASCII only, trailing blanks dropped.  NULL on success,
 * else the reason (out is then "").
 */
const char *smbios_system_model(const u8 *table, size_t len, char *out, size_t size);

/* Finds the tables and keeps the model; one `# smbios:` line says what it found. */
void smbios_init(void);
/* Bytes of the model kept (the summary's M= field takes the same). */
#define SMBIOS_MACHINE_MAX 64
/* The model smbios_init found, or "". */
const char *smbios_machine(void);

#endif
