/* Exception vectors, the trap frame built by the IDT stubs, and trap hooks. */
#ifndef CETBED_X86_TRAP_H
#define CETBED_X86_TRAP_H

#include "types.h"

#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_NMI 2
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define X86_EXC_MC 18
#define X86_EXC_XM 19
#define X86_EXC_VE 20
#define X86_EXC_CP 21
#define X86_NR_EXC 32

/* Selector error codes: bit 0 EXT, bit 1 IDT, bit 2 TI. */
#define SEL_EC_EXT (1U << 0)
#define SEL_EC_IDT (1U << 1)
#define SEL_EC_TI (1U << 2)

/* Matches the push order in kernel/entry.asm. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

/* What a caught fault looked like. */
struct fault_info {
	u64 vector;
	u64 error_code;
	u64 rip;
	u64 cr2;
	u64 rsp;
	bool user;
};

/* "#PF page fault", ..., "syscall" (256) or "interrupt" (kernel/lib/vector_name.c). */
const char *x86_vector_name(u64 vector);
void trap_dump(const struct trap_frame *f, u64 cr2);
/* Called before every IRETQ to ring 3 (kernel/trap.c). */
void trap_note_iret32(const struct trap_frame *f);
/* One line: vector name, error code and its decoding, rip, cr2. */
void trap_describe(const struct fault_info *fi, char *buf, size_t size);
void idt_init(void);
extern void (*trap_test_hook)(struct trap_frame *f);
/* NMIs taken outside a test hook: logged and counted, never a test fault. */
extern u64 trap_nmis;
void idt_use_ist(void);

#endif
