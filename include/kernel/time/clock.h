/*
 * Reference clocks for calibrating the TSC and the LAPIC timer: CPUID
 * leaves 0x15/0x16 (no measuring), the ACPI PM timer, the HPET, and PIT
 * channel 2.  Each measuring source times the same interval with the TSC
 * and, if given, the LAPIC timer's current count.
 */
#ifndef CETBED_KERNEL_CLOCK_H
#define CETBED_KERNEL_CLOCK_H

#include "types.h"

enum clock_source { CLOCK_CPUID, CLOCK_PMTMR, CLOCK_HPET, CLOCK_PIT, CLOCK_NR };

/* The interval a measuring source times. */
#define CLOCK_MEASURE_MS 20

struct clock_result {
	bool ok;
	u64 tsc_hz;
	/* LAPIC timer input frequency (before the divider); 0 if not known. */
	u64 lapic_hz;
	/* Why the source could not be used, when !ok. */
	char why[96];
};

/* Reads the LAPIC timer's current count, or NULL to leave the LAPIC out. */
typedef u32 (*clock_lapic_read)(void);

const char *clock_name(enum clock_source s);
/*
 * Measures (or, for CLOCK_CPUID, reads) one source.  lapic_div is the LAPIC
 * timer's divider while it counts down from 0xffffffff during the call.
 * tsc_hint, a TSC rate from another source or 0, bounds the waits.
 */
void clock_measure(enum clock_source s, clock_lapic_read lapic, u32 lapic_div, u64 tsc_hint,
		   struct clock_result *r);

#endif
