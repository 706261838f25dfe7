/*
 * UEFI runtime services, called in physical mode (cetbed never calls
 * SetVirtualAddressMap) from an address space of their own: the runtime
 * regions identity-mapped below the shared kernel half.  The variable
 * services, QueryVariableInfo and ResetSystem are used.
 */
#ifndef CETBED_KERNEL_EFI_H
#define CETBED_KERNEL_EFI_H

#include "types.h"

/* EFI memory descriptor attributes (UEFI 2.10, 7.2). */
#define EFI_MEMORY_UC BIT(0)
#define EFI_MEMORY_WC BIT(1)
#define EFI_MEMORY_WT BIT(2)
#define EFI_MEMORY_WB BIT(3)
#define EFI_MEMORY_RUNTIME BIT(63)

/* EFI memory types the runtime mapping treats specially. */
#define EFI_RUNTIME_SERVICES_CODE 5
#define EFI_RUNTIME_SERVICES_DATA 6
#define EFI_MEMORY_MAPPED_IO 11
#define EFI_MEMORY_MAPPED_IO_PORT_SPACE 12

/* Variable attributes. */
#define EFI_VARIABLE_NON_VOLATILE BIT(0)
#define EFI_VARIABLE_BOOTSERVICE_ACCESS BIT(1)
#define EFI_VARIABLE_RUNTIME_ACCESS BIT(2)

/* Status codes: errors have the top bit set. */
#define EFI_ERROR_BIT BIT(63)
#define EFI_SUCCESS 0UL
#define EFI_INVALID_PARAMETER (EFI_ERROR_BIT | 2)
#define EFI_UNSUPPORTED (EFI_ERROR_BIT | 3)
#define EFI_BUFFER_TOO_SMALL (EFI_ERROR_BIT | 5)
#define EFI_DEVICE_ERROR (EFI_ERROR_BIT | 7)
#define EFI_WRITE_PROTECTED (EFI_ERROR_BIT | 8)
#define EFI_OUT_OF_RESOURCES (EFI_ERROR_BIT | 9)
#define EFI_NOT_FOUND (EFI_ERROR_BIT | 14)
#define EFI_SECURITY_VIOLATION (EFI_ERROR_BIT | 26)

struct efi_guid {
	u32 data1;
	u16 data2, data3;
	u8 data4[8];
};

/* Longest variable name cetbed passes, in ASCII characters. */
#define EFI_VAR_NAME_MAX 63

/*
 * cetbed's vendor GUID for its own variables:
 * 94905237-3d58-4e8e-a27a-6c2433df019b (Linux shows CetbedSummary as
 * /sys/firmware/efi/efivars/CetbedSummary-94905237-3d58-4e8e-a27a-6c2433df019b).
 */
#define EFI_CETBED_GUID_TEXT "94905237-3d58-4e8e-a27a-6c2433df019b"

/*
 * Finds the runtime services from the loader's EFI system table and builds
 * the address space for calling them; prints one "# efi:" line saying what
 * it found or why runtime services are unavailable.  After mm_init.
 */
void efi_init(void);
bool efi_available(void);
/*
 * The table the loader's EFI system table lists under guid in its
 * configuration table, read through the direct map (below 4 GiB); 0 if
 * there is no system table or no such entry.  Needs no runtime services.
 */
u64 efi_config_table(const struct efi_guid *guid);

/*
 * cetbed's variables (its own GUID; NON_VOLATILE, BOOTSERVICE_ACCESS,
 * RUNTIME_ACCESS).  0 or -errno: -ENODEV without runtime services, -ENOENT
 * no such variable, -E2BIG the buffer is too small (*len is then the size
 * needed), -ENOSPC the store is full, -EIO anything else (efi_last_status()
 * has the EFI status).  len 0 in efi_var_set deletes the variable.
 */
int efi_var_set(const char *name, const void *data, size_t len);
int efi_var_get(const char *name, void *buf, size_t *len);
u64 efi_last_status(void);

/*
 * The other runtime services cetbed uses, called as the variable services
 * are; false if the firmware does not offer it or calls are unusable.
 */
enum efi_rt_service { EFI_RT_RESET_SYSTEM, EFI_RT_QUERY_VARIABLE_INFO };
bool efi_rt_call(enum efi_rt_service which, u64 a0, u64 a1, u64 a2, u64 a3, u64 *status);
#define EFI_RESET_SHUTDOWN 2
/* ResetSystem(EfiResetShutdown); returns only if the machine is still on. */
void efi_reset_shutdown(void);
/*
 * QueryVariableInfo for cetbed's attributes: 0 and the bytes left for
 * variables, or -ENODEV (no runtime services or no such service), -EIO.
 */
int efi_var_space(u64 *remaining, u64 *max_size);

/*
 * For tests: calls fn, a Microsoft x64 function, with args[0..5] exactly as
 * a runtime service is called (its address space and stack, interrupts and
 * CET off).  Works without firmware.  False if there is no address space.
 */
bool efi_call_probe(u64 fn, const u64 *args, u64 *ret);
/*
 * The EFI Memory Attributes Table (kernel/platform/efi_mat.c): its entries
 * and their size, or NULL; efi_mat_apply() maps runtime pages read-only
 * or non-executable as it says (0, -ENOENT without a table, -EINVAL).
 */
const void *efi_mat_find(unsigned *nr, unsigned *desc_size);
int efi_mat_apply(u64 *pml4, unsigned *applied, unsigned *ignored);

/* Physical address of the runtime address space's PML4, 0 if none. */
u64 efi_space_phys(void);
/* "EFI_NOT_FOUND" and the like; a number for codes it does not know. */
const char *efi_status_name(u64 status, char *buf, size_t size);

#endif
