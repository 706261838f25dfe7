; Multiboot headers and the 32-to-64-bit trampoline.  Builds a minimal boot
; map (identity and direct map of the first 4 GiB, kernel image at -2 GiB),
; enters long mode and jumps to kernel_main in the higher half.

%include "asm-offsets.inc"

MB1_MAGIC	equ 0x1badb002
MB1_FLAGS	equ (1 << 0) | (1 << 1) | (1 << 16)	; page-align, memory info, load addresses below
MB2_MAGIC	equ 0xe85250d6
MB2_ARCH_I386	equ 0
MB2_TAG_OPTIONAL equ 1
COM1		equ 0x3f8

extern __load_end_phys, __bss_end_phys, kernel_main

section .multiboot progbits alloc noexec nowrite align=8
	align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	align 8
	dw 3, 0			; entry address tag
	dd 12
	dd boot_entry
	; Framebuffer request, optional, no preferred size or depth.  Without it
	; GRUB under UEFI hands over no console at all (there is no VGA text
	; mode there); with it GRUB sets a GOP mode and passes tag 8.
	align 8
	dw 5, MB2_TAG_OPTIONAL	; framebuffer tag
	dd 20
	dd 0, 0, 0		; width, height, depth
	align 8
	dw 0, 0			; end tag
	dd 8
mb2_header_end:

	align 4
mb1_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)
	dd mb1_header		; header_addr
	dd KERNEL_PHYS		; load_addr: start of the image
	dd __load_end_phys	; end of the file-backed part
	dd __bss_end_phys	; end of bss, zeroed by the loader
	dd boot_entry

section .boot.text progbits alloc exec nowrite align=16
bits 32
global boot_entry
boot_entry:
	cli
	cld
	mov edi, eax			; boot magic, kept for kernel_main
	mov esi, ebx			; boot information (physical)
	mov esp, boot_stack_top - KERNEL_VMA

	call early_serial_init

	; CPUID itself: EFLAGS.ID must be writable.
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	xor eax, ecx
	jz .no_long_mode
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	mov ebp, edx			; EDX[20] NX, used below

	; Clear the boot tables (1 PML4, 2 PDPT, 4 PD, contiguous).
	push edi
	mov edi, boot_pml4 - KERNEL_VMA
	mov ecx, 7 * 4096 / 4
	xor eax, eax
	rep stosd
	pop edi

	; PD k maps GiB k with 2 MiB pages.
	mov ebx, boot_pd - KERNEL_VMA
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [ebx + ecx * 8], eax
	mov eax, ecx
	shr eax, 11			; bits 32+ of (ecx << 21)
	mov [ebx + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 4 * 512
	jb .fill_pd

	mov ebx, boot_pdpt_low - KERNEL_VMA
	mov eax, boot_pd - KERNEL_VMA
	or eax, PTE_P | PTE_W
	mov ecx, 4
.fill_pdpt:
	mov [ebx], eax
	add eax, 4096
	add ebx, 8
	loop .fill_pdpt

	; The kernel image: -2 GiB maps the first GiB.
	mov eax, boot_pd - KERNEL_VMA
	or eax, PTE_P | PTE_W
	mov [boot_pdpt_high - KERNEL_VMA + 510 * 8], eax

	mov ebx, boot_pml4 - KERNEL_VMA
	mov eax, boot_pdpt_low - KERNEL_VMA
	or eax, PTE_P | PTE_W
	mov [ebx], eax			; identity, for the jump below
	mov [ebx + 256 * 8], eax	; direct map of the first 4 GiB
	mov eax, boot_pdpt_high - KERNEL_VMA
	or eax, PTE_P | PTE_W
	mov [ebx + 511 * 8], eax

	mov eax, cr4
	or eax, X86_CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4 - KERNEL_VMA
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test ebp, 1 << 20
	jz .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, X86_CR0_PG | X86_CR0_WP
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp KERNEL_CS:long_entry

.no_long_mode:
	mov esi, msg_no_long_mode
	call early_puts
	; Verdict for QEMU's isa-debug-exit (ERROR), then Bochs' shutdown port.
	mov dx, 0xf4
	mov eax, 0x13
	out dx, eax
	mov esi, msg_shutdown
	mov dx, 0x8900
.shutdown:
	lodsb
	test al, al
	jz .halt
	out dx, al
	jmp .shutdown
.halt:
	cli
	hlt
	jmp .halt

; COM1 at 115200 8N1, FIFOs on; nothing is printed unless boot fails here.
early_serial_init:
	mov dx, COM1 + 1
	xor al, al
	out dx, al			; no interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al			; DLAB
	mov dx, COM1
	mov al, 1
	out dx, al			; divisor 1: 115200
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al			; 8N1
	mov dx, COM1 + 2
	mov al, 0x07
	out dx, al			; FIFO on and cleared
	mov dx, COM1 + 4
	mov al, 0x03
	out dx, al			; DTR, RTS
	ret

; Prints the NUL-terminated string at esi, waiting for THRE before each byte
; and for TEMT at the end.
early_puts:
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	lodsb
	test al, al
	jz .drain
	mov dx, COM1
	out dx, al
	mov dx, COM1 + 5
	jmp .wait
.drain:
	in al, dx
	test al, 0x40
	jz .drain
	ret

bits 64
long_entry:
	mov ax, KERNEL_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rax, higher_half_entry
	jmp rax

section .boot.data progbits alloc noexec write align=16
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 64-bit code
	dq 0x00cf92000000ffff		; data
boot_gdt_ptr:
	dw boot_gdt_ptr - boot_gdt - 1
	dd boot_gdt
msg_no_long_mode:
	db 13, 10, "KTAP version 1", 13, 10
	db "# ERROR: boot: this CPU has no long mode (CPUID.80000001H:EDX[29]); cetbed needs x86-64", 13, 10
	db "1..0", 13, 10
	db "Test result: ERROR", 13, 10, 0
msg_shutdown:
	db "Shutdown", 0

section .text
higher_half_entry:
	mov rsp, boot_stack_top
	xor ebp, ebp
	mov edi, edi			; upper halves are undefined after the mode switch
	mov esi, esi
	call kernel_main
.hang:
	cli
	hlt
	jmp .hang

; Boot map tables (cleared and filled above) and the boot stack, whose guard
; page stays unmapped once mm/ builds the real page tables.
section .bss nobits alloc noexec write align=4096
global boot_pml4, boot_stack_guard, boot_stack_top
boot_pml4:	resb 4096
boot_pdpt_low:	resb 4096
boot_pdpt_high:	resb 4096
boot_pd:	resb 4 * 4096
boot_stack_guard:
		resb 4096
boot_stack:	resb 16384
boot_stack_top:
