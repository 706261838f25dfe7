; Switching kernel stacks between tasks, and the first entry of a new task.

%include "asm-offsets.inc"

extern kshstk_on

section .text

; void switch_to(u64 *save_ksp, u64 next_ksp, u64 *save_token, u64 next_token)
; With supervisor shadow stacks on, SSP moves too: RSTORSSP on the restore
; token the next task left (or was created with), then SAVEPREVSSP leaves
; one on this task's shadow stack, whose address goes to *save_token.
global switch_to
switch_to:
	endbr64
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	pushfq
	mov [rdi], rsp
	cmp byte [rel kshstk_on], 0
	je .stacks
	xor eax, eax
	rdsspq rax
	rstorssp [rcx]
	saveprevssp
	sub rax, 8
	mov [rdx], rax
.stacks:
	mov rsp, rsi
	popfq
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; A new task's first switch_to returns here, with rsp at the trap frame
; its creator put at the top of its kernel stack.
extern trap_return
global task_first_entry
task_first_entry:
	endbr64
	jmp trap_return
