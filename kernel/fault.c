/* Armed catches for kernel-mode exceptions (include/fault.h). */
#include "cet.h"
#include "fault.h"
#include "kernel/task.h"
#include "lib.h"
#include "x86/cpu.h"
#include "x86/msr.h"

/* Catches belong to the task that armed them; before tasks exist, to boot. */
static struct fault_catch **catch_slot(void)
{
	static struct fault_catch *boot_top;
	return current ? &current->catch_top : &boot_top;
}

struct catch_call {
	void (*fn)(void *);
	void *arg;
};

bool fault_catch_call(struct fault_catch *c, void (*fn)(void *), void *arg)
{
	struct fault_catch **top = catch_slot();
	c->prev = *top;
	c->info = (struct fault_info){ 0 };
	c->s_cet = cet_path != CET_PATH_NONE ? rdmsr(MSR_IA32_S_CET) : 0;
	*top = c;
	long faulted = kctx_call(&c->ctx, fn, arg);
	/* On the fault path fault_catch_deliver() already unlinked c. */
	if (!faulted)
		*top = c->prev;
	return faulted != 0;
}

void fault_catch_deliver(const struct trap_frame *f, u64 cr2)
{
	struct fault_catch **top = catch_slot();
	struct fault_catch *c = *top;

	if (!c)
		return;
	*top = c->prev;
	c->frame = *f;
	c->info = (struct fault_info){
		.vector = f->vector,
		.error_code = f->error_code,
		.rip = f->rip,
		.cr2 = f->vector == X86_EXC_PF ? cr2 : 0,
		.rsp = f->rsp,
		.user = (f->cs & 3) != 0,
	};
	/*
	 * A test that turned supervisor shadow stacks on has left SSP on its
	 * own stack; the armed context knows nothing of it.
	 */
	if (cet_path != CET_PATH_NONE)
		wrmsr(MSR_IA32_S_CET, c->s_cet);
	kctx_resume(&c->ctx, 1);
}
