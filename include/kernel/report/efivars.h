/*
 * What cetbed keeps in UEFI variables (vendor GUID in kernel/platform/efi.h), so a
 * laptop that resets mid-run, or has no serial line, still tells what
 * happened:
 *
 *   CetbedProgress  "run=<id> boot <step>" before a start-up step that may
 *                   hang (the timer), "run=<id> test=<N> <name>" when test N starts,
 *                   "run=<id> done" once the summary is stored
 *   CetbedSummary   the result summary line (include/kernel/report/summary.h)
 *
 * <id> is this boot's TSC in hex.  Every call is a no-op without runtime
 * services; efivars=off (and a list run, which tests nothing) keeps the
 * reading and drops the writes.
 */
#ifndef CETBED_KERNEL_EFIVARS_H
#define CETBED_KERNEL_EFIVARS_H

#include "types.h"

struct summary;

#define EFIVARS_PROGRESS "CetbedProgress"
#define EFIVARS_SUMMARY "CetbedSummary"

/*
 * Reports what the previous run left behind and picks this run's id;
 * no_writes, if not NULL, says why this run stores nothing.
 */
void efivars_boot(const char *no_writes);
void efivars_test_start(unsigned number, const char *name);
/* "run=<id> boot <step>": a start-up step that could hang, e.g. "timer". */
void efivars_progress(const char *step);
/* Stores the summary, then marks the run done. */
void efivars_run_end(const struct summary *s);

#endif
