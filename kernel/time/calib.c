/*
 * Which clock to believe.  A single source can be wrong without looking
 * wrong: a gated PIT still raises OUT2, too early; an emulator's CPUID
 * leaf 0x15 may describe a crystal its TSC does not follow.  So every
 * source is read and each is counted by how many others agree with it.
 */
#include "kernel/boot_error.h"
#include "kernel/time/calib.h"
#include "lib.h"

bool calib_agree(u64 a, u64 b)
{
	u64 d = a > b ? a - b : b - a;
	return d * 1000 <= (a > b ? a : b) * CALIB_AGREE_PERMILLE;
}

static unsigned support(const struct calib *c, unsigned i)
{
	unsigned n = 0;
	for (unsigned j = 0; j < CLOCK_NR; j++)
		if (j != i && c->results[j].ok && calib_agree(c->results[i].tsc_hz,
							      c->results[j].tsc_hz))
			n++;
	return n;
}

/* "12.345 MHz" for a rate in Hz. */
static const char *mhz(u64 hz, char *buf, size_t size)
{
	snprintf(buf, size, "%lu.%03lu MHz", hz / 1000000, hz / 1000 % 1000);
	return buf;
}

static void report_sources(const struct calib *c)
{
	char a[24], b[24];

	for (unsigned i = 0; i < CLOCK_NR; i++) {
		const struct clock_result *r = &c->results[i];
		if (!r->ok)
			diag("timer: %s: not usable: %s", clock_name(i), r->why);
		else if (r->lapic_hz)
			diag("timer: %s: TSC %s, LAPIC timer input %s", clock_name(i),
			     mhz(r->tsc_hz, a, sizeof(a)), mhz(r->lapic_hz, b, sizeof(b)));
		else
			diag("timer: %s: TSC %s", clock_name(i), mhz(r->tsc_hz, a, sizeof(a)));
	}
}

/* Names the sources that disagree with `pick`; returns how many. */
static unsigned list_disagreeing(const struct calib *c, unsigned pick, char *buf, size_t size)
{
	unsigned n = 0;
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned j = 0; j < CLOCK_NR; j++) {
		if (j == pick || !c->results[j].ok ||
		    calib_agree(c->results[pick].tsc_hz, c->results[j].tsc_hz))
			continue;
		len += snprintf(buf + len, size - len, "%s%s", n ? ", " : "", clock_name(j));
		if (len >= size)
			len = size - 1;
		n++;
	}
	return n;
}

unsigned calib_run(enum cmdline_timer want, clock_lapic_read lapic, u32 div, struct calib *c)
{
	static const enum clock_source forced_of[] = {
		[CMDLINE_TIMER_CPUID] = CLOCK_CPUID, [CMDLINE_TIMER_PMTMR] = CLOCK_PMTMR,
		[CMDLINE_TIMER_HPET] = CLOCK_HPET,   [CMDLINE_TIMER_PIT] = CLOCK_PIT,
	};
	bool forcing = want == CMDLINE_TIMER_CPUID || want == CMDLINE_TIMER_PMTMR ||
		       want == CMDLINE_TIMER_HPET || want == CMDLINE_TIMER_PIT;
	unsigned errors = 0, pick = CLOCK_NR;
	u64 hint = 0;
	char others[64];

	/* The PIT last: a rate from any other source bounds its wait. */
	for (unsigned i = 0; i < CLOCK_NR; i++) {
		clock_measure(i, lapic, div, hint, &c->results[i]);
		if (c->results[i].ok && !hint)
			hint = c->results[i].tsc_hz;
	}
	report_sources(c);
	if (forcing) {
		pick = forced_of[want];
		if (!c->results[pick].ok) {
			boot_error("timer=%s: that clock is not usable (%s)", clock_name(pick),
			           c->results[pick].why);
			errors++;
			pick = CLOCK_NR;
		}
	}
	if (pick == CLOCK_NR) {
		unsigned best = 0;
		for (unsigned i = 0; i < CLOCK_NR; i++)
			if (c->results[i].ok && (pick == CLOCK_NR || support(c, i) > best)) {
				pick = i;
				best = support(c, i);
			}
	}
	c->source = pick;
	if (pick == CLOCK_NR) {
		boot_error("timer: no clock to calibrate against (cpuid, pmtmr, hpet and pit all "
		           "failed): timer rates are guesses");
		return errors + 1;
	}
	c->tsc_hz = c->results[pick].tsc_hz;
	c->lapic_hz = c->results[pick].lapic_hz;
	unsigned bad = list_disagreeing(c, pick, others, sizeof(others));
	if (!bad)
		return errors;
	/*
	 * Outvoted: each disagreeing source has fewer sources agreeing with it.
	 * The PIT never outweighs another clock: chipsets that gate its input
	 * still raise OUT2, early, so against any other clock it only loses.
	 */
	bool outvoted = true;
	for (unsigned j = 0; j < CLOCK_NR; j++)
		if (j != pick && c->results[j].ok &&
		    !calib_agree(c->results[pick].tsc_hz, c->results[j].tsc_hz) &&
		    support(c, j) >= support(c, pick) && j != CLOCK_PIT)
			outvoted = false;
	if (!outvoted) {
		boot_error("timer: %s%s disagrees with %s by more than %u per mille; using %s",
		           forcing ? "timer=" : "", clock_name(pick), others, CALIB_AGREE_PERMILLE,
		           clock_name(pick));
		errors++;
	} else {
		diag("timer: %s disagrees with %s, which more clocks confirm (or which the PIT "
		     "cannot outweigh); using %s", others, clock_name(pick), clock_name(pick));
	}
	return errors;
}
