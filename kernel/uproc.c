/* Ring-3 programs on top of tasks (include/kernel/uproc.h). */
#include "errno.h"
#include "kernel/cpu.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/signal.h"
#include "kernel/uproc.h"
#include "kernel/linux.h"
#include "lib.h"
#include "test.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "shstk.h"
#include "syscall.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/segment.h"

extern const struct userprog __userprogs_start[], __userprogs_end[];

/* The program uproc_run is waiting for, and when its watchdog expires. */
static struct uproc *running_proc;

static u64 uproc_timeout_ms(const struct uproc *p)
{
	if (p->timeout_ms)
		return p->timeout_ms;
	return test_timeout_ms ? test_timeout_ms : UPROC_DEFAULT_TIMEOUT_MS;
}
static u64 watchdog_deadline;

struct uproc *uproc_current(void)
{
	return current ? current->proc : NULL;
}

static const struct userprog *find_prog(const char *name)
{
	for (const struct userprog *u = __userprogs_start; u < __userprogs_end; u++)
		if (!strcmp(u->name, name))
			return u;
	return NULL;
}

int uproc_create(struct uproc *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->prog = find_prog(name);
	if (!p->prog) {
		snprintf(p->err, sizeof(p->err), "no user program '%s' is built in", name);
		return -ENOENT;
	}
	p->img = (struct elf_image){ p->prog->start, (size_t)(p->prog->end - p->prog->start) };
	if (!elf_check(&p->img, p->err, sizeof(p->err)))
		return -EINVAL;
	p->mm = umem_create();
	if (!p->mm)
		goto oom;
	p->pml4 = p->mm->pml4;
	if (elf_load(&p->img, p->pml4, p->err, sizeof(p->err)))
		goto fail;
	/* The page below the stack stays unmapped as its guard. */
	if (umem_map(p->mm, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
		     USER_STACK_PAGES * PAGE_SIZE, PTE_U | PTE_W | mm_nx()))
		goto oom;
	p->entry = ((const Elf64_Ehdr *)p->img.data)->e_entry;
	p->stack_top = USER_STACK_TOP;
	struct trap_frame tf = { .rip = p->entry, .cs = USER_CS, .rflags = 0x202,
				 .rsp = p->stack_top, .ss = USER_DS };
	p->main = task_create_user(p, p->mm, NULL, &tf);
	if (!p->main)
		goto oom;
	/* Created, but not started before uproc_run. */
	p->main->state = TASK_BLOCKED;
	/* What the program's property note declares, where the CPU has it. */
	u32 note = elf_x86_features(&p->img);
	if (note) {
		unsigned want = (note & ELF_X86_FEATURE_SHSTK ? SHSTK_FEAT_SHSTK : 0) |
				(note & ELF_X86_FEATURE_IBT ? SHSTK_FEAT_IBT : 0);
		unsigned got = shstk_apply_elf(p->main, want);
		diag("%s: ELF note asks for%s%s; enabled:%s%s", name,
		     want & SHSTK_FEAT_SHSTK ? " SHSTK" : "", want & SHSTK_FEAT_IBT ? " IBT" : "",
		     got & SHSTK_FEAT_SHSTK ? " SHSTK" : "", got & SHSTK_FEAT_IBT ? " IBT" : "");
	}
	return 0;
oom:
	snprintf(p->err, sizeof(p->err), "out of memory creating '%s'", name);
fail:
	uproc_destroy(p);
	return -ENOMEM;
}

void uproc_destroy(struct uproc *p)
{
	/* Every task of the program, main included, stops here and is freed. */
	for (struct task *t = task_first(), *next; t; t = next) {
		next = t->all_next;
		if (t->proc != p || t == current)
			continue;
		task_kill(t, TASK_END_KILLED);
		task_reap(t);
	}
	p->main = NULL;
	umem_put(p->mm);
	p->mm = NULL;
	p->pml4 = NULL;
}

u64 uproc_symbol(struct uproc *p, const char *name)
{
	return elf_symbol(&p->img, name);
}

bool uproc_peek(struct uproc *p, u64 va, u64 *val)
{
	int level;
	u64 *e = pt_walk(p->pml4, va, &level);

	if (!e || (va & 7) || level != 1)
		return false;
	*val = *(u64 *)phys_to_virt(pte_addr(*e) + (va & (PAGE_SIZE - 1)));
	return true;
}

enum uproc_state uproc_run(struct uproc *p, u64 arg0, u64 arg1)
{
	struct task *m = p->main;
	struct trap_frame *tf = (struct trap_frame *)(m->kstack_top - sizeof(*tf));

	if (!m || p->state != UPROC_NEW)
		panic("uproc_run: %s was already run", p->prog->name);
	tf->rdi = arg0;
	tf->rsi = arg1;
	tf->rdx = p->arg2;
	p->state = UPROC_RUNNING;
	running_proc = p;
	watchdog_deadline = timer_ticks + timer_ms_to_ticks(uproc_timeout_ms(p));
	m->state = TASK_RUNNABLE;
	while (m->state != TASK_ZOMBIE) {
		current->state = TASK_BLOCKED;
		schedule();
	}
	running_proc = NULL;
	p->exit_code = m->exit_code;
	p->fault = m->fault;
	p->fault_frame = m->fault_frame;
	p->fault_ssp = m->fault_ssp;
	memcpy(p->kill_reason, m->kill_reason, sizeof(p->kill_reason));
	p->state = m->end == TASK_END_EXIT     ? UPROC_EXITED
		   : m->end == TASK_END_FAULT  ? UPROC_FAULTED
		   : m->end == TASK_END_KILLED ? UPROC_KILLED
					       : UPROC_TIMEOUT;
	/* A test that chose its own limit expects it; the default one is a verdict. */
	if (p->state == UPROC_TIMEOUT && !p->timeout_ms)
		test_note_timeout("per-run watchdog: %s ran longer than %lu s", p->prog->name,
				  uproc_timeout_ms(p) / 1000);
	return p->state;
}

void uproc_exit(long code)
{
	task_exit(TASK_END_EXIT, code);
}

void uproc_fault(const struct trap_frame *f, u64 cr2)
{
	struct task *t = current;
	char line[160];
	bool shstk;

	if (!t || !t->proc) {
		trap_dump(f, cr2);
		panic("ring-3 exception with no user task running");
	}
	if (f->vector == X86_EXC_DB && t->proc->resume_single_step) {
		((struct trap_frame *)f)->rflags &= ~X86_RFLAGS_TF;
		t->proc->single_steps++;
		return;
	}
	if (f->vector == X86_EXC_PF && umem_cow_fault(t->mm, cr2, f->error_code, &shstk)) {
		t->cow_faults++;
		t->cow_faults_shstk += shstk;
		return;
	}
	/* A Linux program's faults are Linux signals (kernel/linux/signal.c). */
	if (t->lx.proc) {
		lx_fault((struct trap_frame *)f, cr2);
		return;
	}
	/* A handler for the fault's signal runs instead of ending the task. */
	if (signal_fault((struct trap_frame *)f, cr2))
		return;
	t->fault_frame = *f;
	t->fault = (struct fault_info){
		.vector = f->vector,
		.error_code = f->error_code,
		.rip = f->rip,
		.cr2 = f->vector == X86_EXC_PF ? cr2 : 0,
		.rsp = f->rsp,
		.user = true,
	};
	t->fault_ssp = cet_path != CET_PATH_NONE ? rdmsr(MSR_IA32_PL3_SSP) : 0;
	trap_describe(&t->fault, line, sizeof(line));
	if (!t->proc->quiet)
		diag("%s[%u]: user fault: %s%s ssp 0x%lx", t->proc->prog->name, t->id, line,
		     f->vector == X86_EXC_PF && (f->error_code & PF_EC_SS) ? " (shadow-stack access)"
									      : "",
		     t->fault_ssp);
	task_exit(TASK_END_FAULT, -1);
}

void uproc_watchdog(void)
{
	struct uproc *p = running_proc;

	if (!p || timer_ticks < watchdog_deadline)
		return;
	running_proc = NULL;
	diag("watchdog: %s ran past its %lu ms limit; stopping its tasks", p->prog->name,
	     uproc_timeout_ms(p));
	struct task *self = NULL;
	for (struct task *t = task_first(); t; t = t->all_next) {
		if (t->proc != p)
			continue;
		if (t == current)
			self = t;
		else
			task_kill(t, TASK_END_TIMEOUT);
	}
	if (self)
		task_exit(TASK_END_TIMEOUT, -1);
}
