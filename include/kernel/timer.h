/* The preemption timer: the LAPIC timer, or the PIT where there is no LAPIC. */
#ifndef CETBED_KERNEL_TIMER_H
#define CETBED_KERNEL_TIMER_H

#include "types.h"

struct cmdline;
struct calib;

#define TIMER_VECTOR 0x40
#define PIT_VECTOR 0x20 /* IRQ 0 after the PIC remap */
#define TIMER_HZ 2000

/*
 * Sets up the local APIC (apic=) and calibrates and starts the timer
 * (timer=); returns the number of "# ERROR:" lines it printed.
 */
unsigned timer_init(const struct cmdline *c);
/* Acknowledges the interrupt; true if the vector is the timer's. */
bool timer_irq(u64 vector);
/* Any other interrupt: counted, logged the first few times, and acknowledged. */
void timer_unknown_irq(u64 vector);
extern u64 timer_unknown_irqs;
/* TSC cycles per second as calibrated; 0 if no clock gave it. */
u64 timer_tsc_hz(void);
const struct calib *timer_calib(void);
/*
 * Interrupts FAST_FACTOR times as often while on, for tests that need
 * thousands of preemptions; timer_ticks keeps counting at TIMER_HZ.  Only
 * where a fast tick still spans TIMER_FAST_MIN_TSC TSC cycles (measured at
 * calibration), so an emulator whose clock follows instructions keeps the
 * base rate.  Returns the interrupt rate now in force.
 */
#define TIMER_FAST_FACTOR 10
#define TIMER_FAST_MIN_TSC 100000
u32 timer_fast(bool on);
/*
 * Masks the timer (on) or lets it tick again: with it held nothing
 * interrupts ring 3, for benchmarks; ticks, preemption and the per-run
 * watchdog stop meanwhile.
 */
void timer_hold(bool on);
/* Ticks since timer_init, TIMER_HZ per second of (emulated) time. */
extern volatile u64 timer_ticks;
static inline u64 timer_ms_to_ticks(u64 ms)
{
	return ms * TIMER_HZ / 1000;
}

#endif
