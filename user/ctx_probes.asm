; Probes of the ctx program, in assembly where the exact frame layout is
; the point.  u_lj_stale_ret is looked up by the kernel's test.

%include "asm-offsets.inc"

extern setjmp, longjmp, ctx_swap

section .text

; void u_lj_stale(void): setjmp in a callee that then returns, and a
; longjmp into it from a later call.  The later call is made one slot lower
; on the normal stack only, so the dead frame's return slot still holds its
; old return address while the shadow-stack entry longjmp unwinds to holds
; the later call's: the dead frame's RET must raise #CP(1).  Without
; shadow stacks that RET goes back to the first call site, a second time.
global u_lj_stale
u_lj_stale:
	call u_lj_setup
	test eax, eax
	jnz .came_back
	sub rsp, 8
	call u_lj_jump
	ud2
.came_back:
	mov edi, CTX_EXIT_STALE_RETURNED
	mov eax, SYS_EXIT
	syscall
	ud2

global u_lj_stale_ret
u_lj_setup:
	lea rdi, [rel u_lj_buf]
	call setjmp
u_lj_stale_ret:
	ret

u_lj_jump:
	xor eax, eax
	rdsspq rax
	mov [rel u_lj_ssp], rax		; SSP at the #CP: the entry of this call
	lea rdi, [rel u_lj_buf]
	mov esi, 1
	call longjmp
	ud2

; Callee-saved registers given distinct values, compared after a return.
%macro FILL 1
	mov rbx, %1
	lea rbp, [rbx + 1]
	lea r12, [rbx + 2]
	lea r13, [rbx + 3]
	lea r14, [rbx + 4]
	lea r15, [rbx + 5]
%endmacro

; Sets bit %3 of eax when %1 != %2.
%macro CMPBIT 3
	cmp %1, %2
	je %%same
	or eax, 1 << %3
%%same:
%endmacro

; eax |= a bit per callee-saved register that no longer holds seed + i.
%macro CHECK_FILL 1
	mov rcx, %1
	CMPBIT rbx, rcx, 0
	inc rcx
	CMPBIT rbp, rcx, 1
	inc rcx
	CMPBIT r12, rcx, 2
	inc rcx
	CMPBIT r13, rcx, 3
	inc rcx
	CMPBIT r14, rcx, 4
	inc rcx
	CMPBIT r15, rcx, 5
%endmacro

%macro SAVE_CALLEE 0
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
%endmacro

%macro RESTORE_CALLEE 0
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
%endmacro

; u64 u_longjmp_regs(void): setjmp with known values in the callee-saved
; registers, longjmp(env, 0) from a callee that changed them all and moved
; rsp.  Returns a mask: bits 0-5 registers not restored, 6 rsp, 7 the value
; setjmp returned (must be 1).
SEED_JMP equ 0x5e7a000000000010
global u_longjmp_regs
u_longjmp_regs:
	SAVE_CALLEE
	mov rax, SEED_JMP
	FILL rax
	mov [rel u_regs_rsp], rsp
	lea rdi, [rel u_regs_buf]
	call setjmp
	test eax, eax
	jnz .back
	call .clobber
	ud2
.back:
	mov edx, eax
	xor eax, eax
	CHECK_FILL SEED_JMP
	CMPBIT rsp, [rel u_regs_rsp], 6
	CMPBIT edx, 1, 7
	RESTORE_CALLEE
	ret
.clobber:
	mov rax, -1
	FILL rax
	sub rsp, 72
	lea rdi, [rel u_regs_buf]
	xor esi, esi
	call longjmp
	ud2

; u64 ctx_swap_checked(struct ctx *from, struct ctx *to, u64 seed): ctx_swap
; with seed + i in the callee-saved registers; when this context is resumed
; returns a mask of what was not restored (bits 0-5 registers, 6 rsp).
global ctx_swap_checked
ctx_swap_checked:
	SAVE_CALLEE
	sub rsp, 16
	mov [rsp], rdx
	mov [rsp + 8], rsp
	FILL rdx
	call ctx_swap
	xor eax, eax
	CMPBIT rsp, [rsp + 8], 6
	CHECK_FILL [rsp]
	add rsp, 16
	RESTORE_CALLEE
	ret

; void u_yield_deeper(struct ctx *from, struct ctx *to): ctx_swap one call
; deeper than the caller, so the restore token lands one slot lower than
; a direct call's.
global u_yield_deeper
u_yield_deeper:
	call ctx_swap
	ret

section .bss
	alignb 8
global u_lj_buf, u_lj_ssp
u_lj_buf:	resb JB_SSP + 8
u_regs_buf:	resb JB_SSP + 8
u_lj_ssp:	resq 1
u_regs_rsp:	resq 1
