/*
 * Constants and structure offsets for NASM.  Compiled to assembly only; the
 * Makefile turns the "->" markers into build/include/asm-offsets.inc.
 */
#include "mm/layout.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/paging.h"
#include "x86/segment.h"
#include "x86/trap.h"
#include "kernel/ctx.h"
#include "syscall.h"
#include "user/ctx.h"
#include "user/fuzz.h"
#include "user/shstk.h"

#define DEFINE(sym, val) asm volatile("\n.ascii \"->" #sym " %0\"" ::"i"((long)(val)))
#define OFFSET(sym, type, member) DEFINE(sym, offsetof(type, member))

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(KERNEL_VMA, KERNEL_VMA);
	DEFINE(KERNEL_PHYS, KERNEL_PHYS);
	DEFINE(PHYS_MAP_BASE, PHYS_MAP_BASE);
	DEFINE(SYS_EXIT, SYS_EXIT);
	DEFINE(SYS_SHSTK_CTL, SYS_SHSTK_CTL);
	DEFINE(SYS_SIGRETURN, SYS_SIGRETURN);
	DEFINE(SYS_FORK, SYS_FORK);
	DEFINE(SYS_VFORK, SYS_VFORK);
	DEFINE(FUZZ_EXIT_CHILD, FUZZ_EXIT_CHILD);
	DEFINE(FUZZ_EXIT_THREAD, FUZZ_EXIT_THREAD);
	DEFINE(SHSTK_OP_ENABLE, SHSTK_OP_ENABLE);
	DEFINE(SHSTK_FEAT_SHSTK, SHSTK_FEAT_SHSTK);
	DEFINE(SHSTK_FEAT_WRSS, SHSTK_FEAT_WRSS);
	DEFINE(SHSTK_FEAT_IBT, SHSTK_FEAT_IBT);
	DEFINE(SHSTK_FEAT_NOTRACK, SHSTK_FEAT_NOTRACK);
	DEFINE(START_FAILED_EXIT, START_FAILED_EXIT);
	DEFINE(USER_CS32, USER_CS32);
	DEFINE(SH_EXIT_SMASH_WORKED, SH_EXIT_SMASH_WORKED);
	DEFINE(SH_EXIT_REDIRECTED, SH_EXIT_REDIRECTED);
	DEFINE(SH_EXIT_READ_MISMATCH, SH_EXIT_READ_MISMATCH);
	DEFINE(KERNEL_CS, KERNEL_CS);
	DEFINE(KERNEL_DS, KERNEL_DS);
	DEFINE(USER_CS, USER_CS);
	DEFINE(USER_DS, USER_DS);
	DEFINE(PTE_P, PTE_P);
	DEFINE(PTE_W, PTE_W);
	DEFINE(PTE_PS, PTE_PS);
	DEFINE(X86_CR0_PG, X86_CR0_PG);
	DEFINE(X86_CR0_WP, X86_CR0_WP);
	DEFINE(X86_CR4_PAE, X86_CR4_PAE);
	DEFINE(MSR_EFER, MSR_EFER);
	DEFINE(MSR_IA32_PL0_SSP, MSR_IA32_PL0_SSP);
	DEFINE(MSR_IA32_S_CET, MSR_IA32_S_CET);
	DEFINE(CET_SH_STK_EN, CET_SH_STK_EN);
	DEFINE(CET_WR_SHSTK_EN, CET_WR_SHSTK_EN);
	DEFINE(EFER_LME, EFER_LME);
	DEFINE(EFER_NXE, EFER_NXE);
	DEFINE(TRAP_FRAME_SIZE, sizeof(struct trap_frame));
	OFFSET(TF_RAX, struct trap_frame, rax);
	OFFSET(TF_RCX, struct trap_frame, rcx);
	OFFSET(TF_R11, struct trap_frame, r11);
	OFFSET(TF_VECTOR, struct trap_frame, vector);
	OFFSET(TF_ERROR_CODE, struct trap_frame, error_code);
	OFFSET(TF_RIP, struct trap_frame, rip);
	OFFSET(TF_CS, struct trap_frame, cs);
	OFFSET(TF_RFLAGS, struct trap_frame, rflags);
	OFFSET(TF_RSP, struct trap_frame, rsp);
	OFFSET(TF_SS, struct trap_frame, ss);
	OFFSET(KCTX_RBX, struct kctx, rbx);
	OFFSET(KCTX_RBP, struct kctx, rbp);
	OFFSET(KCTX_R12, struct kctx, r12);
	OFFSET(KCTX_R13, struct kctx, r13);
	OFFSET(KCTX_R14, struct kctx, r14);
	OFFSET(KCTX_R15, struct kctx, r15);
	OFFSET(KCTX_RSP, struct kctx, rsp);
	OFFSET(KCTX_RFLAGS, struct kctx, rflags);
	OFFSET(KCTX_SSP, struct kctx, ssp);
	DEFINE(CTX_EXIT_FN_RETURNED, CTX_EXIT_FN_RETURNED);
	DEFINE(CTX_EXIT_STALE_RETURNED, CTX_EXIT_STALE_RETURNED);
	OFFSET(JB_RBX, struct jmp_regs, rbx);
	OFFSET(JB_RBP, struct jmp_regs, rbp);
	OFFSET(JB_R12, struct jmp_regs, r12);
	OFFSET(JB_R13, struct jmp_regs, r13);
	OFFSET(JB_R14, struct jmp_regs, r14);
	OFFSET(JB_R15, struct jmp_regs, r15);
	OFFSET(JB_RSP, struct jmp_regs, rsp);
	OFFSET(JB_RIP, struct jmp_regs, rip);
	OFFSET(JB_SSP, struct jmp_regs, ssp);
	OFFSET(CTX_RBX, struct ctx, rbx);
	OFFSET(CTX_RBP, struct ctx, rbp);
	OFFSET(CTX_R12, struct ctx, r12);
	OFFSET(CTX_R13, struct ctx, r13);
	OFFSET(CTX_R14, struct ctx, r14);
	OFFSET(CTX_R15, struct ctx, r15);
	OFFSET(CTX_RSP, struct ctx, rsp);
	OFFSET(CTX_RIP, struct ctx, rip);
	OFFSET(CTX_TOKEN, struct ctx, token);
}
