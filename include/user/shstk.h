/* Cases of the ring-3 shadow-stack program: rdi picks one, rsi is its argument. */
#ifndef CETBED_USER_SHSTK_H
#define CETBED_USER_SHSTK_H

#define SH_FIRST_CALL 0	       /* just returns 0: the crt0 CALL is the test */
#define SH_CALL_RET_64 1       /* 64 nested calls, every shadow-stack entry checked */
#define SH_RDSSP_OFF 2	       /* RDSSP with shadow stacks off leaves its register alone */
#define SH_SMASH 3	       /* overwrites its return address and returns */
#define SH_FAR_RET_LIP 4       /* far RET to a changed rip */
#define SH_FAR_RET_CS 5	       /* far RET to a changed cs */
#define SH_RSTORSSP_BAD 6      /* RSTORSSP onto a token rewritten to the value in rsi */
#define SH_RSTORSSP_NORMAL 7   /* RSTORSSP onto a token in ordinary memory */
#define SH_WRSS 8	       /* WRSS to the current shadow stack */
#define SH_WRSS_REDIRECT 9     /* WRSS changes a return address, RET follows it */
#define SH_MOV_STORE 10	       /* a normal read, then a normal store to the shadow stack */
#define SH_WRSS_NORMAL 11      /* WRSS to ordinary writable memory */
#define SH_OVERFLOW 12	       /* recursion on a one-page shadow stack into its guard */
#define SH_INCSSP_TOP 13       /* INCSSP past the top of a shadow stack */
#define SH_SWAPCONTEXT 14      /* RSTORSSP/SAVEPREVSSP to another stack and back */
#define SH_CALL_REL0 15	       /* CALL with rel32 = 0 */
#define SH_CTL_API 16	       /* SYS_SHSTK_CTL and SYS_MAP_SHADOW_STACK semantics */
#define SH_CTL_DEPS 17	       /* WRSS needs SHSTK, NOTRACK needs IBT (arg: CPU has IBT) */
#define SH_WRSS_DISABLED 18    /* disable WRSS, then WRSS to the shadow stack */
#define SH_CTL_GATED 19	       /* each call gated on its CPUID bit (arg: bit 0 shstk, bit 1 ibt) */

/* RSTORSSP bad token kinds (rsi of SH_RSTORSSP_BAD). */
#define BAD_TOKEN_MODE 0       /* mode bit clear */
#define BAD_TOKEN_ADDR 1       /* points at another slot */
#define BAD_TOKEN_PREV 2       /* a previous-SSP token */

/* Exit statuses that mean "the protection did not work". */
#define SH_EXIT_SMASH_WORKED 77
#define SH_EXIT_REDIRECTED 55
#define SH_EXIT_READ_MISMATCH 66

#endif
