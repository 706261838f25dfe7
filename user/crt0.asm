; Ring-3 program entry: main(rdi, rsi), then SYS_EXIT with its result.

%include "asm-offsets.inc"

section .text
global _start
extern main
_start:
	and rsp, -16
	xor ebp, ebp
	call main
	mov rdi, rax
	mov eax, SYS_EXIT
	syscall
	ud2
