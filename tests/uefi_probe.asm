; A stand-in for a UEFI runtime service (tests/uefi.c): a Microsoft x64
; function that records where its arguments arrived and the state it runs
; in, then uses everything the convention gives a callee (the shadow space,
; the volatile registers) before it returns.

%include "asm-offsets.inc"

section .bss
alignb 8
; args[6] (rcx, rdx, r8, r9, [rsp+40], [rsp+48]), rsp, cr3, cr4, rflags, s_cet
global uefi_probe_seen
uefi_probe_seen:	resq 11
; Nonzero: IA32_S_CET exists (CPUID enumerates CET), so read it.
global uefi_probe_read_s_cet
uefi_probe_read_s_cet:	resq 1

section .text

global uefi_probe
	align 16
uefi_probe:
	endbr64
	mov [rel uefi_probe_seen + 0], rcx
	mov [rel uefi_probe_seen + 8], rdx
	mov [rel uefi_probe_seen + 16], r8
	mov [rel uefi_probe_seen + 24], r9
	mov rax, [rsp + 40]
	mov [rel uefi_probe_seen + 32], rax
	mov rax, [rsp + 48]
	mov [rel uefi_probe_seen + 40], rax
	mov [rel uefi_probe_seen + 48], rsp
	mov rax, cr3
	mov [rel uefi_probe_seen + 56], rax
	mov rax, cr4
	mov [rel uefi_probe_seen + 64], rax
	pushfq
	pop rax
	mov [rel uefi_probe_seen + 72], rax
	xor eax, eax
	cmp qword [rel uefi_probe_read_s_cet], 0
	je .no_cet
	mov ecx, MSR_IA32_S_CET
	rdmsr
	shl rdx, 32
	or rax, rdx
.no_cet:
	mov [rel uefi_probe_seen + 80], rax
	mov rax, 0x5a5a5a5a5a5a5a5a
	mov [rsp + 8], rax
	mov [rsp + 16], rax
	mov [rsp + 24], rax
	mov [rsp + 32], rax
	mov rcx, rax
	mov rdx, rax
	mov r8, rax
	mov r9, rax
	mov r10, rax
	mov r11, rax
	mov rax, [rel uefi_probe_seen]
	not rax				; the result: the first argument inverted
	ret
