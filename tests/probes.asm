; Kernel-mode instructions that fault on purpose.  Each *_rip label marks the
; faulting instruction, so tests can assert the reported rip exactly.

%include "asm-offsets.inc"

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

PROBE kp_wruss				; (struct { u64 addr, value; } *)
	mov rax, [rdi + 8]
	mov rdi, [rdi]
global kp_wruss_rip
kp_wruss_rip:
	wrussq [rdi], rax
	ret

; (struct { u64 addr, token; } *): supervisor shadow stacks on, SSP on the
; supervisor token at `token` (SETSSBSY), then WRSS to addr, then all off.
; A fault in WRSS unwinds through the fault catch, which restores S_CET.
PROBE kp_wrss_supervisor
	mov r8, [rdi]
	mov r9, [rdi + 8]
	mov ecx, MSR_IA32_S_CET
	rdmsr
	test eax, CET_SH_STK_EN
	jz .own_stack
	; The kernel already runs on a shadow stack: WRSS needs only WR_SHSTK_EN.
	mov r10d, eax
	or eax, CET_WR_SHSTK_EN
	wrmsr
	jmp kp_wrss_supervisor_rip
.own_stack:
	mov ecx, MSR_IA32_PL0_SSP
	mov rax, r9
	mov rdx, r9
	shr rdx, 32
	wrmsr
	mov ecx, MSR_IA32_S_CET
	rdmsr
	mov r10d, eax			; kept: kernel IBT may be on
	or eax, CET_SH_STK_EN | CET_WR_SHSTK_EN
	wrmsr
	setssbsy
global kp_wrss_supervisor_rip
kp_wrss_supervisor_rip:
	wrssq [r8], r9
	test r10d, CET_SH_STK_EN
	jnz .restore
	clrssbsy [r9]
.restore:
	mov ecx, MSR_IA32_S_CET
	mov eax, r10d
	xor edx, edx
	wrmsr
	ret

; An indirect-branch target without ENDBR64.
global kp_no_endbr
	align 16
kp_no_endbr:
	nop
	ret

PROBE kp_wrmsr				; (struct { u64 msr, value; } *)
	mov ecx, [rdi]
	mov eax, [rdi + 8]
	mov edx, [rdi + 12]
global kp_wrmsr_rip
kp_wrmsr_rip:
	wrmsr
	ret

PROBE kp_xrstors			; (area): XRSTORS of CET_U
	mov eax, 1 << 11
	xor edx, edx
global kp_xrstors_rip
kp_xrstors_rip:
	xrstors64 [rdi]
	ret

PROBE kp_int3_resume			; INT3 that a test hook returns from
	int3
	ret

PROBE kp_int2				; the NMI vector (IST) by INT
global kp_int2_rip
kp_int2_rip:
	int 2
	ret

PROBE kp_smash				; overwrites its return address, returns
	lea rax, [rel kp_smash_landing]
	mov [rsp], rax
global kp_smash_ret
kp_smash_ret:
	ret
kp_smash_landing:
	ret

PROBE kp_setssbsy			; (token): SETSSBSY with IA32_PL0_SSP = token
	mov ecx, MSR_IA32_PL0_SSP
	mov rax, rdi
	mov rdx, rdi
	shr rdx, 32
	wrmsr
global kp_setssbsy_rip
kp_setssbsy_rip:
	setssbsy
	ret

; (restore token): moves SSP onto the busy supervisor token just above the
; given restore token, takes a same-CPL #BP there (a test hook returns with
; IRETQ, SSP unchanged), and moves SSP back.
PROBE kp_iret_on_token
	xor eax, eax
	rdsspq rax
	rstorssp [rdi]
	saveprevssp
	int3
	lea rdx, [rax - 8]
	rstorssp [rdx]
	saveprevssp
	ret

PROBE kp_load_fs			; (selector)
global kp_load_fs_rip
kp_load_fs_rip:
	mov fs, di
	xor eax, eax
	mov fs, ax
	ret

; void kp_ist_nmi(u64 *ssp) / kp_ist_mc(u64 *ssp): INT 2 / INT 18 (IST gates),
; with the SSP at the INT stored first; *_lip is the address after the INT.
PROBE kp_ist_nmi
	rdsspq rax
	mov [rdi], rax
	int 2
global kp_ist_nmi_lip
kp_ist_nmi_lip:
	ret

PROBE kp_ist_mc
	rdsspq rax
	mov [rdi], rax
	int 18
global kp_ist_mc_lip
kp_ist_mc_lip:
	ret

; (struct kp_iret_frame *): IRETQ to the frame given in its first five
; words (rip, cs, rflags, rsp, ss), with RSP and SS at the IRETQ stored in
; the next two.  Never returns: the test catches what follows the IRETQ.
PROBE kp_iret_compat
	push qword [rdi + 32]
	push qword [rdi + 24]
	push qword [rdi + 16]
	push qword [rdi + 8]
	push qword [rdi]
	mov [rdi + 40], rsp
	xor eax, eax
	mov ax, ss
	mov [rdi + 48], rax
global kp_iret_compat_rip
kp_iret_compat_rip:
	iretq
