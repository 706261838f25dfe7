/* CET: U_CET/S_CET bits, shadow-stack tokens, #CP error codes, XSAVE components. */
#ifndef CETBED_X86_CET_H
#define CETBED_X86_CET_H

/* IA32_U_CET / IA32_S_CET */
#define CET_SH_STK_EN (1UL << 0)
#define CET_WR_SHSTK_EN (1UL << 1)
#define CET_ENDBR_EN (1UL << 2)
#define CET_LEG_IW_EN (1UL << 3)
#define CET_NO_TRACK_EN (1UL << 4)
#define CET_SUPPRESS_DIS (1UL << 5)
#define CET_RESERVED_BITS (0xfUL << 6) /* bits 9:6 */
#define CET_SUPPRESS (1UL << 10)
#define CET_TRACKER (1UL << 11)
#define CET_LEG_BITMAP_MASK (~0xfffUL)

/* Shadow-stack tokens. */
#define SHSTK_TOKEN_MODE64 (1UL << 0) /* restore and previous-SSP tokens */
#define SHSTK_TOKEN_PREV (1UL << 1)   /* previous-SSP token */
#define SHSTK_TOKEN_BUSY (1UL << 0)   /* supervisor token */

/* #CP error codes. */
#define CP_EC_NEAR_RET 1
#define CP_EC_FAR_RET 2
#define CP_EC_ENDBRANCH 3
#define CP_EC_RSTORSSP 4
#define CP_EC_SETSSBSY 5
#define CP_EC_ENCL (1U << 15)

/* XSAVE state components (IA32_XSS, supervisor). */
#define XFEATURE_CET_U 11
#define XFEATURE_CET_S 12

#endif
