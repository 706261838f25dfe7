/*
 * Runtime services beyond Get/SetVariable: shutting down through firmware,
 * which knows its own chipset better than the FADT does, and asking how
 * much variable space is left before writing.
 */
#include "errno.h"
#include "kernel/platform/efi.h"
#include "lib.h"

#define EFI_VAR_ATTRS_NV_BS_RT (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
				EFI_VARIABLE_RUNTIME_ACCESS)

void efi_reset_shutdown(void)
{
	u64 status;
	char name[32];

	if (!efi_available())
		return;
	diag("poweroff: UEFI ResetSystem(EfiResetShutdown)");
	if (!efi_rt_call(EFI_RT_RESET_SYSTEM, EFI_RESET_SHUTDOWN, EFI_SUCCESS, 0, 0, &status)) {
		diag("poweroff: ResetSystem is not usable");
		return;
	}
	diag("poweroff: ResetSystem returned %s", efi_status_name(status, name, sizeof(name)));
}

int efi_var_space(u64 *remaining, u64 *max_size)
{
	u64 storage = 0, left = 0, max = 0, status;

	if (!efi_rt_call(EFI_RT_QUERY_VARIABLE_INFO, EFI_VAR_ATTRS_NV_BS_RT, (u64)&storage,
			 (u64)&left, (u64)&max, &status))
		return -ENODEV;
	if (status == EFI_UNSUPPORTED)
		return -ENODEV;
	if (status != EFI_SUCCESS)
		return -EIO;
	*remaining = left;
	*max_size = max;
	return 0;
}
