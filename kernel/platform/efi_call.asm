; The call into UEFI runtime services (kernel/platform/efi.c): the Microsoft x64
; convention on the firmware's own stack.  The caller has already switched
; to the runtime address space and turned interrupts and CET off.

section .bss
alignb 16
efi_fpu_save:	resb 512		; the kernel's x87/SSE state while firmware runs

section .rodata
efi_mxcsr_init:	dd 0x1f80		; all exceptions masked, round to nearest

section .text

; u64 efi_thunk(u64 fn, const u64 args[6], u64 stack_top)
;
; Microsoft x64: arguments in rcx, rdx, r8, r9, then on the stack above a
; 32-byte shadow area; rsp 16-byte aligned at the call; rbx, rbp, rdi, rsi,
; r12-r15 and xmm6-xmm15 preserved, which covers everything System V asks
; us to preserve.  UEFI also wants the x87 control word and MXCSR at their
; defaults, and may use SSE, so the kernel's state is put aside.
global efi_thunk
efi_thunk:
	endbr64
	push rbp
	mov rbp, rsp
	fxsave64 [rel efi_fpu_save]
	fninit
	ldmxcsr [rel efi_mxcsr_init]
	mov rax, rdi
	mov r10, rsi
	mov rsp, rdx
	and rsp, -16
	sub rsp, 48			; shadow area, arguments 5 and 6
	mov r11, [r10 + 32]
	mov [rsp + 32], r11
	mov r11, [r10 + 40]
	mov [rsp + 40], r11
	mov rcx, [r10]
	mov rdx, [r10 + 8]
	mov r8, [r10 + 16]
	mov r9, [r10 + 24]
	cld
	call rax
	mov rsp, rbp			; rbp survives the call: callee-saved in both conventions
	fxrstor64 [rel efi_fpu_save]
	pop rbp
	ret
