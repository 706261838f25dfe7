; Ring-3 signal probes: the restorer, and labelled faulting instructions.

%include "asm-offsets.inc"

section .text

; The restorer: a handler's RET lands here; SYS_SIGRETURN does the rest.
global u_sigreturn
u_sigreturn:
	mov eax, SYS_SIGRETURN
	syscall
	ud2

global u_sig_ud, u_sig_ud_rip
u_sig_ud:
u_sig_ud_rip:
	ud2
	ret

global u_sig_smash, u_sig_smash_ret
u_sig_smash:
	lea rcx, [rel u_sig_smash_landing]
	mov [rsp], rcx
u_sig_smash_ret:
	ret
u_sig_smash_landing:
	ud2

; void u_sig_wrss(u64 *addr): WRSS, then the instruction a handler resumes at.
global u_sig_wrss, u_sig_wrss_rip, u_sig_wrss_next
u_sig_wrss:
	mov rsi, 1
u_sig_wrss_rip:
	wrssq [rdi], rsi
u_sig_wrss_next:
	ret

; void u_sig_guard_edge(u64 *token, int depth): on the one-page shadow stack
; whose token is given, `depth` calls deep, executes UD2, then exits 0.
global u_sig_guard_edge, u_sig_edge_ud
u_sig_guard_edge:
	rstorssp [rdi]
	saveprevssp
	mov rdi, rsi
	call u_sig_fill
	mov edi, 99
	mov eax, SYS_EXIT
	syscall
u_sig_fill:
	dec rdi
	jz u_sig_edge_ud
	call u_sig_fill
	ret
u_sig_edge_ud:
	ud2
	xor edi, edi				; resumed past the UD2 by the handler
	mov eax, SYS_EXIT
	syscall

; A new thread starts here (rdi = its argument); returning exits it.
extern sig_thread_main
global u_sig_thread_start
u_sig_thread_start:
	and rsp, -16
	call sig_thread_main
	mov rdi, rax
	mov eax, SYS_EXIT
	syscall
	ud2

; void u_sig_wrss_raw(u64 *addr, u64 value)
global u_sig_wrss_raw
u_sig_wrss_raw:
	wrssq [rdi], rsi
	ret

; Hands a saved frame to SYS_SIGRETURN again: rsp as after the handler's RET.
global u_sig_replay
u_sig_replay:
	lea rsp, [rdi + 8]
	jmp u_sigreturn
