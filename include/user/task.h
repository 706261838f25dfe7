/* Cases of the ring-3 task program: rdi picks one, rsi is its argument. */
#ifndef CETBED_USER_TASK_H
#define CETBED_USER_TASK_H

#define TK_FORK_WAIT 0	     /* fork; child writes a global and exits 7; parent checks both */
#define TK_FORK_CALLS 1	     /* fork; both sides run checked 64-deep call chains */
#define TK_FORK_WRSS 2	     /* fork; the child's WRSS stays in the child; COW once per page */
#define TK_DIRTY_MPROTECT 3  /* write a page, mprotect it read-only, exit */
#define TK_DIRTY_MPROTECT_WRSS 4 /* ... then WRSS to it (must fault, SS) */
#define TK_DIRTY_FORK_WRSS 5 /* write a page, fork, WRSS to it in the parent (must fault, SS) */
#define TK_THREADS 6	     /* threads; thread 1 faults (arg: 0 ud2, 1 smashed return) */
#define TK_VFORK 7	     /* vfork child calls deep and exits; the parent goes on */
#define TK_PREEMPT 8	     /* CPU-bound children with checked call chains (arg: preemptions) */
#define TK_LEAKS 9	     /* 100 fork/exit/wait and 100 thread/exit/wait cycles */
#define TK_SPIN 10	     /* spins forever */
#define TK_FORK_PARENT_WRITE 11 /* write a global, fork, the parent writes it again at once */
#define TK_THREAD_PARK 12    /* a thread (arg: stack size) notes its SSP and spins; main exits */
#define TK_MAP_SHSTK 13	     /* map_shadow_stack(0, arg, SET_TOKEN) into u_mapped; exit 0 */
#define TK_FORK_MPROTECT_WRITE 14 /* write a page, fork, mprotect it read-only, write it (must fault) */

#define TK_THREADS_N 3
#define TK_FAULTY_THREAD 1

#endif
