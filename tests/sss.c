/*
 * Supervisor shadow stacks: the kernel's own, event delivery through the
 * interrupt SSP table, tokens, and IRET's checks.  All SKIP with the CPUID
 * reason where shadow stacks are absent.
 */
#include "cet.h"
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/pt.h"
#include "probes.h"
#include "test.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/segment.h"

static bool need_kshstk(struct test_case_run *t)
{
	if (!test_need_shstk(t))
		return false;
	if (!cpu.kshstk) {
		test_skip(t, "%s", cpu_feat_missing(FEAT_KSHSTK));
		return false;
	}
	if (!kshstk_on)
		test_error(t, "shadow stacks are enumerated but the kernel does not run on them");
	return kshstk_on;
}

static u64 peek(u64 va)
{
	u64 *e = pt_walk(kernel_pml4, va, NULL);
	return e ? *(u64 *)phys_to_virt(pte_addr(*e) + (va & (PAGE_SIZE - 1))) : ~0UL;
}

TEST(sss_kernel_runs_on_shadow_stack, "sss")
{
	if (!need_kshstk(t))
		return;
	u64 top = current->kshstk_top, ssp = kshstk_ssp();
	CHECK(t, rdmsr(MSR_IA32_S_CET) & CET_SH_STK_EN, "S_CET.SH_STK_EN is clear");
	CHECK(t, ssp < top && ssp >= top - KSTACK_PAGES * PAGE_SIZE,
	      "SSP 0x%lx is not on this task's shadow stack (top 0x%lx)", ssp, top);
	CHECK_EQ(t, rdmsr(MSR_IA32_PL0_SSP), top - 8, "IA32_PL0_SSP");
	/* Supervisor shadow-stack pages: W=0, D=1, U=0; the guard below is unmapped. */
	u64 *e = pt_walk(kernel_pml4, top - 8, NULL);
	CHECK(t, e && pte_is_shstk_type(*e) && !(*e & PTE_U), "PTE 0x%lx", e ? *e : 0);
	CHECK(t, !pt_walk(kernel_pml4, top - (KSTACK_PAGES + 1) * PAGE_SIZE, NULL),
	      "the guard page below the shadow stack is mapped");
}

TEST(sss_near_ret_smash_cp1, "sss")
{
	if (!need_kshstk(t))
		return;
	/* Caught and reported; the kernel goes on. */
	struct fault_expect e = { X86_EXC_CP, CP_EC_NEAR_RET, (u64)kp_smash_ret, 0 };
	expect_kernel_fault(t, kp_smash, NULL, &e);
}

TEST(sss_setssbsy_busy_token_cp5, "sss")
{
	if (!need_kshstk(t))
		return;
	u64 top = kshstk_alloc();
	if (!top)
		return test_error(t, "out of memory");
	u64 token = top - 8, pl0 = rdmsr(MSR_IA32_PL0_SSP);
	kshstk_write(token, token | SHSTK_TOKEN_BUSY);
	struct fault_expect e = { X86_EXC_CP, CP_EC_SETSSBSY, (u64)kp_setssbsy_rip, 0 };
	expect_kernel_fault(t, kp_setssbsy, (void *)token, &e);
	wrmsr(MSR_IA32_PL0_SSP, pl0);
	kstack_free(top);
}

/* The hook's view of an NMI (INT 2) on the IST stack. */
static u64 hook_ssp, hook_token, hook_nested_ssp;
static bool hook_nest;

static void nmi_hook(struct trap_frame *f)
{
	if (f->vector == X86_EXC_BP) {
		hook_nested_ssp = kshstk_ssp();
		return;
	}
	hook_ssp = kshstk_ssp();
	hook_token = peek(ist_ssp_table[IST_NMI]);
	if (hook_nest)
		kp_int3_resume(NULL); /* a nested event on the IST shadow stack */
}

TEST(sss_ist_vector_uses_interrupt_ssp_table, "sss")
{
	if (!need_kshstk(t))
		return;
	u64 token = ist_ssp_table[IST_NMI], before = kshstk_ssp();
	hook_nest = true;
	trap_test_hook = nmi_hook;
	kp_int2(NULL);
	trap_test_hook = NULL;
	/* Delivery took the table's token (busy) and pushed CS, LIP and SSP below it. */
	CHECK(t, hook_ssp < token && hook_ssp >= token - PAGE_SIZE,
	      "handler SSP 0x%lx not on the IST shadow stack (token 0x%lx)", hook_ssp, token);
	CHECK_EQ(t, hook_token, token | SHSTK_TOKEN_BUSY, "IST token while the handler ran");
	CHECK(t, hook_nested_ssp && hook_nested_ssp < hook_ssp,
	      "nested #BP SSP 0x%lx not below the handler's 0x%lx", hook_nested_ssp, hook_ssp);
	/* IRET restored SSP and freed the token. */
	CHECK_EQ(t, kshstk_ssp(), before, "SSP after the IRETs");
	CHECK_EQ(t, peek(token), token, "IST token after IRET");
}

/* What the hook saw on the interrupt's shadow stack: T is the table's token. */
static u64 ist_token_addr, ist_seen[4], ist_handler_ssp;

static void ist_hook(struct trap_frame *f)
{
	(void)f;
	ist_handler_ssp = kshstk_ssp();
	for (int i = 0; i < 4; i++)
		ist_seen[i] = peek(ist_token_addr - 8 * (u64)i);
}

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type_attr;
	u16 off_mid;
	u32 off_hi, zero;
} __packed;

/*
 * Every IDT gate with an IST index: delivery must switch to the shadow stack
 * whose token IA32_INTERRUPT_SSP_TABLE_ADDR[index] names (SDM: a free
 * supervisor token holding its own address, made busy; then CS, LIP and the
 * old SSP pushed below it), each vector on a shadow stack of its own.  The
 * IDT is read with SIDT and the table through the MSR, not the kernel's
 * variables.  NMI and #MC are delivered with INT n; #DF (error code) only
 * has its gate and token checked.
 */
TEST(sss_ist_vectors_own_shadow_stacks, "sss")
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr;
	u64 tokens[256] = { 0 };
	unsigned nr = 0;

	if (!need_kshstk(t))
		return;
	asm volatile("sidt %0" : "=m"(idtr));
	const struct idt_gate *idt = (const struct idt_gate *)idtr.base;
	const u64 *table = (const u64 *)rdmsr(MSR_IA32_INTERRUPT_SSP_TABLE_ADDR);
	u64 own = current->kshstk_top;
	for (unsigned v = 0; v < 256 && 16 * v + 15 <= idtr.limit; v++) {
		unsigned ist = idt[v].ist & 7;
		if (!ist || !(idt[v].type_attr & 0x80))
			continue;
		u64 T = table[ist];
		tokens[v] = T;
		nr++;
		u64 *e = pt_walk(kernel_pml4, T, NULL);
		CHECK(t, T && !(T & 7), "vector %u: table[%u] = 0x%lx", v, ist, T);
		CHECK(t, e && pte_is_shstk_type(*e) && !(*e & PTE_U),
		      "vector %u: token 0x%lx not on a supervisor shadow-stack page", v, T);
		CHECK_EQ(t, peek(T), T, "free supervisor token (its own address, not busy)");
		CHECK(t, T >= own || T < own - KSTACK_PAGES * PAGE_SIZE,
		      "vector %u: token 0x%lx on the task's own shadow stack", v, T);
		for (unsigned w = 0; w < v; w++)
			CHECK(t, !tokens[w] || tokens[w] / PAGE_SIZE != T / PAGE_SIZE,
			      "vectors %u and %u share the shadow stack of 0x%lx", w, v, T);
	}
	CHECK(t, tokens[X86_EXC_DF] && tokens[X86_EXC_NMI] && tokens[X86_EXC_MC],
	      "#DF, NMI and #MC must use IST gates (%u gates with IST)", nr);
	static const struct {
		unsigned vector;
		void (*probe)(void *);
		const char *lip;
	} fire[] = { { X86_EXC_NMI, kp_ist_nmi, kp_ist_nmi_lip },
		     { X86_EXC_MC, kp_ist_mc, kp_ist_mc_lip } };
	for (unsigned i = 0; i < ARRAY_SIZE(fire); i++) {
		u64 T = tokens[fire[i].vector], old_ssp = 0;
		if (!T)
			continue;
		ist_token_addr = T;
		ist_handler_ssp = 0;
		trap_test_hook = ist_hook;
		fire[i].probe(&old_ssp);
		trap_test_hook = NULL;
		CHECK_EQ(t, ist_seen[0], T | SHSTK_TOKEN_BUSY, "token while the handler ran");
		CHECK_EQ(t, ist_seen[1], KERNEL_CS, "CS pushed below the token");
		CHECK_EQ(t, ist_seen[2], (u64)fire[i].lip, "LIP pushed below CS");
		CHECK_EQ(t, ist_seen[3], old_ssp, "old SSP pushed below LIP");
		CHECK(t, ist_handler_ssp && ist_handler_ssp < T - 24 && ist_handler_ssp > T - PAGE_SIZE,
		      "vector %u: handler SSP 0x%lx not below the pushes on 0x%lx",
		      fire[i].vector, ist_handler_ssp, T);
		CHECK_EQ(t, peek(T), T, "token freed by IRET");
	}
}

TEST(sss_bad_token_on_event_delivery_gp, "sss")
{
	if (!need_kshstk(t))
		return;
	u64 token = ist_ssp_table[IST_NMI];
	struct fault_expect e = { X86_EXC_GP, 0, (u64)kp_int2_rip, 0 };
	diag("busy IST token");
	kshstk_write(token, token | SHSTK_TOKEN_BUSY);
	expect_kernel_fault(t, kp_int2, NULL, &e);
	diag("IST token naming another address");
	kshstk_write(token, token + 8);
	expect_kernel_fault(t, kp_int2, NULL, &e);
	kshstk_write(token, token);
}

static void bp_tamper_hook(struct trap_frame *f)
{
	if (f->vector == X86_EXC_BP)
		f->rip += 1; /* the shadow stack still holds the true return LIP */
}

TEST(sss_iret_tampered_frame_cp2, "sss")
{
	if (!need_kshstk(t))
		return;
	struct fault_expect e = { X86_EXC_CP, CP_EC_FAR_RET, (u64)trap_iretq, 0 };
	trap_test_hook = bp_tamper_hook;
	expect_kernel_fault(t, kp_int3_resume, NULL, &e);
	trap_test_hook = NULL;
}

static void bp_plain_hook(struct trap_frame *f)
{
	(void)f;
}

TEST(sss_iret_same_cpl_keeps_token_busy, "sss")
{
	if (!need_kshstk(t))
		return;
	/*
	 * An IRETQ that stays at CPL0 with SSP unchanged must leave the
	 * supervisor token SSP sits on busy (it is freed only when SSP moves
	 * away from it).  SSP is put right on a busy token of a fresh stack.
	 */
	u64 top = kshstk_alloc();
	if (!top)
		return test_error(t, "out of memory");
	u64 token = top - 8;
	kshstk_write(token, token | SHSTK_TOKEN_BUSY);
	kshstk_write(top - 16, token | SHSTK_TOKEN_MODE64); /* a restore token for SSP = token */
	trap_test_hook = bp_plain_hook;
	kp_iret_on_token((void *)(top - 16));
	trap_test_hook = NULL;
	CHECK_EQ(t, peek(token), token | SHSTK_TOKEN_BUSY, "the token SSP sat on, after IRETQ");
	kstack_free(top);
}

TEST(sss_wruss_into_kernel_shadow_stack_faults, "sss")
{
	if (!need_kshstk(t))
		return;
	/* A user-mode shadow-stack write to a supervisor shadow stack: #PF (P W U SS). */
	u64 va = current->kshstk_top - KSTACK_PAGES * PAGE_SIZE + 64;
	struct { u64 addr, value; } w = { va, 0x1234 };
	struct fault_expect e = { X86_EXC_PF, PF_EC_P | PF_EC_W | PF_EC_U | PF_EC_SS,
				  (u64)kp_wruss_rip, va };
	expect_kernel_fault(t, kp_wruss, &w, &e);
}
