; Saved kernel contexts (include/kernel/ctx.h): arm a context, call a
; function, and resume the armed context from anywhere below it.  With
; supervisor shadow stacks on, the shadow stack is unwound with INCSSP to
; where it was when the context was armed.

%include "asm-offsets.inc"

section .text

%macro SAVE_CTX 0			; rdi = struct kctx *
	mov [rdi + KCTX_RBX], rbx
	mov [rdi + KCTX_RBP], rbp
	mov [rdi + KCTX_R12], r12
	mov [rdi + KCTX_R13], r13
	mov [rdi + KCTX_R14], r14
	mov [rdi + KCTX_R15], r15
	mov [rdi + KCTX_RSP], rsp	; points at our return address
	pushfq
	pop rax
	mov [rdi + KCTX_RFLAGS], rax
	xor eax, eax
	rdsspq rax			; stays 0 without shadow stacks
	mov [rdi + KCTX_SSP], rax	; points at our return address's entry
%endmacro

; long kctx_call(struct kctx *ctx, void (*fn)(void *), void *arg)
global kctx_call
kctx_call:
	endbr64
	SAVE_CTX
	mov rax, rsi
	mov rdi, rdx
	sub rsp, 8			; keep the ABI's 16-byte alignment for fn
	call rax
	add rsp, 8
	xor eax, eax
	ret

; void kctx_resume(const struct kctx *ctx, long value)
global kctx_resume
kctx_resume:
	endbr64
	mov rcx, [rdi + KCTX_SSP]
	test rcx, rcx
	jz .restore
	; Pop every shadow-stack entry pushed since the context was armed,
	; at most 255 per INCSSP.
	xor eax, eax
	rdsspq rax
	sub rcx, rax
	shr rcx, 3
.unwind:
	test rcx, rcx
	jz .restore
	mov eax, 255
	cmp rcx, rax
	cmovb eax, ecx
	sub rcx, rax
	incsspq rax
	jmp .unwind
.restore:
	mov rbx, [rdi + KCTX_RBX]
	mov rbp, [rdi + KCTX_RBP]
	mov r12, [rdi + KCTX_R12]
	mov r13, [rdi + KCTX_R13]
	mov r14, [rdi + KCTX_R14]
	mov r15, [rdi + KCTX_R15]
	mov rsp, [rdi + KCTX_RSP]
	push qword [rdi + KCTX_RFLAGS]
	popfq
	mov rax, rsi
	ret

; void stack_switch_call(u64 top, void (*fn)(void *), void *arg): never
; returns.  With supervisor shadow stacks armed (kshstk_pending), turns
; them on here, in a frame nothing returns from: SETSSBSY takes the
; shadow stack whose token IA32_PL0_SSP names.
extern kshstk_pending
global stack_switch_call
stack_switch_call:
	endbr64
	mov rsp, rdi
	xor ebp, ebp
	mov r8, rsi
	mov r9, rdx
	cmp byte [rel kshstk_pending], 0
	je .call
	mov ecx, MSR_IA32_S_CET
	rdmsr
	or eax, CET_SH_STK_EN
	wrmsr
	setssbsy
.call:
	mov rdi, r9
	call r8
	ud2
