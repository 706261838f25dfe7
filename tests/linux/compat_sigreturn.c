/*
 * Signals delivered to ia32 code and returned from: a 32-bit SIGUSR1
 * handler (compatibility mode, on an alternate stack below 2 GiB) sends
 * itself SIGUSR2 and SIGALRM with int $0x80.  SIGUSR2's handler has
 * SA_SIGINFO, so Linux builds rt_sigframe_ia32 and its restorer calls
 * rt_sigreturn (173); SIGALRM's gets sigframe_ia32 and sigreturn (119).
 * Each checks its frame (signal number, siginfo, the saved mask), changes
 * one saved register, and returns; the outer handler then finds kill's
 * result in EAX, its other registers kept and the changed one changed: the
 * context came back from the frame.  Every value is Linux's
 * (arch/x86/kernel/signal_32.c, include/uapi/asm-generic/siginfo.h).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "compat.h"
#include "lt.h"

#define NR32_sigreturn 119
#define NR32_rt_sigreturn 173
#define SUCCESS 77 /* the outer handler's exit status when every check held */

/*
 * Exit statuses 1-9: which check failed.  Offsets into the frames:
 * rt_sigframe_ia32 is pretcode, sig, pinfo, puc, then compat_siginfo
 * (si_signo 0, si_code 8, si_pid 12); ucontext_ia32 has its sigcontext_32
 * at 20 and uc_sigmask at 108; sigcontext_32 keeps di at 16, si at 20,
 * bx at 32 and oldmask at 80.  SIGUSR1 is bit 9 of a mask.
 */
asm(".pushsection .rodata\n"
    "sr32_start:\n"
    ".code32\n"
    /* SIGUSR1, entered with the signal number at 4(%esp). */
    "sr32_outer:\n"
    "	movl $20, %eax\n" /* getpid */
    "	int $0x80\n"
    "	movl %eax, %ebx\n"
    "	movl $0x11111111, %esi\n"
    "	movl $0x22222222, %edi\n"
    "	movl $0x33333333, %ebp\n"
    "	movl $12, %ecx\n" /* kill(pid, SIGUSR2) */
    "	movl $37, %eax\n"
    "	int $0x80\n"
    "	movl $1, %edx\n"
    "	testl %eax, %eax\n"
    "	jnz 9f\n"
    "	movl $2, %edx\n"
    "	cmpl $0x44444444, %edi\n" /* changed in the rt frame */
    "	jne 9f\n"
    "	cmpl $0x11111111, %esi\n"
    "	jne 9f\n"
    "	cmpl $0x33333333, %ebp\n"
    "	jne 9f\n"
    "	movl $14, %ecx\n" /* kill(pid, SIGALRM) */
    "	movl $37, %eax\n"
    "	int $0x80\n"
    "	movl $3, %edx\n"
    "	testl %eax, %eax\n"
    "	jnz 9f\n"
    "	movl $4, %edx\n"
    "	cmpl $0x55555555, %esi\n" /* changed in the plain frame */
    "	jne 9f\n"
    "	cmpl $0x44444444, %edi\n"
    "	jne 9f\n"
    "	movl $77, %edx\n"
    "9:	movl %edx, %ebx\n"
    "	movl $252, %eax\n" /* exit_group(edx) */
    "	int $0x80\n"
    "	ud2\n"
    /* SIGUSR2, SA_SIGINFO: sig, pinfo, puc above the return address. */
    "sr32_rt:\n"
    "	movl $5, %ebx\n"
    "	cmpl $12, 4(%esp)\n"
    "	jne 8f\n"
    "	movl 8(%esp), %eax\n"
    "	cmpl $12, 0(%eax)\n" /* si_signo */
    "	jne 8f\n"
    "	cmpl $0, 8(%eax)\n" /* si_code SI_USER */
    "	jne 8f\n"
    "	movl 12(%esp), %ecx\n"
    "	movl 52(%ecx), %edx\n" /* the interrupted EBX: the pid */
    "	movl $6, %ebx\n"
    "	cmpl %edx, 12(%eax)\n" /* si_pid */
    "	jne 8f\n"
    "	testl $0x200, 108(%ecx)\n" /* SIGUSR1 blocked while its handler runs */
    "	jz 8f\n"
    "	movl $0x44444444, 36(%ecx)\n" /* uc_mcontext.di */
    "	ret\n"
    "sr32_rt_restorer:\n"
    "	movl $173, %eax\n"
    "	int $0x80\n"
    "	ud2\n"
    /* SIGALRM: sig, then sigcontext_32, above the return address. */
    "sr32_plain:\n"
    "	movl $7, %ebx\n"
    "	cmpl $14, 4(%esp)\n"
    "	jne 8f\n"
    "	movl $8, %ebx\n"
    "	testl $0x200, 88(%esp)\n" /* sc.oldmask */
    "	jz 8f\n"
    "	movl $0x55555555, 28(%esp)\n" /* sc.si */
    "	ret\n"
    "sr32_restorer:\n"
    "	popl %eax\n"
    "	movl $119, %eax\n"
    "	int $0x80\n"
    "	ud2\n"
    "8:	movl $252, %eax\n" /* exit_group(ebx) */
    "	int $0x80\n"
    "	ud2\n"
    ".code64\n"
    "sr32_end:\n"
    ".popsection");
extern const char sr32_start[], sr32_outer[], sr32_rt[], sr32_rt_restorer[], sr32_plain[],
	sr32_restorer[], sr32_end[];

static int sigreturn_body(void)
{
	struct compat_old_sigaction *a = map32(4096, PROT_READ | PROT_WRITE);
	struct compat_sigaction *rt = (void *)(a + 1);
	char *code = map32(4096, PROT_READ | PROT_WRITE);
	void *alt = map32(ALTSTACK_SIZE, PROT_READ | PROT_WRITE);
	stack_t ss = { .ss_sp = alt, .ss_size = ALTSTACK_SIZE };

	LT_CHECK(in_map32_window(a, 4096) && in_map32_window(code, 4096));
	LT_CHECK(in_map32_window(alt, ALTSTACK_SIZE));
	if (lt_failures)
		return 1;
	memcpy(code, sr32_start, sr32_end - sr32_start);
	LT_EQ(mprotect(code, 4096, PROT_READ | PROT_EXEC), 0);
	LT_EQ(sigaltstack(&ss, NULL), 0);
	uint32_t base = (uint32_t)(uintptr_t)code;
#define AT(sym) (base + (uint32_t)(sym - sr32_start))
	*a = (struct compat_old_sigaction){ AT(sr32_outer), 0, SA_ONSTACK, 0 };
	LT_EQ(int80(NR32_sigaction, SIGUSR1, (long)a, 0), 0);
	*a = (struct compat_old_sigaction){ AT(sr32_plain), 0, SA_ONSTACK | SA_RESTORER_LINUX,
					    AT(sr32_restorer) };
	LT_EQ(int80(NR32_sigaction, SIGALRM, (long)a, 0), 0);
	*rt = (struct compat_sigaction){ AT(sr32_rt), SA_SIGINFO | SA_ONSTACK | SA_RESTORER_LINUX,
					 AT(sr32_rt_restorer), { 0, 0 } };
	LT_EQ(int80_4(NR32_rt_sigaction, SIGUSR2, (long)rt, 0, 8), 0);
#undef AT
	if (lt_failures)
		return 1;
	fflush(stdout);
	raise(SIGUSR1);
	printf("FAIL: raise(SIGUSR1) returned: the 32-bit handler did not end the process\n");
	return 1;
}

int lt_compat_sigreturn(int argc, char **argv)
{
	(void)argc, (void)argv;
	/*
	 * 77 when every check held; 1-4 the outer handler's checks after
	 * returning, 5-6 the rt frame's, 7-8 the plain frame's.
	 */
	expect_child(sigreturn_body, SUCCESS, "32-bit handlers returning through sigreturn");
	return LT_RESULT();
}
