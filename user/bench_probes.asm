; Ring-3 benchmark loops: fixed instruction sequences, so that the shadow
; stack on or off is the only difference between two runs of a case.

%include "asm-offsets.inc"

section .text

; void u_bench_calls(u64 n): n CALLs, each to a lone RET.
global u_bench_calls
u_bench_calls:
.loop:
	call u_bench_leaf
	dec rdi
	jnz .loop
	ret
u_bench_leaf:
	ret

; void u_bench_movs(u64 *addr, u64 n): n MOV stores to *addr.
global u_bench_movs
u_bench_movs:
.loop:
	mov [rdi], rsi
	dec rsi
	jnz .loop
	ret

; void u_bench_wrss(u64 *addr, u64 n): n WRSSQ stores to *addr.
global u_bench_wrss
u_bench_wrss:
.loop:
	wrssq [rdi], rsi
	dec rsi
	jnz .loop
	ret

; void u_bench_smash(void): rewrites its return address and returns: #CP(1)
; with shadow stacks on; the handler puts the true address back and the RET
; runs again.  Without a handler that repairs it, it lands on UD2.
global u_bench_smash, u_bench_smash_ret
u_bench_smash:
	lea rcx, [rel u_bench_landing]
	mov [rsp], rcx
u_bench_smash_ret:
	ret
u_bench_landing:
	ud2

; The restorer: a handler's RET lands here.
global u_bench_sigreturn
u_bench_sigreturn:
	mov eax, SYS_SIGRETURN
	syscall
	ud2

; A thread starts here with its argument in rdi; returning exits it.
global u_bench_thread_start
extern bench_thread
u_bench_thread_start:
	and rsp, -16
	call bench_thread
	mov rdi, rax
	mov eax, SYS_EXIT
	syscall
	ud2
