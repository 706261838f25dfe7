/* Cases of the ring-3 selftest program: rdi at entry picks one, rsi is its argument. */
#ifndef CETBED_USER_SELFTEST_H
#define CETBED_USER_SELFTEST_H

#define ST_EXIT 0	     /* exits with the argument */
#define ST_WRITE 1	     /* writes a known line; exits 0 if write returned its length */
#define ST_BAD_POINTERS 2    /* every bad buffer gets -EFAULT/-EINVAL; exits with the miss count */
#define ST_ENOSYS 3	     /* an unknown syscall number gets -ENOSYS; exits 0 */
#define ST_READ_NULL 4	     /* reads address 0 */
#define ST_WRITE_KERNEL 5    /* writes the kernel address in the argument */
#define ST_READ_KERNEL 6     /* reads the kernel address in the argument */
#define ST_EXEC_NX 7	     /* calls into its own NX data */
#define ST_UD 8		     /* ud2 */
#define ST_INT3 9	     /* int3 */
#define ST_INT_GATE 10	     /* int 0x20 through a DPL0 gate */
#define ST_HLT 11	     /* hlt at CPL3 */
#define ST_SGDT 12	     /* sgdt, which UMIP forbids at CPL3 */
#define ST_WRITE_TEXT 13     /* writes its own read-only code */
#define ST_STACK_GUARD 14    /* writes the guard page below its stack */
#define ST_SYSCALL_REGS 15   /* callee-saved registers survive a syscall; exits 0 */

#define ST_WRITE_TEXT_LINE "hello from ring 3"

#endif
