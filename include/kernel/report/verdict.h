/*
 * The end of a run as the verdict screen shows it, and the pause that keeps
 * the screen up (command line screen=) before power-off.
 */
#ifndef CETBED_KERNEL_VERDICT_H
#define CETBED_KERNEL_VERDICT_H

#include "types.h"

/* Verdicts, in the runner's order: most severe last. */
enum verdict { VERDICT_SUCCESS, VERDICT_SKIP, VERDICT_FAILURE, VERDICT_ERROR };

#define VERDICT_MAX_FAILED 32

struct verdict_failed {
	unsigned number; /* the KTAP test number */
	const char *name;
	bool error; /* ERROR rather than FAIL */
};

struct verdict_info {
	enum verdict verdict;
	const char *version;
	unsigned planned, passed, skipped, failed, errors;
	unsigned boot_errors; /* problems outside the tests (command line...), # ERROR: lines */
	const char *boot_error; /* the first of them, in short */
	/*
	 * CET as this run met it: CPUID enumeration, CR4.CET set by the kernel,
	 * and the tests of the CET areas (shstk, ibt, sss) that passed or
	 * skipped.  A PASS without a CET test that passed tested no CET.
	 */
	bool shstk_enumerated, ibt_enumerated, cet_enforced;
	unsigned cet_passed, cet_skipped;
	/* The first failed or errored tests, in run order; nr_failed counts all. */
	struct verdict_failed failed_tests[VERDICT_MAX_FAILED];
	unsigned nr_failed;
	unsigned hold_seconds; /* screen=; 0 is off */
};

/* "SUCCESS", "SKIP", "FAILURE", "ERROR", as on the verdict line. */
static inline const char *verdict_name(enum verdict v)
{
	static const char *const names[] = { "SUCCESS", "SKIP", "FAILURE", "ERROR" };
	return (unsigned)v < ARRAY_SIZE(names) ? names[v] : "ERROR";
}
/* Whether the run exercised CET at all: enumerated, enforced, a CET test passed. */
static inline bool verdict_cet_tested(const struct verdict_info *v)
{
	return (v->shstk_enumerated || v->ibt_enumerated) && v->cet_enforced && v->cet_passed;
}

/*
 * Keeps the verdict screen up for `seconds`, or until a key is pressed on a
 * PS/2 keyboard; bounded even without a working timer or controller.
 */
void verdict_hold(unsigned seconds);

#endif
