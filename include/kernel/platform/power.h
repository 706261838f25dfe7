/* Ending a run: the verdict leaves through every exit the platform may have. */
#ifndef CETBED_KERNEL_POWER_H
#define CETBED_KERNEL_POWER_H

#include "types.h"

/* Codes written to QEMU's isa-debug-exit; QEMU exits with (code << 1) | 1. */
#define EXIT_SUCCESS_CODE 0x10
#define EXIT_SKIP_CODE 0x11
#define EXIT_FAILURE_CODE 0x12
#define EXIT_ERROR_CODE 0x13

void __noreturn power_off(u8 exit_code);

/* ACPI S5 through the FADT's PM1 control blocks; returns if it did not work. */
void acpi_poweroff(void);

#endif
