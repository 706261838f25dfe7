/* Ring-3 programs (include/kernel/uproc.h). */
#include "errno.h"
#include "kernel/cpu.h"
#include "kernel/uproc.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "x86/cpu.h"
#include "x86/msr.h"

extern const struct userprog __userprogs_start[], __userprogs_end[];
extern u64 syscall_kernel_rsp;

static struct uproc *current;

struct uproc *uproc_current(void)
{
	return current;
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

	u64 pa = frame_alloc();
	if (!pa)
		goto oom;
	p->pml4 = phys_to_virt(pa);
	/* The kernel half is shared: same PDPTs in every address space. */
	for (unsigned i = PML4_KERNEL_FIRST; i < PT_ENTRIES; i++)
		p->pml4[i] = kernel_pml4[i];
	if (elf_load(&p->img, p->pml4, p->err, sizeof(p->err)))
		goto fail;
	/* The page below the stack stays unmapped as its guard. */
	for (unsigned i = 1; i <= USER_STACK_PAGES; i++) {
		u64 f = frame_alloc();
		if (!f || pt_map(p->pml4, USER_STACK_TOP - i * PAGE_SIZE, f,
				 PTE_U | PTE_W | PTE_SW_OWNED | mm_nx())) {
			if (f)
				frame_free(f);
			goto oom;
		}
	}
	p->kstack_top = kstack_alloc();
	if (!p->kstack_top || cet_task_init(&p->cet))
		goto oom;
	p->mem = (struct umem){ .pml4 = p->pml4 };
	p->entry = ((const Elf64_Ehdr *)p->img.data)->e_entry;
	p->stack_top = USER_STACK_TOP;
	return 0;
oom:
	snprintf(p->err, sizeof(p->err), "out of memory creating '%s'", name);
fail:
	uproc_destroy(p);
	return -ENOMEM;
}

void uproc_destroy(struct uproc *p)
{
	cet_task_free(&p->cet);
	if (p->kstack_top)
		kstack_free(p->kstack_top);
	if (p->pml4) {
		pt_free_user(p->pml4);
		frame_free(virt_to_phys(p->pml4));
	}
	p->kstack_top = 0;
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
	current = p;
	p->state = UPROC_RUNNING;
	tss_set_rsp0(p->kstack_top);
	syscall_kernel_rsp = p->kstack_top;
	write_cr3(virt_to_phys(p->pml4));
	cet_task_load(&p->cet);
	struct user_entry e = { .rip = p->entry, .rsp = p->stack_top,
				.rflags = X86_RFLAGS_FIXED | X86_RFLAGS_IF,
				.rdi = arg0, .rsi = arg1, .rdx = p->arg2 };
	kctx_enter_user(&p->ctx, &e);
	/* Back through uproc_finish(): the kernel's page tables are loaded again. */
	current = NULL;
	return p->state;
}

static void __noreturn uproc_finish(struct uproc *p)
{
	cet_task_save(&p->cet);
	if (cet_path != CET_PATH_NONE) {
		/* Nothing of the program's CET state stays live in the CPU. */
		wrmsr(MSR_IA32_U_CET, 0);
		wrmsr(MSR_IA32_PL3_SSP, 0);
	}
	write_cr3(virt_to_phys(kernel_pml4));
	kctx_resume(&p->ctx, 1);
}

void uproc_exit(long code)
{
	current->state = UPROC_EXITED;
	current->exit_code = code;
	uproc_finish(current);
}

void uproc_fault(const struct trap_frame *f, u64 cr2)
{
	struct uproc *p = current;
	char line[160];

	if (!p) {
		trap_dump(f, cr2);
		panic("ring-3 exception with no user program running");
	}
	p->state = UPROC_FAULTED;
	p->fault_frame = *f;
	p->fault = (struct fault_info){
		.vector = f->vector,
		.error_code = f->error_code,
		.rip = f->rip,
		.cr2 = f->vector == X86_EXC_PF ? cr2 : 0,
		.rsp = f->rsp,
		.user = true,
	};
	p->fault_ssp = cet_path != CET_PATH_NONE ? rdmsr(MSR_IA32_PL3_SSP) : 0;
	trap_describe(&p->fault, line, sizeof(line));
	diag("%s: user fault: %s%s ssp 0x%lx", p->prog->name, line,
	     f->vector == X86_EXC_PF && (f->error_code & PF_EC_SS) ? " (shadow-stack access)" : "",
	     p->fault_ssp);
	uproc_finish(p);
}
