/*
 * Powering off after the verdict: QEMU's isa-debug-exit (hypervisor only, so
 * no stray port write reaches real hardware), then UEFI ResetSystem where
 * runtime services work, then ACPI S5, then Bochs' shutdown port on Bochs
 * only.  If all of them fail the CPU halts; it never loops busy.
 */
#include "console.h"
#include "kernel/cpu.h"
#include "kernel/platform/acpi.h"
#include "kernel/platform/efi.h"
#include "kernel/platform/power.h"
#include "lib.h"
#include "x86/cpu.h"

void __noreturn power_off(u8 exit_code)
{
	console_flush();
	if (cpu.hypervisor)
		outl(0xf4, exit_code);
	efi_reset_shutdown();
	acpi_poweroff();
	if (acpi_on_bochs())
		for (const char *s = "Shutdown"; *s; s++)
			outb(0x8900, (u8)*s);
	diag("poweroff: no exit method worked; halting");
	console_flush();
	halt_forever();
}
