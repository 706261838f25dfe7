/*
 * Deep call chains for ring-3 tests: recursion to a given depth that, at
 * the bottom, compares every shadow-stack entry with the return address
 * its frame recorded.  The record lives in the caller's frame, so threads
 * sharing memory do not collide.
 */
#include "user/callchain.h"
#include "user/usys.h"

u64 u_rdssp(void);

static __attribute__((noinline)) long check(const u64 *rets, int depth)
{
	u64 seen = u_rdssp();
	if (!seen) {
		/*
		 * RDSSP reads 0 only with shadow stacks off.  If the kernel says
		 * they are on, a 0 means the check below would pass vacuously.
		 */
		long st = sys_shstk_ctl(SHSTK_OP_STATUS, 0);
		return st > 0 && (st & SHSTK_FEAT_SHSTK) ? CALLCHAIN_NO_SSP : 0;
	}
	/* u_rdssp() ran one call deeper than us. */
	const u64 *ssp = (const u64 *)(seen + 8);
	if (ssp[0] != (u64)__builtin_return_address(0))
		return CALLCHAIN_BAD_TOP;
	for (int i = 0; i < depth; i++)
		if (ssp[1 + i] != rets[depth - 1 - i])
			return 1 + i;
	return 0;
}

static __attribute__((noinline)) long recurse(u64 *rets, int n, int depth, u64 *min_ssp)
{
	long r;
	rets[n] = (u64)__builtin_return_address(0);
	if (n == depth - 1) {
		u64 s = u_rdssp();
		if (min_ssp && s && (!*min_ssp || s < *min_ssp))
			*min_ssp = s;
		r = check(rets, depth);
	} else {
		r = recurse(rets, n + 1, depth, min_ssp);
	}
	asm volatile("" : "+r"(r)); /* no tail call: every level returns through RET */
	return r;
}

long callchain_run(int depth, u64 *min_ssp)
{
	u64 rets[CALLCHAIN_MAX];
	if (depth < 1 || depth > CALLCHAIN_MAX)
		return CALLCHAIN_BAD_DEPTH;
	return recurse(rets, 0, depth, min_ssp);
}
