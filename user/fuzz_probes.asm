; Ring-3 fuzzer stubs: the system call itself, thread bodies, the restorer.

%include "asm-offsets.inc"

section .text

; long fuzz_syscall(u64 nr, const u64 args[6])
; A fork or vfork child exits right here, before touching the stack it may
; share with its parent.
global fuzz_syscall
fuzz_syscall:
	endbr64
	push rbx
	mov rbx, rdi
	mov rax, rdi
	mov rdi, [rsi]
	mov rdx, [rsi + 16]
	mov r10, [rsi + 24]
	mov r8, [rsi + 32]
	mov r9, [rsi + 40]
	mov rsi, [rsi + 8]
	syscall
	test rax, rax
	jnz .out
	cmp rbx, SYS_FORK
	je .child
	cmp rbx, SYS_VFORK
	je .child
.out:
	pop rbx
	ret
.child:
	mov edi, FUZZ_EXIT_CHILD
	mov eax, SYS_EXIT
	syscall
	ud2

; long fuzz_forged_sigreturn(u64 marker, u64 token_slot, u64 token)
; With WRSS allowed, writes a token and puts the marker where SYS_SIGRETURN
; looks (at SSP), then asks for a sigreturn the kernel never set up.
; Without shadow stacks (SSP 0) it is a plain SYS_SIGRETURN.
global fuzz_forged_sigreturn
fuzz_forged_sigreturn:
	endbr64
	xor eax, eax
	rdsspq rax
	test rax, rax
	jz .call
	wrssq [rsi], rdx
	wrssq [rax], rdi
.call:
	mov eax, SYS_SIGRETURN
	syscall
	ret

global fuzz_thread_exit
fuzz_thread_exit:
	endbr64
	mov edi, FUZZ_EXIT_THREAD
	mov eax, SYS_EXIT
	syscall
	ud2

global fuzz_thread_ud
fuzz_thread_ud:
	endbr64
	ud2

global fuzz_restorer
fuzz_restorer:
	endbr64
	mov eax, SYS_SIGRETURN
	syscall
	ud2
