; setjmp/longjmp and ctx_make/ctx_swap for ring-3 programs, with the shadow
; stack kept in step (include/user/ctx.h).  Every path works with shadow
; stacks off too: RDSSP then leaves its zeroed register alone.

%include "asm-offsets.inc"

section .text

; int setjmp(jmp_buf env)
global setjmp
setjmp:
	mov [rdi + JB_RBX], rbx
	mov [rdi + JB_RBP], rbp
	mov [rdi + JB_R12], r12
	mov [rdi + JB_R13], r13
	mov [rdi + JB_R14], r14
	mov [rdi + JB_R15], r15
	lea rdx, [rsp + 8]		; the caller's rsp once we have returned
	mov [rdi + JB_RSP], rdx
	mov rdx, [rsp]
	mov [rdi + JB_RIP], rdx
	xor edx, edx
	rdsspq rdx
	test rdx, rdx
	jz .ssp
	add rdx, 8			; and its SSP: our RET pops one entry
.ssp:
	mov [rdi + JB_SSP], rdx
	xor eax, eax
	ret

; void longjmp(jmp_buf env, int val): setjmp returns val there (1 for 0).
; The caller's frames down to env's are popped from the shadow stack with
; INCSSP, which takes only bits 7:0 of its count: hence chunks of 255.
; Nothing here checks that env's frame is still live.  If it returned, the
; entry left at its SSP belongs to whichever call reused the slot, and the
; first RET that no longer matches raises #CP(1): the shadow stack is the
; check.  An env SSP below the current one (a frame deeper than us, which
; must be dead) pops nothing and is left to that same RET.
global longjmp
longjmp:
	mov eax, esi
	test eax, eax
	jnz .val
	inc eax
.val:
	xor ecx, ecx
	rdsspq rcx
	test rcx, rcx
	jz .regs			; shadow stacks off: a plain longjmp
	mov rdx, [rdi + JB_SSP]
	test rdx, rdx
	jz .regs			; env was saved with them off
	sub rdx, rcx
	jb .regs
	shr rdx, 3			; entries to pop, our own return address included
	mov ecx, 255
.chunk:
	cmp rdx, rcx
	jbe .last
	incsspq rcx
	sub rdx, rcx
	jmp .chunk
.last:
	test rdx, rdx
	jz .regs
	incsspq rdx
.regs:
	mov rbx, [rdi + JB_RBX]
	mov rbp, [rdi + JB_RBP]
	mov r12, [rdi + JB_R12]
	mov r13, [rdi + JB_R13]
	mov r14, [rdi + JB_R14]
	mov r15, [rdi + JB_R15]
	mov rsp, [rdi + JB_RSP]
	jmp [rdi + JB_RIP]

; void ctx_make(struct ctx *c, void (*fn)(u64), u64 arg, void *stack,
;               size_t stack_size, u64 *shstk_token)
;
; The first switch into c consumes the token SYS_MAP_SHADOW_STACK left in
; the top slot (RSTORSSP, SAVEPREVSSP), which leaves SSP at the very top
; with nothing on the shadow stack.  So ctx_swap reaches a context by JMP,
; never by RET: a new one starts at ctx_start, whose CALL pushes fn's
; return address onto both stacks itself.  No WRSS is needed, so this
; works with SHSTK alone.
global ctx_make
ctx_make:
	add rcx, r8
	and rcx, -16			; ctx_start's CALL then aligns fn as the ABI wants
	mov [rdi + CTX_RSP], rcx
	lea rax, [rel ctx_start]
	mov [rdi + CTX_RIP], rax
	mov [rdi + CTX_R12], rsi
	mov [rdi + CTX_R13], rdx
	mov [rdi + CTX_TOKEN], r9
	xor eax, eax
	mov [rdi + CTX_RBX], rax
	mov [rdi + CTX_RBP], rax	; rbp 0 ends frame-pointer walks at fn
	mov [rdi + CTX_R14], rax
	mov [rdi + CTX_R15], rax
	ret

; ENDBR64 at every indirect-jump target, so the switch survives user IBT.
ctx_start:
	endbr64
	mov rdi, r13
	call r12
	mov edi, CTX_EXIT_FN_RETURNED	; nothing to return to
	mov eax, SYS_EXIT
	syscall
	ud2

; void ctx_swap(struct ctx *from, struct ctx *to)
;
; RSTORSSP moves SSP onto to's restore token and turns it into a
; previous-SSP token; SAVEPREVSSP pops that and pushes a restore token for
; our SSP onto our own shadow stack, right below the entry holding our
; return address.  from records that slot: the next switch back consumes
; it, and SSP is then back at our return address for ctx_resume's RET.
global ctx_swap, ctx_swap_rstorssp
ctx_swap:
	mov [rdi + CTX_RBX], rbx
	mov [rdi + CTX_RBP], rbp
	mov [rdi + CTX_R12], r12
	mov [rdi + CTX_R13], r13
	mov [rdi + CTX_R14], r14
	mov [rdi + CTX_R15], r15
	mov [rdi + CTX_RSP], rsp
	lea rax, [rel ctx_resume]
	mov [rdi + CTX_RIP], rax
	xor eax, eax
	rdsspq rax
	test rax, rax
	jz ctx_swap_load		; shadow stacks off: registers only
	mov rcx, [rsi + CTX_TOKEN]
ctx_swap_rstorssp:			; #CP(4) here for a bad or consumed token
	rstorssp [rcx]
	saveprevssp
	sub rax, 8
	mov [rdi + CTX_TOKEN], rax
ctx_swap_load:
	mov rbx, [rsi + CTX_RBX]
	mov rbp, [rsi + CTX_RBP]
	mov r12, [rsi + CTX_R12]
	mov r13, [rsi + CTX_R13]
	mov r14, [rsi + CTX_R14]
	mov r15, [rsi + CTX_R15]
	mov rsp, [rsi + CTX_RSP]
	jmp [rsi + CTX_RIP]

ctx_resume:
	endbr64
	ret
