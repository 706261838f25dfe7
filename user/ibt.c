/* The ring-3 IBT program: indirect branches with and without ENDBR64. */
#include "user/ibt.h"
#include "user/usys.h"

long u_no_endbr(void);
long u_ibt_jmp(void);
long u_ibt_notrack(void);

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

/* volatile: the call must stay indirect. */
static long (*volatile target)(void);

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
	return 255;
}
