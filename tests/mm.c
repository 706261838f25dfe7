/*
 * The kernel's own mappings: unmapped page 0, NX, guard pages, SMEP, SMAP, WP,
 * frames, device memory.
 */
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "kernel/uproc.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/iomap.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "probes.h"
#include "test.h"
#include "user/selftest.h"
#include "x86/cpu.h"
#include "x86/msr.h"

extern u64 kernel_stack_top;

/* A RET in NX memory: reaching it would mean NX is not enforced. */
static u8 nx_data_ret[16] = { 0xc3 };

TEST(mm_page0_unmapped, "mm")
{
	CHECK(t, !pt_walk(kernel_pml4, 0, NULL), "page 0 is mapped in the kernel's page tables");
	struct fault_expect e = { X86_EXC_PF, 0, (u64)kp_read_rip, 0 };
	expect_kernel_fault(t, kp_read, NULL, &e);
	e.cr2 = 0xff8;
	expect_kernel_fault(t, kp_read, (void *)0xff8UL, &e);
}

TEST(mm_nx_kernel_data, "mm")
{
	if (!cpu.nx)
		return test_skip(t, "%s", cpu_feat_missing(FEAT_NX));
	u8 stack_ret[16] = { 0xc3 };
	u64 targets[] = { (u64)nx_data_ret, (u64)stack_ret,
			  /* the direct-map alias of kernel text */
			  (u64)phys_to_virt(virt_to_phys(__text_start)) };
	for (unsigned i = 0; i < ARRAY_SIZE(targets); i++) {
		struct fault_expect e = { X86_EXC_PF, PF_EC_P | PF_EC_I, targets[i], targets[i] };
		expect_kernel_fault(t, kp_call, (void *)targets[i], &e);
	}
}

TEST(mm_kernel_sections_permissions, "mm")
{
	struct {
		const char *name;
		u64 va, set, clear;
	} want[] = {
		{ "text", (u64)__text_start, PTE_P, PTE_W | PTE_U | PTE_NX },
		{ "rodata", (u64)__rodata_start, PTE_P | mm_nx(), PTE_W | PTE_U },
		{ "data", (u64)__data_start, PTE_P | PTE_W | mm_nx(), PTE_U },
		{ "bss", (u64)__bss_start, PTE_P | PTE_W | mm_nx(), PTE_U },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		int level;
		u64 *e = pt_walk(kernel_pml4, want[i].va, &level);
		if (!CHECK(t, e, "%s is not mapped", want[i].name))
			continue;
		CHECK(t, level == 1, "%s mapped with a large page", want[i].name);
		CHECK(t, (*e & want[i].set) == want[i].set && !(*e & want[i].clear),
		      "%s PTE 0x%lx", want[i].name, *e);
	}
}

TEST(mm_kernel_stack_guard, "mm")
{
	u64 guard = kstack_guard(kernel_stack_top);
	u64 rsp;
	asm volatile("mov %%rsp, %0" : "=r"(rsp));

	CHECK(t, rsp <= kernel_stack_top && rsp > guard + PAGE_SIZE,
	      "rsp 0x%lx is not on the kernel stack (top 0x%lx)", rsp, kernel_stack_top);
	CHECK(t, !pt_walk(kernel_pml4, guard, NULL), "kernel stack guard 0x%lx is mapped", guard);
	CHECK(t, pt_walk(kernel_pml4, guard + PAGE_SIZE, NULL), "lowest stack page unmapped");
	CHECK(t, !pt_walk(kernel_pml4, (u64)boot_stack_guard, NULL), "boot stack guard is mapped");
	u64 va = guard + PAGE_SIZE - 8;
	struct fault_expect e = { X86_EXC_PF, 0, (u64)kp_read_rip, va };
	expect_kernel_fault(t, kp_read, (void *)va, &e);

	/* A fresh stack has its guard too, and freeing unmaps it. */
	u64 top = kstack_alloc();
	if (!top)
		return test_error(t, "kstack_alloc failed");
	CHECK(t, !pt_walk(kernel_pml4, kstack_guard(top), NULL), "new stack's guard is mapped");
	kstack_free(top);
	CHECK(t, !pt_walk(kernel_pml4, top - 8, NULL), "freed stack still mapped");
}

/* Loads a user address space so the kernel can touch user pages. */
static bool enter_user_space(struct test_case_run *t, struct uproc *p)
{
	if (uproc_create(p, "selftest")) {
		test_error(t, "cannot load selftest: %s", p->err);
		return false;
	}
	write_cr3(virt_to_phys(p->pml4));
	return true;
}

static void leave_user_space(struct uproc *p)
{
	write_cr3(virt_to_phys(kernel_pml4));
	uproc_destroy(p);
}

TEST(mm_smep_kernel_exec_user, "mm")
{
	struct uproc p;

	if (!cpu.smep)
		return test_skip(t, "%s", cpu_feat_missing(FEAT_SMEP));
	CHECK(t, read_cr4() & X86_CR4_SMEP, "CR4.SMEP is clear");
	if (!enter_user_space(t, &p))
		return;
	u64 target = uproc_symbol(&p, "u_int3");
	/* A supervisor instruction fetch: U clear, I set. */
	struct fault_expect e = { X86_EXC_PF, PF_EC_P | PF_EC_I, target, target };
	expect_kernel_fault(t, kp_call, (void *)target, &e);
	leave_user_space(&p);
}

TEST(mm_smap_kernel_read_user, "mm")
{
	struct uproc p;

	if (!cpu.smap)
		return test_skip(t, "%s", cpu_feat_missing(FEAT_SMAP));
	CHECK(t, read_cr4() & X86_CR4_SMAP, "CR4.SMAP is clear");
	if (!enter_user_space(t, &p))
		return;
	u64 va = uproc_symbol(&p, "u_nx_data");
	struct fault_expect e = { X86_EXC_PF, PF_EC_P, (u64)kp_read_rip, va };
	expect_kernel_fault(t, kp_read, (void *)va, &e);
	/* Control: with RFLAGS.AC set the same read is allowed. */
	struct fault_catch c;
	CHECK(t, !fault_catch_call(&c, kp_read_stac, (void *)va), "read with STAC faulted");
	leave_user_space(&p);
}

TEST(mm_wp_kernel_write_user_readonly, "mm")
{
	struct uproc p;

	/* CR0.WP: even the kernel (with SMAP opened) cannot write read-only user pages. */
	CHECK(t, read_cr0() & X86_CR0_WP, "CR0.WP is clear");
	if (!enter_user_space(t, &p))
		return;
	u64 va = uproc_symbol(&p, "u_ud");
	/* Without SMAP there is no STAC to execute, and none needed. */
	u64 rip = cpu.smap ? (u64)kp_rewrite_stac_rip : (u64)kp_rewrite_rip;
	struct fault_expect e = { X86_EXC_PF, PF_EC_P | PF_EC_W, rip, va };
	expect_kernel_fault(t, cpu.smap ? kp_rewrite_stac : kp_rewrite, (void *)va, &e);
	leave_user_space(&p);
}

TEST(mm_frame_alloc_free, "mm")
{
	u64 frames[16], before = frame_free_count();

	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++) {
		frames[i] = frame_alloc();
		if (!frames[i])
			return test_error(t, "out of frames");
		const u64 *p = phys_to_virt(frames[i]);
		for (unsigned k = 0; k < PAGE_SIZE / 8; k++)
			if (p[k])
				return test_fail(t, "frame 0x%lx not zeroed", frames[i]);
		for (unsigned j = 0; j < i; j++)
			CHECK(t, frames[j] != frames[i], "frame 0x%lx handed out twice", frames[i]);
		CHECK(t, frames[i] >= (1UL << 20), "frame 0x%lx is in low memory", frames[i]);
	}
	CHECK_EQ(t, frame_free_count(), before - ARRAY_SIZE(frames), "free frames after alloc");
	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++)
		frame_free(frames[i]);
	CHECK_EQ(t, frame_free_count(), before, "free frames after free");
}

TEST(mm_user_runs_leak_no_frames, "mm")
{
	u64 before = frame_free_count();

	for (int i = 0; i < 10; i++) {
		struct uproc p;
		bool ok = run_user_expect_exit(t, &p, "selftest", ST_EXIT, i, i);
		uproc_destroy(&p);
		if (!ok)
			return;
		/* A faulting run must clean up as well. */
		struct user_fault_expect f = { "selftest", ST_UD, 0, X86_EXC_UD, 0, "u_ud_rip",
					       NULL, 0 };
		if (!expect_user_fault(t, &f))
			return;
	}
	CHECK_EQ(t, frame_free_count(), before, "free frames after 20 user runs");
}

/*
 * Device memory, e.g. a framebuffer above 4 GiB, outside the direct map:
 * its own region, NX, write-combining through PAT entry 1 (uncached without
 * a PAT), 2 MiB pages where the physical range allows.  Nothing is at the
 * address, so only the page tables are looked at, never the memory.
 */
TEST(mm_iomap_above_4g, "mm")
{
	const u64 pa = 0x4000000000UL + LARGE_PAGE_SIZE - PAGE_SIZE + 0x123;
	const u64 size = 3 * LARGE_PAGE_SIZE;
	const u64 base = ALIGN_DOWN(pa, PAGE_SIZE), end = ALIGN_UP(pa + size, PAGE_SIZE);
	bool pat = cpu.pat;
	u64 cache = pat ? PTE_PWT : PTE_PCD | PTE_PWT;
	u64 want = PTE_P | PTE_W | PTE_G | cache | mm_nx();
	u64 mask = PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX;
	const char *how;

	u8 *va = iomap_map(pa, size, IOMAP_WC, &how);
	if (!CHECK(t, va, "iomap_map(0x%lx, 0x%lx) failed", pa, size))
		return;
	CHECK(t, (u64)va >= IOMAP_REGION && (u64)va < IOMAP_REGION + IOMAP_REGION_SIZE,
	      "mapped at 0x%lx, outside the device region", (u64)va);
	CHECK_EQ(t, (u64)va & (PAGE_SIZE - 1), pa & (PAGE_SIZE - 1), "offset within the page");
	u64 va_base = (u64)va - (pa - base);
	unsigned small = 0, large = 0;
	for (u64 p = base; p < end; p += PAGE_SIZE) {
		int level;
		u64 v = va_base + (p - base);
		u64 *e = pt_walk(kernel_pml4, v, &level);
		if (!CHECK(t, e, "0x%lx (for 0x%lx) is not mapped", v, p))
			return;
		u64 got = level == 2 ? pte_addr(*e) + (v & (LARGE_PAGE_SIZE - 1)) : pte_addr(*e);
		/* One page's mismatch says it all; the rest would repeat it. */
		if (!CHECK_EQ(t, got, p, "physical address") ||
		    !CHECK_EQ(t, *e & mask, want, "entry flags"))
			return;
		if (level == 2)
			large += !(v & (LARGE_PAGE_SIZE - 1));
		else
			small++;
	}
	/* One 4 KiB page up to the 2 MiB boundary, then three 2 MiB pages. */
	CHECK_EQ(t, small, 1, "4 KiB pages");
	CHECK_EQ(t, large, 3, "2 MiB pages");
	CHECK(t, !pt_walk(kernel_pml4, va_base + (end - base), NULL),
	      "the page after the mapping is mapped");
	if (pat)
		CHECK_EQ(t, (rdmsr(MSR_IA32_PAT) >> 8) & 0xff, PAT_WC, "PAT entry 1");
	CHECK(t, !strcmp(how, pat ? "write-combining" : "uncached"), "memory type '%s'", how);
}
