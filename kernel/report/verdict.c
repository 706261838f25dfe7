/*
 * Holding the verdict screen (screen=SECONDS) before power-off.  The TSC
 * counts the time, calibrated against PIT channel 2 (or CPUID leaf 0x16
 * where the PIT does not tick); a key on a PS/2 keyboard ends the wait.
 */
#include "kernel/report/verdict.h"
#include "x86/cpu.h"

#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_CMD_CH2_MODE0 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define I8042_DATA 0x60
#define I8042_STATUS 0x64
#define I8042_STATUS_OBF 0x01
#define I8042_STATUS_AUX 0x20
#define SCANCODE_BREAK 0x80

/* Polls of port B before the PIT is given up: far beyond 10 ms of port reads. */
#define PIT_SPIN_LIMIT 20000000L
/* When nothing says how fast the TSC runs: a guess that errs towards waiting longer. */
#define TSC_HZ_GUESS 4000000000UL

static u64 tsc_hz(void)
{
	u8 port_b = inb(PORT_B);
	u16 count = PIT_HZ / 100;

	/* Gate on, speaker off; mode 0 raises OUT2 when the count runs out. */
	outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, (u8)count);
	outb(PIT_CH2, (u8)(count >> 8));
	u64 t0 = rdtsc();
	for (long i = 0; i < PIT_SPIN_LIMIT; i++) {
		if (inb(PORT_B) & PORT_B_OUT2) {
			u64 t1 = rdtsc();
			outb(PORT_B, port_b);
			if (t1 > t0)
				return (t1 - t0) * 100;
			break;
		}
	}
	outb(PORT_B, port_b);
	/* Some chipsets gate the PIT off: the processor's base frequency instead. */
	if (cpuid(0, 0).eax >= 0x16) {
		u32 mhz = cpuid(0x16, 0).eax & 0xffff;
		if (mhz)
			return (u64)mhz * 1000000;
	}
	return TSC_HZ_GUESS;
}

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
	u64 hz = tsc_hz();
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
