/*
 * Holding the verdict screen (screen=SECONDS) before power-off.  The TSC
 * counts the time at the rate the timer was calibrated with (kernel/time/),
 * so the hold and the run share one clock; a key on a PS/2 keyboard ends
 * the wait.
 */
#include "kernel/report/verdict.h"
#include "kernel/timer.h"
#include "x86/cpu.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64
#define I8042_STATUS_OBF 0x01
#define I8042_STATUS_AUX 0x20
#define SCANCODE_BREAK 0x80

/* When no clock gave the TSC's rate: a guess that errs towards waiting longer. */
#define TSC_HZ_GUESS 4000000000UL

/* A key press (make code) on the keyboard port; mouse bytes do not count. */
static bool key_pressed(void)
{
	u8 status = inb(I8042_STATUS);
	if (!(status & I8042_STATUS_OBF))
		return false;
	u8 data = inb(I8042_DATA);
	return !(status & I8042_STATUS_AUX) && !(data & SCANCODE_BREAK);
}

void verdict_hold(unsigned seconds)
{
	u64 hz = timer_tsc_hz() ? timer_tsc_hz() : TSC_HZ_GUESS;
	/* A missing controller floats to 0xff, which would read as a key forever. */
	bool ps2 = inb(I8042_STATUS) != 0xff;

	/* Keys pressed during the run are old news. */
	for (int i = 0; ps2 && i < 64 && (inb(I8042_STATUS) & I8042_STATUS_OBF); i++)
		inb(I8042_DATA);
	u64 end = rdtsc() + hz * seconds;
	while ((s64)(end - rdtsc()) > 0) {
		if (ps2 && key_pressed())
			return;
		cpu_pause();
	}
}
