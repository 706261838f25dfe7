/*
 * Round-robin scheduling on one CPU.  Every switch saves the outgoing
 * task's CET_U state (XSAVES or RDMSR) and loads the incoming one's, moves
 * CR3, TSS.RSP0 and the SYSCALL stack, then swaps kernel stacks.
 */
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/task.h"
#include "kernel/linux.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "x86/cpu.h"
#include "x86/msr.h"

extern u64 syscall_kernel_rsp;
void switch_to(u64 *save_ksp, u64 next_ksp, u64 *save_token, u64 next_token);

bool kshstk_on;
u64 kshstk_token_cur;

u64 sched_switches, sched_preemptions;
static bool in_idle;

static struct task *pick_next(void)
{
	/* Start after current, wrap around, end with current itself. */
	struct task *t = current;
	for (;;) {
		t = t->all_next ? t->all_next : task_first();
		if (t->state == TASK_RUNNABLE)
			return t;
		if (t == current)
			return NULL;
	}
}

static void switch_task(struct task *next)
{
	struct task *prev = current;

	cet_task_save(&prev->cet);
	/* The kernel never touches x87/SSE registers: they are still prev's. */
	if (prev->mm)
		asm volatile("fxsave64 %0" : "=m"(prev->fxsave));
	current = next;
	u64 cr3 = virt_to_phys(next->mm ? next->mm->pml4 : kernel_pml4);
	if ((read_cr3() & PTE_ADDR_MASK) != cr3)
		write_cr3(cr3);
	tss_set_rsp0(next->kstack_top);
	syscall_kernel_rsp = next->kstack_top;
	if (kshstk_on) {
		/* Ring-3 entries of next take the token at the top of its shadow stack. */
		wrmsr(MSR_IA32_PL0_SSP, next->kshstk_top - 8);
		kshstk_token_cur = next->kshstk_top - 8;
	}
	cet_task_load(&next->cet);
	if (next->mm)
		asm volatile("fxrstor64 %0" ::"m"(next->fxsave));
	if (next->lx.proc)
		lx_switch_in(next);
	sched_switches++;
	switch_to(&prev->ksp, next->ksp, &prev->kssp_token, next->kssp_token);
}

void schedule(void)
{
	for (;;) {
		struct task *next = pick_next();
		if (next) {
			if (next != current)
				switch_task(next);
			if (current->state == TASK_RUNNABLE)
				return;
			continue;
		}
		/* Nothing to run: wait for an interrupt (the timer) to change that. */
		in_idle = true;
		asm volatile("sti; hlt; cli" ::: "memory");
		in_idle = false;
	}
}

void sched_tick(const struct trap_frame *f)
{
	/* Only ring-3 code is preempted; the kernel runs with interrupts off. */
	if (in_idle || (f->cs & 3) != 3)
		return;
	sched_preemptions++;
	schedule();
}
