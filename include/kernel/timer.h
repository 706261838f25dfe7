/* The preemption timer: the LAPIC timer, or the PIT where there is no LAPIC. */
#ifndef CETBED_KERNEL_TIMER_H
#define CETBED_KERNEL_TIMER_H

#include "types.h"

#define TIMER_VECTOR 0x40
#define PIT_VECTOR 0x20 /* IRQ 0 after the PIC remap */
#define TIMER_HZ 2000

void timer_init(void);
/* Acknowledges the interrupt; true if the vector is the timer's. */
bool timer_irq(u64 vector);
/* Ticks since timer_init, TIMER_HZ per second of (emulated) time. */
extern volatile u64 timer_ticks;
static inline u64 timer_ms_to_ticks(u64 ms)
{
	return ms * TIMER_HZ / 1000;
}

#endif
