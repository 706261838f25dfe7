/*
 * CET under the Linux personality, with Linux 6.12's semantics
 * (arch/x86/kernel/shstk.c): arch_prctl ARCH_SHSTK_*, map_shadow_stack,
 * the shadow stacks of new threads, and the report printed when a program
 * dies from a control-protection fault.
 */
#include "cet.h"
#include "errno.h"
#include "kernel/cpu.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "shstk.h"
#include "syscall.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/paging.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_SHSTK_ENABLE 0x5001
#define ARCH_SHSTK_DISABLE 0x5002
#define ARCH_SHSTK_LOCK 0x5003
#define ARCH_SHSTK_UNLOCK 0x5004
#define ARCH_SHSTK_STATUS 0x5005
#define ARCH_SHSTK_SHSTK (1UL << 0)
#define ARCH_SHSTK_WRSS (1UL << 1)
#define LX_SHSTK_SIZE (8UL << 20) /* RLIMIT_STACK, which is below 4 GiB */
#define SZ_4G 0x100000000UL

/* A shadow-stack mapping above 4 GiB; with a token, it sits at addr + token_end - 8. */
static long alloc_shstk(u64 addr, u64 size, u64 token_end, bool token)
{
	struct lx_proc *lp = current->lx.proc;

	if (addr) {
		/* MAP_FIXED_NOREPLACE */
		if ((addr & (PAGE_SIZE - 1)) || !user_range_ok(addr, size))
			return -EINVAL;
		for (unsigned i = 0; i < lp->nr_vma; i++)
			if (lp->vma[i].start < addr + size && addr < lp->vma[i].end)
				return -EEXIST;
	} else {
		long a = lx_unmapped_area(lp, size, PAGE_SIZE);
		if (a < 0)
			return a;
		addr = (u64)a;
	}
	/* Linux maps it PROT_READ with VM_SHADOW_STACK | VM_WRITE. */
	if (lx_vma_add(lp, addr, addr + size, PROT_READ | PROT_WRITE, LX_VMA_SHSTK))
		return -ENOMEM;
	if (token) {
		u64 slot = addr + token_end - 8;
		if (lx_populate(lp, slot, 8, true) ||
		    shstk_wruss(slot, shstk_restore_token(slot))) {
			lx_unmap_range(lp, addr, addr + size);
			return -EINVAL;
		}
	}
	return (long)addr;
}

long lx_sys_map_shadow_stack(u64 addr, u64 size, u64 flags)
{
	bool token = flags & SHADOW_STACK_SET_TOKEN;
	u64 aligned = ALIGN_UP(size, PAGE_SIZE);

	if (!cet_shstk_available())
		return -EOPNOTSUPP;
	if ((u32)flags & ~SHADOW_STACK_SET_TOKEN)
		return -EINVAL;
	if (token && size < 8)
		return -ENOSPC;
	if (addr && addr < SZ_4G)
		return -ERANGE;
	if (aligned < size)
		return -EOVERFLOW;
	if (!aligned)
		return -EINVAL;
	return alloc_shstk(addr, aligned, size, token);
}

static long shstk_setup(struct task *t)
{
	if (t->shstk_features & ARCH_SHSTK_SHSTK)
		return 0;
	if (!cet_shstk_available())
		return -EOPNOTSUPP;
	long addr = alloc_shstk(0, LX_SHSTK_SIZE, 0, false);
	if (addr < 0)
		return addr;
	wrmsr(MSR_IA32_PL3_SSP, (u64)addr + LX_SHSTK_SIZE);
	wrmsr(MSR_IA32_U_CET, CET_SH_STK_EN);
	t->shstk_base = (u64)addr;
	t->shstk_size = LX_SHSTK_SIZE;
	t->shstk_features |= ARCH_SHSTK_SHSTK;
	return 0;
}

static long shstk_disable(struct task *t)
{
	if (!cet_shstk_available())
		return -EOPNOTSUPP;
	if (!(t->shstk_features & ARCH_SHSTK_SHSTK))
		return 0;
	wrmsr(MSR_IA32_U_CET, 0);
	wrmsr(MSR_IA32_PL3_SSP, 0);
	/* A vfork child runs on its parent's shadow stack and frees nothing. */
	if (t->shstk_size && !t->vfork_child)
		lx_unmap_range(t->lx.proc, t->shstk_base, t->shstk_base + t->shstk_size);
	t->shstk_base = t->shstk_size = 0;
	t->shstk_features &= ~(ARCH_SHSTK_SHSTK | ARCH_SHSTK_WRSS);
	return 0;
}

static long wrss_control(struct task *t, bool enable)
{
	if (!cet_shstk_available())
		return -EOPNOTSUPP;
	if (!(t->shstk_features & ARCH_SHSTK_SHSTK))
		return -EPERM;
	u64 u_cet = rdmsr(MSR_IA32_U_CET);
	if (enable) {
		t->shstk_features |= ARCH_SHSTK_WRSS;
		u_cet |= CET_WR_SHSTK_EN;
	} else {
		t->shstk_features &= ~ARCH_SHSTK_WRSS;
		u_cet &= ~CET_WR_SHSTK_EN;
	}
	wrmsr(MSR_IA32_U_CET, u_cet);
	return 0;
}

static long shstk_prctl(u64 option, u64 features)
{
	struct task *t = current;

	if (option == ARCH_SHSTK_STATUS) {
		u64 f = t->shstk_features & (ARCH_SHSTK_SHSTK | ARCH_SHSTK_WRSS);
		return lx_copy_to_user(features, &f, 8) ? -EFAULT : 0;
	}
	if (option == ARCH_SHSTK_LOCK) {
		t->shstk_locked |= (unsigned)features;
		return 0;
	}
	/* UNLOCK is for ptrace only: from the task itself it is refused. */
	if (option == ARCH_SHSTK_UNLOCK)
		return -EINVAL;
	if (features & t->shstk_locked)
		return -EPERM;
	if (features & (features - 1)) /* more than one bit */
		return -EINVAL;
	if (option == ARCH_SHSTK_DISABLE) {
		if (features & ARCH_SHSTK_WRSS)
			return wrss_control(t, false);
		if (features & ARCH_SHSTK_SHSTK)
			return shstk_disable(t);
		return -EINVAL;
	}
	if (features & ARCH_SHSTK_SHSTK)
		return shstk_setup(t);
	if (features & ARCH_SHSTK_WRSS)
		return wrss_control(t, true);
	return -EINVAL;
}

long lx_sys_arch_prctl(u64 code, u64 arg)
{
	struct task *t = current;

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (arg >= USER_TOP)
			return -EPERM;
		if (code == ARCH_SET_FS) {
			t->lx.fs_base = arg;
			wrmsr(MSR_FS_BASE, arg);
		} else {
			t->lx.gs_base = arg;
			wrmsr(MSR_GS_BASE, arg);
		}
		return 0;
	case ARCH_GET_FS:
		return lx_copy_to_user(arg, &t->lx.fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return lx_copy_to_user(arg, &t->lx.gs_base, 8) ? -EFAULT : 0;
	case ARCH_SHSTK_ENABLE:
	case ARCH_SHSTK_DISABLE:
	case ARCH_SHSTK_LOCK:
	case ARCH_SHSTK_UNLOCK:
	case ARCH_SHSTK_STATUS:
		return shstk_prctl(code, arg);
	default:
		return -EINVAL;
	}
}

long lx_thread_shstk(struct task *t, u64 stack_size)
{
	if (!(t->shstk_features & ARCH_SHSTK_SHSTK))
		return 0;
	u64 size = stack_size ? ALIGN_UP(stack_size, PAGE_SIZE) : LX_SHSTK_SIZE;
	long addr = alloc_shstk(0, size, 0, false);
	if (addr < 0)
		return addr;
	t->shstk_base = (u64)addr;
	t->shstk_size = size;
	/* An empty stack of its own: the thread starts with nothing to return through. */
	cet_task_set(&t->cet, cet_task_u_cet(&t->cet), (u64)addr + size);
	return 0;
}

void lx_force_cet(struct task *t, bool shstk, bool ibt)
{
	struct task *self = current;
	u64 u_cet = 0, ssp = 0;

	if (shstk && cet_shstk_available()) {
		/* alloc_shstk works on the current task's process: borrow it. */
		struct lx_proc *mine = self->lx.proc;
		u64 cr3 = read_cr3();
		self->lx.proc = t->lx.proc;
		write_cr3(virt_to_phys(t->mm->pml4));
		long addr = alloc_shstk(0, LX_SHSTK_SIZE, 0, false);
		write_cr3(cr3);
		self->lx.proc = mine;
		if (addr > 0) {
			t->shstk_base = (u64)addr;
			t->shstk_size = LX_SHSTK_SIZE;
			t->shstk_features |= ARCH_SHSTK_SHSTK;
			u_cet |= CET_SH_STK_EN;
			ssp = (u64)addr + LX_SHSTK_SIZE;
		}
	}
	if (ibt && cpu.ibt)
		u_cet |= CET_ENDBR_EN;
	if (u_cet)
		cet_task_set(&t->cet, u_cet, ssp);
	diag("%s: asked for%s%s before start; turned on:%s%s%s", t->proc->prog->name,
	     shstk ? " shadow stack" : "", ibt ? " IBT" : "",
	     u_cet & CET_SH_STK_EN ? " shadow stack" : "", u_cet & CET_ENDBR_EN ? " IBT" : "",
	     u_cet ? "" : " nothing (the CPU lacks it)");
}

static const char *const cp_meaning[] = {
	"?",
	"near RET: the return address on the stack is not the one on the shadow stack",
	"far RET/IRET: the shadow-stack frame does not match",
	"ENDBRANCH: an indirect CALL/JMP landed on an instruction other than ENDBR64",
	"RSTORSSP: no valid restore token at the target",
	"SETSSBSY: the supervisor token is busy or invalid",
};

static bool peek(u64 va, u64 *val)
{
	return !copy_from_user(val, va, 8);
}

void lx_cet_report(const struct trap_frame *f, u64 cr2)
{
	struct task *t = current;
	const char *name = t->proc->prog->name;
	u64 ssp = cet_path != CET_PATH_NONE ? rdmsr(MSR_IA32_PL3_SSP) : 0;

	if (f->vector == X86_EXC_CP) {
		u64 code = f->error_code & 0x7fff;
		diag("cet-fault: %s[%u]: #CP error code %lu (%s)%s", name, t->id, code,
		     code < ARRAY_SIZE(cp_meaning) ? cp_meaning[code] : "unknown",
		     f->error_code & CP_EC_ENCL ? " in an enclave" : "");
	} else {
		diag("cet-fault: %s[%u]: #PF with the SS bit, error 0x%lx, address 0x%lx: a shadow-stack "
		     "access to %s", name, t->id, f->error_code, cr2,
		     f->error_code & PF_EC_P ? "memory that is not a shadow stack"
					     : "an unmapped page (a guard gap or overflow)");
	}
	diag("cet-fault: rip 0x%lx ssp 0x%lx rsp 0x%lx", f->rip, ssp, f->rsp);
	if (!ssp)
		return;
	diag("cet-fault:   shadow stack            normal stack");
	for (int i = 0; i < 6; i++) {
		u64 s = 0, n = 0;
		bool hs = peek(ssp + 8 * i, &s), hn = peek(f->rsp + 8 * i, &n);
		char sbuf[24], nbuf[24];
		snprintf(sbuf, sizeof(sbuf), hs ? "0x%lx" : "--", s);
		snprintf(nbuf, sizeof(nbuf), hn ? "0x%lx" : "--", n);
		diag("cet-fault:   [ssp+%2d] %-18s [rsp+%2d] %-18s%s", 8 * i, sbuf, 8 * i, nbuf,
		     i == 0 && f->vector == X86_EXC_CP && (f->error_code & 0x7fff) == CP_EC_NEAR_RET &&
				     hs && hn && s != n
			     ? " <- differ"
			     : "");
	}
}
