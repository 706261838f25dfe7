; Kernel-mode instructions that fault on purpose.  Each *_rip label marks the
; faulting instruction, so tests can assert the reported rip exactly.

section .text

%macro PROBE 1
global %1
	align 16
%1:
	endbr64
%endmacro

PROBE kp_div0
	xor ecx, ecx
	xor edx, edx
	mov eax, 1
global kp_div0_rip
kp_div0_rip:
	div ecx
	ret

PROBE kp_ud
global kp_ud_rip
kp_ud_rip:
	ud2
	ret

PROBE kp_int3
	int3
global kp_int3_next
kp_int3_next:
	ret

PROBE kp_read				; (addr)
global kp_read_rip
kp_read_rip:
	mov rax, [rdi]
	ret

PROBE kp_read_stac			; (addr), with SMAP opened
	stac
	mov rax, [rdi]
	clac
	ret

; Stores zero: only for addresses that must not be mapped at all.
PROBE kp_write_zero			; (addr)
global kp_write_zero_rip
kp_write_zero_rip:
	mov qword [rdi], 0
	ret

; Writes back the byte already there: harmless if the write is (wrongly) allowed.
PROBE kp_rewrite			; (addr)
	mov al, [rdi]
global kp_rewrite_rip
kp_rewrite_rip:
	mov [rdi], al
	ret

PROBE kp_rewrite_stac			; (addr), with SMAP opened
	stac
	mov al, [rdi]
global kp_rewrite_stac_rip
kp_rewrite_stac_rip:
	mov [rdi], al
	clac
	ret

PROBE kp_call				; (addr): the fault is reported at the target
	call rdi
	ret

PROBE kp_load_fs			; (selector)
global kp_load_fs_rip
kp_load_fs_rip:
	mov fs, di
	xor eax, eax
	mov fs, ax
	ret
