; Ring-3 indirect-branch targets without ENDBR64, and the branches to them.

section .text

; No ENDBR64 here on purpose.
global u_no_endbr
u_no_endbr:
	xor eax, eax
	ret

global u_no_endbr_jmp
u_no_endbr_jmp:
	xor eax, eax
	ret

; long u_ibt_jmp(void): an indirect JMP; the target returns for us.
global u_ibt_jmp
u_ibt_jmp:
	endbr64
	lea rax, [rel u_no_endbr_jmp]
	jmp rax

; u_ibt_notrack (a NOTRACK call) is in user/ibt.c: NASM lacks the prefix.

global u_with_endbr
u_with_endbr:
	endbr64
	xor eax, eax
	ret

; long u_ibt_step(long (*target)(void)): sets TF, so a single-step #DB comes
; right after the indirect call, before the target's first instruction.
global u_ibt_step
u_ibt_step:
	endbr64
	mov rax, rdi
	pushfq
	or qword [rsp], 0x100
	popfq
	call rax
	ret
