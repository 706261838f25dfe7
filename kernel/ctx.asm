; Saved kernel contexts (include/kernel/ctx.h): arm a context, call a
; function or enter ring 3, and resume the armed context from anywhere.

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

; long kctx_enter_user(struct kctx *ctx, const struct user_entry *e)
global kctx_enter_user
kctx_enter_user:
	endbr64
	SAVE_CTX
	push USER_DS
	push qword [rsi + UE_RSP]
	push qword [rsi + UE_RFLAGS]
	push USER_CS
	push qword [rsi + UE_RIP]
	mov rdi, [rsi + UE_RDI]
	mov rdx, [rsi + UE_RDX]
	mov rsi, [rsi + UE_RSI]
	; Nothing of the kernel's registers may leak into ring 3.
	xor eax, eax
	xor ebx, ebx
	xor ecx, ecx
	xor ebp, ebp
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	iretq

; void kctx_resume(const struct kctx *ctx, long value)
global kctx_resume
kctx_resume:
	endbr64
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

; void stack_switch_call(u64 top, void (*fn)(void *), void *arg): never returns.
global stack_switch_call
stack_switch_call:
	endbr64
	mov rsp, rdi
	xor ebp, ebp
	mov rdi, rdx
	call rsi
	ud2
