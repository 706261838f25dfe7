; An indirect-call target without ENDBR64, for the ELF-note program.

section .text
global u_nt_no_endbr
u_nt_no_endbr:
	xor eax, eax
	ret
