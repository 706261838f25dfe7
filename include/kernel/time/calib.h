/*
 * Choosing the clock that calibrates the timer: every source is tried, the
 * ones that work are checked against each other, and the choice, its
 * rates and any disagreement are printed as "# timer:" lines.
 */
#ifndef CETBED_KERNEL_CALIB_H
#define CETBED_KERNEL_CALIB_H

#include "kernel/lib/cmdline.h"
#include "kernel/time/clock.h"

/* Two rates agree when they differ by at most this many per mille. */
#define CALIB_AGREE_PERMILLE 50

struct calib {
	enum clock_source source; /* CLOCK_NR: none worked */
	u64 tsc_hz, lapic_hz;	  /* of that source; lapic_hz 0 if unknown */
	struct clock_result results[CLOCK_NR];
};

bool calib_agree(u64 a, u64 b);
/*
 * Measures every source and picks one: the forced one (timer=cpuid|pmtmr|
 * hpet|pit), else the one most others agree with, CPUID first among equals.
 * Returns the number of "# ERROR:" lines printed.
 */
unsigned calib_run(enum cmdline_timer want, clock_lapic_read lapic, u32 div, struct calib *c);

#endif
