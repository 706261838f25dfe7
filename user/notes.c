/*
 * The ELF-note program, linked three ways (no note, SHSTK, SHSTK+IBT): it
 * reports what the loader turned on.  Case 0 exits 1 if SSP is live; case
 * 1 makes an indirect call to a target without ENDBR64.
 */
#include "user/usys.h"

u64 u_rdssp(void);
long u_nt_no_endbr(void);

static long (*volatile target)(void);

long main(long which, u64 arg);
long main(long which, u64 arg)
{
	(void)arg;
	if (which == 0)
		return u_rdssp() ? 1 : 0;
	target = u_nt_no_endbr;
	return target();
}
