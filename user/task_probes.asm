; Ring-3 task probes with labelled faulting instructions.

section .text

; A thread body that overwrites its return address and returns.
global u_thread_smash, u_thread_smash_ret
u_thread_smash:
	lea rcx, [rel u_thread_smash_landing]
	mov [rsp], rcx
u_thread_smash_ret:
	ret
u_thread_smash_landing:
	ud2

global u_thread_ud, u_thread_ud_rip
u_thread_ud:
u_thread_ud_rip:
	ud2
	ret

; void u_wrss8(u64 *addr, u64 value)
global u_wrss8, u_wrss8_rip
u_wrss8:
u_wrss8_rip:
	wrssq [rdi], rsi
	ret

global u_spin
u_spin:
	jmp u_spin

; A new thread starts here: rsp at the top of its stack, rdi its argument.
; The call gives thread_main a normal frame (and a shadow-stack entry).
extern thread_main
global u_thread_start
u_thread_start:
	and rsp, -16
	call thread_main
	mov rdi, rax
	mov eax, 0				; SYS_EXIT
	syscall
	ud2

section .data
	align 4096
global u_dirty_page
u_dirty_page:	times 4096 db 0
