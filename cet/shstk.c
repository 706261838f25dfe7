/*
 * User shadow stacks: turning them on and off per program, placing new ones
 * with guard pages and restore tokens, and unmapping.  The calling
 * program's CET state is live in the MSRs while it is in a system call, so
 * changes go straight to IA32_U_CET / IA32_PL3_SSP and are saved with the
 * rest of its state when it is switched out.
 */
#include "cet.h"
#include "errno.h"
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "shstk.h"
#include "syscall.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/paging.h"

#define SHSTK_FEATURES (SHSTK_FEAT_SHSTK | SHSTK_FEAT_WRSS | SHSTK_FEAT_IBT | SHSTK_FEAT_NOTRACK)
#define IBT_FEATURES (SHSTK_FEAT_IBT | SHSTK_FEAT_NOTRACK)

struct wruss_args {
	u64 addr, value;
};

static void do_wruss(void *arg)
{
	struct wruss_args *w = arg;
	asm volatile("wrussq %0, (%1)" ::"r"(w->value), "r"(w->addr) : "memory");
}

int shstk_wruss(u64 uaddr, u64 value)
{
	struct fault_catch c;
	struct wruss_args w = { uaddr, value };

	if ((uaddr & 7) || !user_range_ok(uaddr, 8))
		return -EFAULT;
	return fault_catch_call(&c, do_wruss, &w) ? -EFAULT : 0;
}

static long shstk_enable(struct task *p, u64 features)
{
	u64 u_cet = rdmsr(MSR_IA32_U_CET);

	if (features & SHSTK_FEAT_SHSTK && !(p->shstk_features & SHSTK_FEAT_SHSTK)) {
		long addr = umem_reserve(p->mm, 0, SHSTK_DEFAULT_SIZE);
		if (addr < 0)
			return addr;
		if (umem_map_shstk(p->mm, addr, SHSTK_DEFAULT_SIZE))
			return -ENOMEM;
		p->shstk_base = addr;
		p->shstk_size = SHSTK_DEFAULT_SIZE;
		/* An empty stack: SSP at the top, no token to return through. */
		wrmsr(MSR_IA32_PL3_SSP, addr + SHSTK_DEFAULT_SIZE);
		u_cet |= CET_SH_STK_EN;
		p->shstk_features |= SHSTK_FEAT_SHSTK;
	}
	if (features & SHSTK_FEAT_WRSS) {
		if (!(p->shstk_features & SHSTK_FEAT_SHSTK))
			return -EINVAL;
		u_cet |= CET_WR_SHSTK_EN;
		p->shstk_features |= SHSTK_FEAT_WRSS;
	}
	if (features & SHSTK_FEAT_IBT) {
		u_cet |= CET_ENDBR_EN;
		p->shstk_features |= SHSTK_FEAT_IBT;
	}
	if (features & SHSTK_FEAT_NOTRACK) {
		if (!(p->shstk_features & SHSTK_FEAT_IBT))
			return -EINVAL;
		u_cet |= CET_NO_TRACK_EN;
		p->shstk_features |= SHSTK_FEAT_NOTRACK;
	}
	wrmsr(MSR_IA32_U_CET, u_cet);
	return 0;
}

static long shstk_disable(struct task *p, u64 features)
{
	u64 u_cet = rdmsr(MSR_IA32_U_CET);

	if (features & (SHSTK_FEAT_IBT | SHSTK_FEAT_NOTRACK)) {
		u_cet &= ~CET_NO_TRACK_EN;
		p->shstk_features &= ~SHSTK_FEAT_NOTRACK;
	}
	if (features & SHSTK_FEAT_IBT) {
		u_cet &= ~(CET_ENDBR_EN | CET_TRACKER | CET_SUPPRESS);
		p->shstk_features &= ~SHSTK_FEAT_IBT;
	}
	if (features & (SHSTK_FEAT_WRSS | SHSTK_FEAT_SHSTK)) {
		u_cet &= ~CET_WR_SHSTK_EN;
		p->shstk_features &= ~SHSTK_FEAT_WRSS;
	}
	if (features & SHSTK_FEAT_SHSTK && p->shstk_features & SHSTK_FEAT_SHSTK) {
		u_cet &= ~CET_SH_STK_EN;
		wrmsr(MSR_IA32_PL3_SSP, 0);
		umem_unmap(p->mm, p->shstk_base, p->shstk_size);
		p->shstk_base = p->shstk_size = 0;
		p->shstk_features &= ~SHSTK_FEAT_SHSTK;
	}
	wrmsr(MSR_IA32_U_CET, u_cet);
	return 0;
}

unsigned shstk_apply_elf(struct task *t, unsigned wanted)
{
	u64 u_cet = 0, ssp = 0;
	unsigned done = 0;

	if ((wanted & SHSTK_FEAT_SHSTK) && cet_shstk_available()) {
		long addr = umem_reserve(t->mm, 0, SHSTK_DEFAULT_SIZE);
		if (addr >= 0 && !umem_map_shstk(t->mm, addr, SHSTK_DEFAULT_SIZE)) {
			t->shstk_base = addr;
			t->shstk_size = SHSTK_DEFAULT_SIZE;
			ssp = addr + SHSTK_DEFAULT_SIZE;
			u_cet |= CET_SH_STK_EN;
			done |= SHSTK_FEAT_SHSTK;
		}
	}
	if ((wanted & SHSTK_FEAT_IBT) && cpu.ibt) {
		u_cet |= CET_ENDBR_EN;
		done |= SHSTK_FEAT_IBT;
	}
	if (done) {
		t->shstk_features |= done;
		cet_task_set(&t->cet, u_cet, ssp);
	}
	return done;
}

/* One bit per 4 KiB page of the address space, byte at base + (address >> 15). */
static long legacy_bitmap_mark(struct task *p, u64 addr)
{
	u64 u_cet = rdmsr(MSR_IA32_U_CET) & 0xfff & ~CET_LEG_IW_EN;

	if (!cpu.ibt)
		return -EOPNOTSUPP;
	if (!(p->shstk_features & SHSTK_FEAT_IBT))
		return -EINVAL;
	if (!addr) {
		wrmsr(MSR_IA32_U_CET, u_cet);
		return 0;
	}
	if (!user_range_ok(addr, 1))
		return -EINVAL;
	u64 byte = LEGACY_BITMAP_BASE + ((addr & 0xffffffffffffUL) >> 15);
	u64 page = ALIGN_DOWN(byte, PAGE_SIZE);
	int level;
	u64 *e = pt_walk(p->mm->pml4, page, &level);
	if (!e) {
		/* A supervisor page (U=0) in the program's space: it cannot write it. */
		if (umem_map(p->mm, page, PAGE_SIZE, PTE_W | mm_nx()))
			return -ENOMEM;
		e = pt_walk(p->mm->pml4, page, &level);
	}
	u8 *bits = phys_to_virt(pte_addr(*e) + (byte & (PAGE_SIZE - 1)));
	*bits |= 1U << ((addr >> 12) & 7);
	wrmsr(MSR_IA32_U_CET, u_cet | LEGACY_BITMAP_BASE | CET_LEG_IW_EN);
	return 0;
}

long sys_shstk_ctl(u64 op, u64 features)
{
	struct task *p = current;

	if (op == SHSTK_OP_LEGACY_BITMAP)
		return legacy_bitmap_mark(p, features);
	if (features & ~(u64)SHSTK_FEATURES)
		return -EINVAL;
	/* Each feature needs its own CPUID bit: AMD has shadow stacks, no IBT. */
	if (((features & ~IBT_FEATURES) || op == SHSTK_OP_STATUS) && !cet_shstk_available())
		return -EOPNOTSUPP;
	if ((features & IBT_FEATURES) && !cpu.ibt)
		return -EOPNOTSUPP;
	switch (op) {
	case SHSTK_OP_ENABLE:
		if (features & p->shstk_locked)
			return -EPERM;
		return shstk_enable(p, features);
	case SHSTK_OP_DISABLE:
		if (features & p->shstk_locked)
			return -EPERM;
		return shstk_disable(p, features);
	case SHSTK_OP_LOCK:
		p->shstk_locked |= features;
		return 0;
	case SHSTK_OP_STATUS:
		return p->shstk_features;
	default:
		return -EINVAL;
	}
}

long sys_map_shadow_stack(u64 addr, u64 size, u64 flags)
{
	struct task *p = current;

	if (!cet_shstk_available())
		return -EOPNOTSUPP;
	if (flags & ~(u64)SHADOW_STACK_SET_TOKEN || !size || (size & 7))
		return -EINVAL;
	long va = umem_reserve(p->mm, addr, size);
	if (va < 0)
		return va;
	u64 mapped = ALIGN_UP(size, PAGE_SIZE);
	if (umem_map_shstk(p->mm, va, mapped))
		return -ENOMEM;
	if (flags & SHADOW_STACK_SET_TOKEN) {
		/* The token sits in the top slot of the requested size. */
		u64 slot = va + size - 8;
		if (shstk_wruss(slot, shstk_restore_token(slot))) {
			umem_unmap(p->mm, va, mapped);
			return -EFAULT;
		}
	}
	return va;
}

long sys_munmap(u64 addr, u64 size)
{
	struct task *p = current;

	if ((addr & (PAGE_SIZE - 1)) || !size || !user_range_ok(addr, size))
		return -EINVAL;
	umem_unmap(p->mm, addr, ALIGN_UP(size, PAGE_SIZE));
	if (p->shstk_size && addr < p->shstk_base + p->shstk_size &&
	    addr + size > p->shstk_base)
		p->shstk_size = 0; /* no longer the kernel's to free on disable */
	return 0;
}
