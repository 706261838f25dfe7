/* The ring-3 IBT program: indirect branches with and without ENDBR64. */
#include "user/ibt.h"
#include "user/usys.h"

long u_no_endbr(void);
long u_ibt_jmp(void);
long u_ibt_notrack(void);
long u_with_endbr(void);
long u_ibt_step(long (*target)(void));

/* volatile: the calls must stay indirect. */
static long (*volatile target)(void);
static long (*volatile target_fn)(void);

static long legacy(bool mark)
{
	/* Mark the target's page, or another page (the bitmap is on either way). */
	u64 page = mark ? (u64)u_no_endbr : (u64)&target_fn;
	if (syscall3(SYS_SHSTK_CTL, SHSTK_OP_LEGACY_BITMAP, (long)page, 0))
		return 100;
	target_fn = u_no_endbr;
	return target_fn();
}

/* long u_ibt_notrack(void): a NOTRACK indirect call to a target without ENDBR64. */
asm(".text\n"
    ".globl u_ibt_notrack\n"
    "u_ibt_notrack:\n"
    "	endbr64\n"
    "	lea u_no_endbr(%rip), %rax\n"
    "	notrack call *%rax\n"
    "	ret\n");

static long with_endbr(void)
{
	return 0;
}



long main(long which, u64 arg);
long main(long which, u64 arg)
{
	(void)arg;
	/* if/else, not switch: a jump table would be a NOTRACK branch of its own. */
	if (which == IB_CALL_ENDBR) {
		target = with_endbr;
		return target();
	}
	if (which == IB_CALL_NO_ENDBR) {
		target = u_no_endbr;
		return target();
	}
	if (which == IB_JMP_NO_ENDBR)
		return u_ibt_jmp();
	if (which == IB_NOTRACK_CALL)
		return u_ibt_notrack();
	if (which == IB_LEGACY_SET || which == IB_LEGACY_CLEAR)
		return legacy(which == IB_LEGACY_SET);
	if (which == IB_STEP_NO_ENDBR)
		return u_ibt_step(u_no_endbr);
	if (which == IB_STEP_ENDBR)
		return u_ibt_step(u_with_endbr);
	return 255;
}
