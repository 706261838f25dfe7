; Multiboot headers and the 32-to-64-bit trampoline.  Builds a minimal boot
; map (identity and direct map of the first 4 GiB, kernel image at -2 GiB),
; enters long mode and jumps to kernel_main in the higher half.
;
; The image is relocatable under multiboot2: GRUB may load it at any
; 2 MiB-aligned address from MB2_RELOC_MIN up, so this code runs wherever
; it lands.  Every address below is its link address plus the load offset
; (esi), and the -2 GiB window maps the image where it really is.

%include "asm-offsets.inc"

MB1_MAGIC	equ 0x1badb002
MB1_FLAGS	equ (1 << 0) | (1 << 1) | (1 << 16)	; page-align, memory info, load addresses below
MB2_MAGIC	equ 0xe85250d6
MB2_ARCH_I386	equ 0
MB2_TAG_OPTIONAL equ 1
MB1_BOOT_MAGIC	equ 0x2badb002
LARGE_PAGE	equ 0x200000
%ifndef MB2_RELOC_MIN
%define MB2_RELOC_MIN KERNEL_PHYS
%endif
; The image must end below 1 GiB: the -2 GiB window of the boot map is one
; page directory, and the trampoline runs identity-mapped below 4 GiB.
MB2_RELOC_MAX	equ 0x40000000
COM1		equ 0x3f8

extern __load_end_phys, __bss_end_phys, kernel_main, kernel_phys_offset

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
	; Relocatable: min and max physical address, alignment, lowest preferred.
	align 8
	dw 10, 0
	dd 24
	dd MB2_RELOC_MIN, MB2_RELOC_MAX, LARGE_PAGE, 1
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
	mov ebp, ebx			; boot information (physical)
	; The load offset.  Multiboot 1 loads at the link address.  Multiboot 2
	; gives no stack: the information's reserved word (bytes 4-7) is a
	; one-slot stack for the CALL that reveals where this code runs.
	xor esi, esi
	cmp eax, MB1_BOOT_MAGIC
	je .offset_known
	lea esp, [ebx + 8]
	call .here
.here:
	pop esi
	sub esi, .here
.offset_known:
	lea esp, [esi + boot_stack_top - KERNEL_VMA]
	push edi			; magic
	push ebp			; boot information

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

	; Clear the boot tables (1 PML4, 2 PDPT, 5 PD, contiguous).
	lea edi, [esi + boot_pml4 - KERNEL_VMA]
	mov ecx, 8 * 4096 / 4
	xor eax, eax
	rep stosd

	; PD k maps GiB k with 2 MiB pages.
	lea ebx, [esi + boot_pd - KERNEL_VMA]
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

	lea ebx, [esi + boot_pdpt_low - KERNEL_VMA]
	lea eax, [esi + boot_pd - KERNEL_VMA]
	or eax, PTE_P | PTE_W
	mov ecx, 4
.fill_pdpt:
	mov [ebx], eax
	add eax, 4096
	add ebx, 8
	loop .fill_pdpt

	; The kernel image: -2 GiB + x maps physical x + load offset, 1 GiB.
	lea ebx, [esi + boot_pd_image - KERNEL_VMA]
	lea eax, [esi + (PTE_P | PTE_W | PTE_PS)]
	xor ecx, ecx
.fill_pd_image:
	mov [ebx + ecx * 8], eax
	add eax, LARGE_PAGE
	inc ecx
	cmp ecx, 512
	jb .fill_pd_image
	lea eax, [esi + boot_pd_image - KERNEL_VMA]
	or eax, PTE_P | PTE_W
	mov [esi + boot_pdpt_high - KERNEL_VMA + 510 * 8], eax

	lea ebx, [esi + boot_pml4 - KERNEL_VMA]
	lea eax, [esi + boot_pdpt_low - KERNEL_VMA]
	or eax, PTE_P | PTE_W
	mov [ebx], eax			; identity, for the jump below
	mov [ebx + 256 * 8], eax	; direct map of the first 4 GiB
	lea eax, [esi + boot_pdpt_high - KERNEL_VMA]
	or eax, PTE_P | PTE_W
	mov [ebx + 511 * 8], eax

	mov eax, cr4
	or eax, X86_CR4_PAE
	mov cr4, eax
	lea eax, [esi + boot_pml4 - KERNEL_VMA]
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

	; The GDT pointer and the far jump name physical addresses: add the offset.
	lea eax, [esi + boot_gdt]
	mov [esi + boot_gdt_ptr + 2], eax
	lgdt [esi + boot_gdt_ptr]
	pop ebp				; boot information
	pop edi				; magic
	mov ebx, esi			; the load offset, for kernel_phys_offset
	mov esi, ebp
	lea eax, [ebx + long_entry]
	push dword KERNEL_CS
	push eax
	retf

.no_long_mode:
	mov ebx, esi
	lea esi, [ebx + msg_no_long_mode]
	call early_puts
	; Verdict for QEMU's isa-debug-exit (ERROR), then Bochs' shutdown port.
	mov dx, 0xf4
	mov eax, 0x13
	out dx, eax
	lea esi, [ebx + msg_shutdown]
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
	mov ebx, ebx
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
	mov [rel kernel_phys_offset], rbx
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
boot_pd_image:	resb 4096
boot_stack_guard:
		resb 4096
boot_stack:	resb 16384
boot_stack_top:
