/* Cases of the ring-3 signal program: rdi picks one, rsi is its argument. */
#ifndef CETBED_USER_SIG_H
#define CETBED_USER_SIG_H

#define SG_BASIC 0	     /* a handler runs and returns; call/ret and SSP intact after */
#define SG_NESTED 1	     /* three handlers nested through SYS_KILL to self */
#define SG_ALARM 2	     /* SIG_ALRM from the timer interrupts a loop */
#define SG_UD_RESUME 3	     /* #UD to a handler that skips the instruction */
#define SG_ALTSTACK 4	     /* SA_ONSTACK handler on the alternate stacks, the other not */
#define SG_TAMPER 5	     /* the handler breaks its frame (arg: SG_BREAK_*) and returns */
#define SG_REPLAY 6	     /* a frame used a second time after its sigreturn */
#define SG_GUARD_EDGE 7	     /* a fault with SSP one entry above the guard page (arg 1: alt) */
#define SG_CP_RECOVER 8	     /* #CP(1) from a smashed return; the handler repairs it */
#define SG_PF_SS 9	     /* WRSS to ordinary memory; the handler sees #PF with SS */
#define SG_REUSE_TOKEN 10    /* RSTORSSP onto a signal frame's token after its sigreturn */
#define SG_FROM_THREAD 11    /* another task (a thread) signals the main task */
#define SG_ALTSTACK_CHECKS 12 /* sigaltstack refuses bad alternate shadow stacks */
#define SG_BLOCKED 13	     /* a signal raised in its own handler waits for the return */

#define SG_BREAK_TOKEN 0     /* rewrite the restore token */
#define SG_BREAK_NORMAL 1    /* point the marker at a token in ordinary memory */
#define SG_BREAK_MISALIGNED 2 /* the marker names an SSP that is not 8-aligned */
#define SG_BREAK_KERNEL 3    /* the marker names a kernel address */
#define SG_BREAK_FAR_TOKEN 4 /* the marker names a valid token on another shadow stack */
#define SG_BREAK_CTX_SSP 5   /* the normal-stack context's SSP differs from the frame's */
#define SG_BREAK_RIP 6	     /* the context resumes at a kernel address */
#define SG_BREAK_RSP 7	     /* the context's rsp is non-canonical */

#endif
