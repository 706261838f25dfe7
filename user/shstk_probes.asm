; Ring-3 shadow-stack probes.  *_rip labels mark the instruction expected to
; fault; the kernel's tests look them up in this program's symbol table.

%include "asm-offsets.inc"

%macro EXIT 1
	mov edi, %1
	mov eax, SYS_EXIT
	syscall
	ud2
%endmacro

section .text

; u64 u_rdssp_keeps(u64 marker): RDSSP on the marker; off, it stays.
global u_rdssp_keeps
u_rdssp_keeps:
	mov rax, rdi
	rdsspq rax
	ret

; Overwrites its own return address on the normal stack, then returns.
global u_smash, u_smash_ret
u_smash:
	xor eax, eax
	rdsspq rax
	mov [rel u_saved_ssp], rax
	lea rcx, [rel u_smash_landing]
	mov [rsp], rcx
u_smash_ret:
	ret
u_smash_landing:				; reached only if the smash worked
	EXIT SH_EXIT_SMASH_WORKED

; void u_far_ret(int change_cs): far CALL, then a far RET whose normal-stack
; frame was changed (rip, or cs when change_cs).  32-bit operand size, so
; the frame is two dwords and it works on every vendor.
global u_far_ret, u_far_ret_rip
u_far_ret:
	lea rax, [rel .target]
	mov [rel far_ptr], eax
	mov word [rel far_ptr + 4], USER_CS
	mov rsi, rdi
	call far dword [rel far_ptr]
	ret
.target:
	xor eax, eax
	rdsspq rax
	mov [rel u_saved_ssp], rax
	test rsi, rsi
	jnz .cs
	lea rax, [rel u_far_elsewhere]
	mov [rsp], eax
	jmp u_far_ret_rip
.cs:
	mov dword [rsp + 4], USER_CS32
u_far_ret_rip:
	retf
u_far_elsewhere:
	EXIT SH_EXIT_SMASH_WORKED

; void u_rstorssp(u64 *token): RSTORSSP with SSP recorded first.
global u_rstorssp, u_rstorssp_rip
u_rstorssp:
	xor eax, eax
	rdsspq rax
	mov [rel u_saved_ssp], rax
u_rstorssp_rip:
	rstorssp [rdi]
	ret

; void u_wrss(u64 *addr, u64 value)
global u_wrss, u_wrss_rip
u_wrss:
u_wrss_rip:
	wrssq [rdi], rsi
	ret

; Rewrites its own return address on both stacks; RET must follow it.
global u_wrss_redirect
u_wrss_redirect:
	xor eax, eax
	rdsspq rax
	lea rcx, [rel .target]
	wrssq [rax], rcx
	mov [rsp], rcx
	ret
.target:
	EXIT SH_EXIT_REDIRECTED

; A normal read of the shadow stack (must work and see the return
; address), then a normal store to it (must fault, without the SS bit).
global u_mov_store, u_mov_store_rip
u_mov_store:
	xor eax, eax
	rdsspq rax
	mov [rel u_saved_ssp], rax
	mov rcx, [rax]
	cmp rcx, [rsp]
	jne u_mov_mismatch
u_mov_store_rip:
	mov [rax], rcx
	ret
u_mov_mismatch:
	EXIT SH_EXIT_READ_MISMATCH

; Switches to the shadow stack whose restore token is at rdi and recurses
; rsi levels deep there.  Never returns: the old stack has no entry for it.
global u_overflow, u_recurse_call
u_overflow:
	rstorssp [rdi]
	saveprevssp
	mov rdi, rsi
	call u_recurse
	EXIT 1
u_recurse:
	dec rdi
	jz u_recurse_done
u_recurse_call:
	call u_recurse
u_recurse_done:
	ret

; Switches to the shadow stack whose token is at rdi, makes two calls, then
; pops four entries: two past the top.
global u_incssp_top, u_incssp_rip
u_incssp_top:
	rstorssp [rdi]
	saveprevssp
	call .one
	ud2
.one:
	call .two
	ud2
.two:
	mov eax, 4
u_incssp_rip:
	incsspq rax
	EXIT 1

; void u_swap_roundtrip(u64 *b_token, u64 out[8]): to the other shadow
; stack and back, recording SSP and both stacks' tokens on the way.
global u_swap_roundtrip
u_swap_roundtrip:
	xor eax, eax
	rdsspq rax
	mov [rsi], rax			; 0: SSP on A
	rstorssp [rdi]
	xor eax, eax
	rdsspq rax
	mov [rsi + 8], rax		; 1: SSP after RSTORSSP (B's token slot)
	mov rax, [rdi]
	mov [rsi + 16], rax		; 2: the previous-SSP token left there
	saveprevssp
	xor eax, eax
	rdsspq rax
	mov [rsi + 24], rax		; 3: SSP after SAVEPREVSSP (B's top)
	call .on_b
	mov rax, [rsi]
	mov rcx, [rax - 8]
	mov [rsi + 32], rcx		; 4: the restore token SAVEPREVSSP put on A
	lea rdx, [rax - 8]
	rstorssp [rdx]
	saveprevssp
	xor eax, eax
	rdsspq rax
	mov [rsi + 40], rax		; 5: SSP back on A
	mov rax, [rdi]
	mov [rsi + 48], rax		; 6: the restore token now on B
	ret
.on_b:
	xor eax, eax
	rdsspq rax
	mov [rsi + 56], rax		; 7: SSP inside a call on B
	ret

; u64 u_call_rel0(void): SSP before minus SSP after a CALL to the next
; instruction (0: nothing was pushed).
global u_call_rel0
u_call_rel0:
	xor eax, eax
	rdsspq rax
	call .next
.next:
	pop rcx
	xor edx, edx
	rdsspq rdx
	sub rax, rdx
	ret

section .data
	align 8
global u_saved_ssp
u_saved_ssp:	dq 0
far_ptr:	dd 0
		dw 0
	align 4096
global u_normal_page
u_normal_page:	times 4096 db 0
