; Ring-3 program entry: main(rdi, rsi), then SYS_EXIT with its result.

%include "asm-offsets.inc"

section .text
; rdx carries start flags (UPROC_START_*): features to enable through
; SYS_SHSTK_CTL here, in a frame that is never returned from.
global _start
extern main
_start:
	and rsp, -16
	xor ebp, ebp
	mov r12, rdi
	mov r13, rsi
	mov r14, rdx
	test r14, 1
	jz .no_shstk
	mov eax, SYS_SHSTK_CTL
	mov edi, SHSTK_OP_ENABLE
	mov esi, SHSTK_FEAT_SHSTK
	syscall
	test rax, rax
	jnz crt0_start_failed
.no_shstk:
	test r14, 2
	jz .no_wrss
	mov eax, SYS_SHSTK_CTL
	mov edi, SHSTK_OP_ENABLE
	mov esi, SHSTK_FEAT_WRSS
	syscall
	test rax, rax
	jnz crt0_start_failed
.no_wrss:
	test r14, 4
	jz .no_ibt
	mov eax, SYS_SHSTK_CTL
	mov edi, SHSTK_OP_ENABLE
	mov esi, SHSTK_FEAT_IBT
	syscall
	test rax, rax
	jnz crt0_start_failed
.no_ibt:
	test r14, 8
	jz .start
	mov eax, SYS_SHSTK_CTL
	mov edi, SHSTK_OP_ENABLE
	mov esi, SHSTK_FEAT_NOTRACK
	syscall
	test rax, rax
	jnz crt0_start_failed
.start:
	mov rdi, r12
	mov rsi, r13
global crt0_call_main
crt0_call_main:				; the program's first CALL
	call main
	mov rdi, rax
	mov eax, SYS_EXIT
	syscall
	ud2

; u64 u_rdssp(void): SSP, or 0 when shadow stacks are off.
global u_rdssp
u_rdssp:
	xor eax, eax
	rdsspq rax
	ret

crt0_start_failed:
	mov edi, START_FAILED_EXIT
	mov eax, SYS_EXIT
	syscall
	ud2
