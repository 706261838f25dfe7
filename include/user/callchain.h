/* Checked deep call chains for ring-3 tests (user/callchain.c). */
#ifndef CETBED_USER_CALLCHAIN_H
#define CETBED_USER_CALLCHAIN_H

#include "types.h"

#define CALLCHAIN_MAX 128
#define CALLCHAIN_BAD_TOP 200
#define CALLCHAIN_BAD_DEPTH 201
#define CALLCHAIN_NO_SSP 202 /* shadow stacks on, yet RDSSP read 0 */

/*
 * Recurses depth levels; at the bottom, with shadow stacks on, every entry
 * must equal its frame's return address.  Returns 0, or the first
 * mismatching level + 1, or CALLCHAIN_NO_SSP when SYS_SHSTK_CTL reports shadow
 * stacks on but SSP reads 0 (the comparison would pass vacuously).  *min_ssp (if given) gets the lowest SSP seen.
 */
long callchain_run(int depth, u64 *min_ssp);

#endif
