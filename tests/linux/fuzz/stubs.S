/*
 * The lxfuzz pieces that cannot be C: the system call itself, the spawn of
 * an instance on its own stack, clone/fork/vfork whose children exit at
 * once (they never touch the stack they were given), a signal restorer,
 * and rt_sigreturn with a forged frame (and, with WRSS, a forged
 * shadow-stack slot).
 */
	.text

/* The process entry: fz_main(sp) with argc, argv where Linux left them. */
	.globl _start
_start:
	mov	%rsp, %rdi
	and	$-16, %rsp
	call	fz_main
	mov	%eax, %edi
	mov	$231, %eax
	syscall
	ud2

/* rax = nr (rdi), and the six arguments at args (rsi) where SYSCALL wants them. */
.macro SYSCALL_ARGS
	mov	%rdi, %rax
	mov	%rsi, %r11
	mov	0(%r11), %rdi
	mov	8(%r11), %rsi
	mov	16(%r11), %rdx
	mov	24(%r11), %r10
	mov	32(%r11), %r8
	mov	40(%r11), %r9
.endm

/* long fz_syscall(u64 nr, const u64 args[6]) */
	.globl fz_syscall
fz_syscall:
	SYSCALL_ARGS
	syscall
	ret

/*
 * long fz_int80(u64 nr, const u64 args[6]): an ia32 system call (INT 0x80:
 * number in eax, arguments in ebx, ecx, edx, esi, edi, ebp).
 */
	.globl fz_int80
fz_int80:
	push	%rbx
	push	%rbp
	mov	%rdi, %rax
	mov	%rsi, %r11
	mov	0(%r11), %rbx
	mov	8(%r11), %rcx
	mov	16(%r11), %rdx
	mov	24(%r11), %rsi
	mov	32(%r11), %rdi
	mov	40(%r11), %rbp
	int	$0x80
	pop	%rbp
	pop	%rbx
	ret

/*
 * long fz_clone(u64 nr, const u64 args[6]): clone (56), fork (57) or vfork
 * (58).  A child, whatever stack and TLS it got, exits with status 0 at
 * once: exit (60), so that a CLONE_THREAD child ends only itself.
 */
	.globl fz_clone
fz_clone:
	SYSCALL_ARGS
	syscall
	test	%rax, %rax
	jnz	1f
	xor	%edi, %edi
	mov	$60, %eax
	syscall
	ud2
1:	ret

/*
 * long fz_spawn(u64 stack_top): clone(CLONE_VM | CLONE_VFORK | SIGCHLD)
 * onto stack_top; the child calls fz_instance(), which never returns, and
 * the caller resumes once the child is gone.
 */
	.globl fz_spawn
fz_spawn:
	mov	%rdi, %rsi
	mov	$0x4111, %edi
	xor	%edx, %edx
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	mov	$56, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	and	$-16, %rsp
	call	fz_instance
	ud2
1:	ret

/* The restorer the handlers of fz_sigaction return to. */
	.globl fz_restorer
fz_restorer:
	mov	$15, %eax
	syscall
	ud2

/* Where a forged sigreturn frame may send the task: it exits. */
	.globl fz_landing
fz_landing:
	mov	$7, %edi
	mov	$60, %eax
	syscall
	ud2

/*
 * void fz_forged_sigreturn(u64 frame, u64 ssp_slot_value, u64 wrss):
 * with wrss nonzero and a shadow stack, the slot at SSP (this stub's own
 * return address, never used) gets ssp_slot_value first; then rsp moves to
 * the frame and rt_sigreturn (15) reads it.  If the kernel returns instead
 * of killing the task, the task exits.
 */
	.globl fz_forged_sigreturn
fz_forged_sigreturn:
	test	%rdx, %rdx
	jz	1f
	xor	%eax, %eax
	rdsspq	%rax
	test	%rax, %rax
	jz	1f
	wrssq	%rsi, (%rax)
1:	mov	%rdi, %rsp
	mov	$15, %eax
	syscall
	mov	$8, %edi
	mov	$60, %eax
	syscall
	ud2

/* u64 fz_rdssp(void): 0 when shadow stacks are off (RDSSP is a NOP then). */
	.globl fz_rdssp
fz_rdssp:
	xor	%eax, %eax
	rdsspq	%rax
	ret

	.section .note.GNU-stack,"",@progbits
