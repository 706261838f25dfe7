/*
 * User copies: the range must lie in the user half, and the copy itself runs
 * with SMAP opened (STAC, where SMAP is enumerated) under a fault catch, so
 * an unmapped or read-only user page turns into -EFAULT.
 */
#include "errno.h"
#include "fault.h"
#include "kernel/cpu.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/usercopy.h"
#include "syscall.h"
#include "x86/cpu.h"
#include "x86/paging.h"

struct copy {
	void *dst;
	const void *src;
	size_t n;
};

bool user_range_ok(u64 uaddr, size_t n)
{
	if (!(uaddr >= USER_BASE && n <= USER_TOP && uaddr <= USER_TOP - n))
		return false;
	/*
	 * The legacy bitmap's supervisor pages lie in the user half, and CPL0
	 * may write them even with SMAP on: a copy there would let ring 3
	 * exempt pages from IBT through the kernel.
	 */
	return uaddr + n <= LEGACY_BITMAP_BASE || uaddr >= LEGACY_BITMAP_BASE + LEGACY_BITMAP_SIZE;
}

static void do_copy(void *arg)
{
	struct copy *c = arg;

	/* STAC and CLAC are #UD without SMAP; nothing to open then. */
	if (cpu.smap)
		stac();
	memcpy(c->dst, c->src, c->n);
	if (cpu.smap)
		clac();
}

static int copy_checked(struct copy *c)
{
	struct fault_catch fc;
	/* The saved flags have AC clear, so a fault also closes SMAP again. */
	if (!fault_catch_call(&fc, do_copy, c))
		return 0;
	/* Only #PF is expected here; anything else is worth seeing in the log. */
	if (fc.info.vector != X86_EXC_PF)
		diag("usercopy: unexpected %s at rip 0x%lx", x86_vector_name(fc.info.vector),
		     fc.info.rip);
	return -EFAULT;
}

int copy_from_user(void *dst, u64 usrc, size_t n)
{
	if (!user_range_ok(usrc, n))
		return -EFAULT;
	struct copy c = { dst, (const void *)usrc, n };
	return copy_checked(&c);
}

int copy_to_user(u64 udst, const void *src, size_t n)
{
	if (!user_range_ok(udst, n))
		return -EFAULT;
	struct copy c = { (void *)udst, src, n };
	return copy_checked(&c);
}
