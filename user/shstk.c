/* The ring-3 shadow-stack program: one case per run (include/user/shstk.h). */
#include "errno.h"
#include "lib.h"
#include "mm/layout.h"
#include "user/callchain.h"
#include "user/shstk.h"
#include "user/usys.h"

u64 u_rdssp(void); /* user/crt0.asm */
u64 u_rdssp_keeps(u64 marker);
void u_smash(void);
void u_far_ret(int change_cs);
void u_rstorssp(u64 *token);
void u_wrss(u64 *addr, u64 value);
void u_wrss_redirect(void);
void u_mov_store(void);
void u_overflow(u64 *token, u64 depth);
void u_incssp_top(u64 *token);
void u_swap_roundtrip(u64 *b_token, u64 out[8]);
u64 u_call_rel0(void);
extern u64 u_normal_page[];

/* Where the kernel's test finds what the program set up. */
u64 u_stack_a, u_stack_b;

static u64 *new_stack(u64 *base_out)
{
	long s = sys_map_shadow_stack(0, 4096, SHADOW_STACK_SET_TOKEN);
	if (s < 0)
		sys_exit(200);
	if (base_out)
		*base_out = (u64)s;
	return (u64 *)(s + 4096 - 8);
}

static long rstorssp_bad(u64 kind)
{
	u64 *token = new_stack(NULL);
	u64 slot = (u64)token, value;

	switch (kind) {
	case BAD_TOKEN_MODE:
		value = slot + 8; /* 64-bit mode bit clear */
		break;
	case BAD_TOKEN_ADDR:
		value = (slot + 16) | 1;
		break;
	default:
		value = (slot + 8) | 3; /* previous-SSP token */
		break;
	}
	u_wrss(token, value);
	u_rstorssp(token);
	return 1; /* RSTORSSP accepted a bad token */
}

static long swap_roundtrip(void)
{
	u64 out[8];
	u64 *token = new_stack(&u_stack_b);
	u64 slot = (u64)token, top = slot + 8;

	u_swap_roundtrip(token, out);
	u64 a = out[0];
	u_stack_a = a;
	if (out[1] != slot)
		return 1;
	if (out[2] != (a | 3)) /* previous-SSP token: old SSP | PREV | mode */
		return 2;
	if (out[3] != top)
		return 3;
	if (out[4] != (a | 1)) /* restore token on A */
		return 4;
	if (out[5] != a)
		return 5;
	if (out[6] != (top | 1)) /* restore token on B, in the slot RSTORSSP used */
		return 6;
	if (out[7] != top - 8)
		return 7;
	return 0;
}

#define EXPECT_RET(call, want, step)                                                       \
	do {                                                                               \
		long got_ = (call);                                                        \
		if (got_ != (long)(want)) {                                                \
			uput_hex("step", step);                                            \
			uput_hex("  returned", (u64)got_);                                 \
			return step;                                                       \
		}                                                                          \
	} while (0)

/* Started with SHSTK enabled by crt0. */
static long ctl_api(void)
{
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_STATUS, 0), SHSTK_FEAT_SHSTK, 1);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_ENABLE, 1 << 5), -EINVAL, 2);
	EXPECT_RET(sys_shstk_ctl(99, SHSTK_FEAT_SHSTK), -EINVAL, 3);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_ENABLE, SHSTK_FEAT_WRSS), 0, 4);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_STATUS, 0), SHSTK_FEAT_SHSTK | SHSTK_FEAT_WRSS, 5);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_DISABLE, SHSTK_FEAT_WRSS), 0, 6);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_STATUS, 0), SHSTK_FEAT_SHSTK, 7);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_LOCK, SHSTK_FEAT_SHSTK), 0, 8);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_DISABLE, SHSTK_FEAT_SHSTK), -EPERM, 9);
	EXPECT_RET(sys_shstk_ctl(SHSTK_OP_STATUS, 0), SHSTK_FEAT_SHSTK, 10);

	EXPECT_RET(sys_map_shadow_stack(0, 0, 0), -EINVAL, 20);
	EXPECT_RET(sys_map_shadow_stack(0, 12, 0), -EINVAL, 21);
	EXPECT_RET(sys_map_shadow_stack(0x12345000 + 8, 4096, 0), -EINVAL, 22);
	EXPECT_RET(sys_map_shadow_stack(0, 4096, 2), -EINVAL, 23);
	EXPECT_RET(sys_map_shadow_stack(USER_TOP, 4096, 0), -EINVAL, 24);
	/* Its own text, and the page right above it (a guard gap is kept). */
	EXPECT_RET(sys_map_shadow_stack(0x400000, 4096, 0), -EEXIST, 25);
	long b = sys_map_shadow_stack(0, 8192, SHADOW_STACK_SET_TOKEN);
	if (b < 0)
		return 26;
	EXPECT_RET(sys_map_shadow_stack(b + 8192, 4096, 0), -EEXIST, 27);
	EXPECT_RET(sys_map_shadow_stack(b - 4096, 4096, 0), -EEXIST, 28);
	/* The token: normal reads of a shadow stack work. */
	u64 *tok = (u64 *)(b + 8192 - 8);
	if (*tok != (((u64)tok + 8) | 1))
		return 29;
	u_stack_b = b;
	/* A fixed address two pages above the gap works, with no token. */
	long c = sys_map_shadow_stack(b + 8192 + 8192, 4096, 0);
	if (c != b + 8192 + 8192)
		return 30;
	if (*(u64 *)(c + 4096 - 8) != 0)
		return 31;
	EXPECT_RET(sys_munmap(c, 4096), 0, 32);
	EXPECT_RET(sys_map_shadow_stack(c, 4096, 0), c, 33);
	return 0;
}

long main(long which, u64 arg);
long main(long which, u64 arg)
{
	switch (which) {
	case SH_FIRST_CALL:
		return 0;
	case SH_CALL_RET_64:
		/* Shadow stacks must be on here, or the check would be empty. */
		return u_rdssp() ? callchain_run(64, NULL) : 100;
	case SH_RDSSP_OFF:
		return u_rdssp_keeps(0x5a5a5a5a5a5a5a5aUL) == 0x5a5a5a5a5a5a5a5aUL ? 0 : 1;
	case SH_SMASH:
		u_smash();
		return 2;
	case SH_FAR_RET_LIP:
	case SH_FAR_RET_CS:
		u_far_ret(which == SH_FAR_RET_CS);
		return 3;
	case SH_RSTORSSP_BAD:
		return rstorssp_bad(arg);
	case SH_RSTORSSP_NORMAL:
		u_rstorssp(u_normal_page);
		return 4;
	case SH_WRSS: {
		/*
		 * The slot above what u_rdssp() saw holds main's return address;
		 * the call to u_wrss() reuses the one below.  Without shadow
		 * stacks WRSS is #UD before it touches memory.
		 */
		u64 ssp = u_rdssp();
		u64 *target = ssp ? (u64 *)ssp + 1 : u_normal_page;
		u_wrss(target, *target); /* the same value: harmless when allowed */
		return 0;
	}
	case SH_WRSS_REDIRECT:
		u_wrss_redirect();
		return 5;
	case SH_MOV_STORE:
		u_mov_store();
		return 6;
	case SH_WRSS_NORMAL:
		u_wrss(u_normal_page, 1);
		return 7;
	case SH_OVERFLOW: {
		/* A neighbour below, then the one-page stack the recursion overflows. */
		u_stack_a = (u64)new_stack(NULL) + 8 - 4096;
		u64 *token = new_stack(&u_stack_b);
		u_overflow(token, 600);
		return 8;
	}
	case SH_INCSSP_TOP:
		u_incssp_top(new_stack(&u_stack_b));
		return 9;
	case SH_SWAPCONTEXT:
		return swap_roundtrip();
	case SH_CALL_REL0:
		return u_call_rel0() == 0 ? 0 : 1;
	case SH_CTL_API:
		return ctl_api();
	case SH_CTL_DEPS:
		EXPECT_RET(sys_shstk_ctl(SHSTK_OP_ENABLE, SHSTK_FEAT_WRSS), -EINVAL, 1);
		EXPECT_RET(sys_shstk_ctl(SHSTK_OP_ENABLE, SHSTK_FEAT_NOTRACK),
			   arg ? -EINVAL : -EOPNOTSUPP, 2);
		EXPECT_RET(sys_shstk_ctl(SHSTK_OP_STATUS, 0), 0, 3);
		return 0;
	case SH_CTL_GATED: {
		long no_ss = (arg & 1) ? 0 : -EOPNOTSUPP, no_ibt = (arg & 2) ? 0 : -EOPNOTSUPP;
		EXPECT_RET(sys_shstk_ctl(SHSTK_OP_STATUS, 0), no_ss, 1);
		EXPECT_RET(sys_shstk_ctl(SHSTK_OP_LOCK, SHSTK_FEAT_WRSS), no_ss, 2);
		EXPECT_RET(sys_shstk_ctl(SHSTK_OP_ENABLE, SHSTK_FEAT_IBT), no_ibt, 3);
		long m = sys_map_shadow_stack(0, 4096, 0);
		if (no_ss ? m != no_ss : m <= 0)
			return 4;
		return 0;
	}
	case SH_WRSS_DISABLED: {
		if (sys_shstk_ctl(SHSTK_OP_DISABLE, SHSTK_FEAT_WRSS))
			return 1;
		u64 *target = (u64 *)u_rdssp() + 1;
		u_wrss(target, *target);
		return 2;
	}
	default:
		return 255;
	}
}
