; Ring-3 instructions that fault on purpose.  Each *_rip label marks the
; exact faulting instruction; the kernel's tests look the labels up in this
; program's symbol table and assert the reported rip against them.

section .text

global u_read_null, u_read_null_rip
u_read_null:
	xor eax, eax
u_read_null_rip:
	mov rax, [rax]
	ret

global u_write_addr, u_write_addr_rip		; (addr)
u_write_addr:
u_write_addr_rip:
	mov qword [rdi], 1
	ret

global u_read_addr, u_read_addr_rip		; (addr)
u_read_addr:
u_read_addr_rip:
	mov rax, [rdi]
	ret

global u_call_addr				; (addr): the fault is at the target
u_call_addr:
	call rdi
	ret

global u_ud, u_ud_rip
u_ud:
u_ud_rip:
	ud2
	ret

global u_int3, u_int3_next			; a trap: rip is the next instruction
u_int3:
	int3
u_int3_next:
	ret

global u_int_gate, u_int_gate_rip
u_int_gate:
u_int_gate_rip:
	int 0x20
	ret

global u_hlt, u_hlt_rip
u_hlt:
u_hlt_rip:
	hlt
	ret

global u_sgdt, u_sgdt_rip
u_sgdt:
	sub rsp, 24
u_sgdt_rip:
	sgdt [rsp]
	add rsp, 24
	ret

global u_write_text, u_write_text_rip
u_write_text:
	lea rax, [rel u_write_text]
u_write_text_rip:
	mov byte [rax], 0x90
	ret

; Fills the callee-saved registers with patterns, makes a syscall, and
; returns 0 if they all survived.
global u_syscall_regs
u_syscall_regs:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov rbx, 0x1111111111111111
	mov rbp, 0x2222222222222222
	mov r12, 0x3333333333333333
	mov r13, 0x4444444444444444
	mov r14, 0x5555555555555555
	mov r15, 0x6666666666666666
	mov eax, 2				; SYS_UNAME with a bad buffer
	xor edi, edi
	mov esi, 64
	syscall
	xor eax, eax
	mov rcx, 0x1111111111111111
	cmp rbx, rcx
	setne al
	mov rcx, 0x2222222222222222
	cmp rbp, rcx
	setne cl
	or al, cl
	mov rcx, 0x3333333333333333
	cmp r12, rcx
	setne cl
	or al, cl
	mov rcx, 0x4444444444444444
	cmp r13, rcx
	setne cl
	or al, cl
	mov rcx, 0x5555555555555555
	cmp r14, rcx
	setne cl
	or al, cl
	mov rcx, 0x6666666666666666
	cmp r15, rcx
	setne cl
	or al, cl
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .data
global u_nx_data
	align 16
u_nx_data:
	db 0xc3					; a ret, which must not execute
