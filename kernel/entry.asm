; IDT entry stubs (one per vector, generated), the common trap path, and the
; SYSCALL entry.  Every stub starts with ENDBR64 so that indirect branch
; tracking can be switched on for the kernel.

%include "asm-offsets.inc"

extern trap_handler, syscall_dispatch, kshstk_on, kshstk_token_cur, trap_sss_drop
global idt_stub_table, syscall_entry, syscall_kernel_rsp, trap_return, trap_iretq

SYSCALL_VECTOR equ 256

; Vectors whose exceptions push an error code.
%define HAS_EC(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%macro PUSH_GPRS 0
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
%endmacro

%macro POP_GPRS 0
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
%endmacro

section .text
	align 16
idt_stubs:
%assign v 0
%rep 256
	align 16
idt_stub_ %+ v:
	endbr64
%if !HAS_EC(v)
	push 0
%endif
	push v
	jmp trap_common
%assign v v + 1
%endrep

trap_common:
	cld
	PUSH_GPRS
	mov rdi, rsp
	mov rbx, rsp
	and rsp, -16
	call trap_handler
	mov rsp, rbx
	; A #GP of the IRETQ below, taken at CPL0, pushed CS, LIP and SSP onto
	; the supervisor shadow stack: off they come before IRETQ frees the
	; token (trap_iret32_fault in kernel/trap.c).
	movzx eax, byte [rel trap_sss_drop]
	test eax, eax
	jz trap_return
	mov byte [rel trap_sss_drop], 0
	incsspq rax
trap_return:
	POP_GPRS
	add rsp, 16			; vector, error code
trap_iretq:
	iretq

; SYSCALL: rcx = user rip, r11 = user rflags; interrupts are off (FMASK).
; Builds a trap frame on the current task's kernel stack so that the C side
; sees the same layout as for exceptions.
	align 16
syscall_entry:
	endbr64
	mov [rel syscall_user_rsp], rsp
	mov rsp, [rel syscall_kernel_rsp]
	; SYSCALL does not switch shadow stacks: take this task's token
	; (IA32_PL0_SSP) with SETSSBSY before the first CALL.
	cmp byte [rel kshstk_on], 0
	je .shadow_ready
	setssbsy
.shadow_ready:
	push USER_DS
	push qword [rel syscall_user_rsp]
	push r11
	push USER_CS
	push rcx
	push 0
	push SYSCALL_VECTOR
	PUSH_GPRS
	mov rdi, rsp
	call syscall_dispatch
	test eax, eax
	jnz trap_return			; the C side asked for the IRETQ path
	POP_GPRS
	add rsp, 16
	; SYSRET does not free the supervisor token (IRETQ does): CLRSSBSY.
	cmp byte [rel kshstk_on], 0
	je .token_free
	push rax
	mov rax, [rel kshstk_token_cur]
	clrssbsy [rax]
	pop rax
.token_free:
	; SYSRET path: the frame's rip and rflags, checked canonical by C.
	mov rcx, [rsp]
	mov r11, [rsp + 16]
	mov rsp, [rsp + 24]
	o64 sysret

section .rodata
	align 8
idt_stub_table:
%assign v 0
%rep 256
	dq idt_stub_ %+ v
%assign v v + 1
%endrep

section .bss
	align 8
syscall_kernel_rsp:	resq 1
syscall_user_rsp:	resq 1
