; The ring-3 programs built into the kernel image: name, start, end.
; Each is a static ELF64 executable from build/user/.

%macro USERPROG 1
section .rodata
	align 16
%defstr %%name %1
%strcat %%path "build/user/", %%name, ".elf"
userprog_%1_start:
	incbin %%path
userprog_%1_end:
userprog_%1_name:
	db %str(%1), 0
section .userprogs progbits alloc noexec nowrite align=8
	dq userprog_%1_name, userprog_%1_start, userprog_%1_end
%endmacro

USERPROG selftest
USERPROG shstk
USERPROG task
USERPROG sig
USERPROG ctx
USERPROG ibt
USERPROG fuzz
USERPROG bench
USERPROG notes_none
USERPROG notes_shstk
USERPROG notes_both
