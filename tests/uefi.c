/*
 * UEFI runtime services: the call path itself, with a stand-in service on
 * every platform (the Microsoft x64 convention, and interrupts and CET off
 * for the call, restored after), and a variable round trip through the
 * real GetVariable and SetVariable where firmware provides them.
 */
#include "errno.h"
#include "kernel/cpu.h"
#include "kernel/platform/efi.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "test.h"
#include "x86/cet.h"
#include "x86/cpu.h"
#include "x86/msr.h"

/* tests/uefi_probe.asm */
u64 uefi_probe(void);
extern struct {
	u64 args[6], rsp, cr3, cr4, rflags, s_cet;
} uefi_probe_seen;
extern u64 uefi_probe_read_s_cet;

#define UEFI_TEST_VAR "CetbedSelfTest"

struct uefi_state {
	u64 cr3, cr4, s_cet, rflags_if;
};

static void uefi_state(struct uefi_state *s)
{
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	s->s_cet = cpu.shstk || cpu.ibt ? rdmsr(MSR_IA32_S_CET) : 0;
	s->rflags_if = read_rflags() & X86_RFLAGS_IF;
}

static void uefi_check_state(struct test_case_run *t, const struct uefi_state *before,
			     const char *after)
{
	struct uefi_state now;

	uefi_state(&now);
	if (now.cr3 != before->cr3 || now.cr4 != before->cr4 || now.s_cet != before->s_cet ||
	    now.rflags_if != before->rflags_if)
		test_fail(t, "after %s: cr3 %lx cr4 %lx s_cet %lx if %lx; before: %lx %lx %lx %lx",
			  after, now.cr3, now.cr4, now.s_cet, now.rflags_if, before->cr3,
			  before->cr4, before->s_cet, before->rflags_if);
}

TEST(uefi_call_convention_cet_off, "uefi")
{
	static const u64 args[6] = { 0x1111111111111101, 0x2222222222222202, 0x3333333333333303,
				     0x4444444444444404, 0x5555555555555505, 0x6666666666666606 };
	bool has_cet = cpu.shstk || cpu.ibt;
	struct uefi_state before;
	u64 ret = 0;

	/*
	 * IA32_S_CET must come back whole after the call, with WR_SHSTK_EN
	 * added for the test (it only permits WRSS at CPL0) beside whatever
	 * the kernel runs with (SH_STK_EN, ENDBR_EN).
	 */
	u64 s_cet = has_cet ? rdmsr(MSR_IA32_S_CET) : 0;
	if (cpu.shstk)
		wrmsr(MSR_IA32_S_CET, s_cet | CET_WR_SHSTK_EN);
	uefi_probe_read_s_cet = has_cet;
	memset(&uefi_probe_seen, 0, sizeof(uefi_probe_seen));
	asm volatile("sti" ::: "memory");
	uefi_state(&before);
	bool called = efi_call_probe((u64)uefi_probe, args, &ret);
	uefi_check_state(t, &before, "the stand-in call");
	cli();
	if (cpu.shstk)
		wrmsr(MSR_IA32_S_CET, s_cet);
	if (!CHECK(t, called, "no runtime address space to call through"))
		return;

	CHECK_EQ(t, ret, ~args[0], "result in rax");
	static const char *const where[6] = { "rcx", "rdx", "r8", "r9", "[rsp+40]", "[rsp+48]" };
	for (int i = 0; i < 6; i++)
		CHECK(t, uefi_probe_seen.args[i] == args[i], "argument %d arrived in %s as 0x%lx",
		      i + 1, where[i], uefi_probe_seen.args[i]);
	/* The call pushed the return address onto a 16-byte aligned rsp. */
	CHECK_EQ(t, uefi_probe_seen.rsp & 15, 8, "rsp mod 16 at entry");
	CHECK(t, uefi_probe_seen.rsp < USER_TOP, "not on the firmware stack: rsp 0x%lx",
	      uefi_probe_seen.rsp);
	CHECK_EQ(t, uefi_probe_seen.cr3, efi_space_phys(), "cr3 during the call");
	CHECK_EQ(t, uefi_probe_seen.cr4 & X86_CR4_CET, 0, "CR4.CET during the call");
	CHECK_EQ(t, uefi_probe_seen.s_cet, 0, "IA32_S_CET during the call");
	CHECK_EQ(t, uefi_probe_seen.rflags & (X86_RFLAGS_IF | X86_RFLAGS_DF), 0,
		 "IF and DF during the call");
	if (before.cr4 & X86_CR4_CET)
		diag("uefi: CR4.CET (and IA32_S_CET 0x%lx) cleared for the call and restored",
		     before.s_cet);
}

TEST(uefi_variable_roundtrip, "uefi")
{
	static const char data[] = "cetbed self-test \x01\xff";
	struct uefi_state before;
	char buf[64];
	size_t len;

	if (!efi_available()) {
		test_skip(t, "no UEFI runtime services (BIOS or multiboot1 boot)");
		return;
	}
	/*
	 * The kernel runs with interrupts off; the first call is made with
	 * them on (a timer tick in kernel mode only counts), so that a call
	 * that failed to give back IF shows.
	 */
	asm volatile("sti" ::: "memory");
	uefi_state(&before);
	int err = efi_var_set(UEFI_TEST_VAR, data, sizeof(data) - 1);
	uefi_check_state(t, &before, "SetVariable");
	cli();
	CHECK(t, !err, "SetVariable %s: %d", UEFI_TEST_VAR, err);
	uefi_state(&before);

	len = sizeof(buf);
	err = efi_var_get(UEFI_TEST_VAR, buf, &len);
	uefi_check_state(t, &before, "GetVariable");
	if (CHECK(t, !err, "GetVariable: %d", err) &&
	    CHECK_EQ(t, len, sizeof(data) - 1, "GetVariable size"))
		CHECK(t, !memcmp(buf, data, len), "GetVariable returned other bytes");

	/* Too small a buffer: EFI_BUFFER_TOO_SMALL, and the size it needs. */
	len = 4;
	err = efi_var_get(UEFI_TEST_VAR, buf, &len);
	CHECK_EQ(t, err, -E2BIG, "GetVariable into 4 bytes");
	CHECK_EQ(t, len, sizeof(data) - 1, "size reported with EFI_BUFFER_TOO_SMALL");

	/* Size 0 deletes; afterwards it is EFI_NOT_FOUND. */
	err = efi_var_set(UEFI_TEST_VAR, NULL, 0);
	CHECK(t, !err, "deleting %s: %d", UEFI_TEST_VAR, err);
	len = sizeof(buf);
	err = efi_var_get(UEFI_TEST_VAR, buf, &len);
	CHECK_EQ(t, err, -ENOENT, "GetVariable after the delete");
	CHECK(t, efi_available(), "runtime services were lost during the test");
}

/* The runtime address space maps each attributes-table entry as it says. */
TEST(uefi_runtime_pages_follow_mat, "uefi")
{
	struct {
		u32 type, pad;
		u64 phys, virt, pages, attr;
	} const *m;
	unsigned nr, size, checked = 0;

	if (!efi_available()) {
		test_skip(t, "no UEFI runtime services (BIOS or multiboot1 boot)");
		return;
	}
	const u8 *d = efi_mat_find(&nr, &size);
	if (!d) {
		test_skip(t, "firmware publishes no EFI Memory Attributes Table");
		return;
	}
	u64 *pml4 = phys_to_virt(efi_space_phys());
	for (unsigned i = 0; i < nr; i++, d += size) {
		m = (const void *)d;
		int level;
		u64 *pte = pt_walk(pml4, m->phys, &level);
		if (!pte)
			continue; /* outside the runtime regions: not mapped at all */
		checked++;
		CHECK(t, level == 1, "entry %u at 0x%lx mapped by a level-%d page", i, m->phys, level);
		CHECK(t, !(*pte & PTE_W) == !!(m->attr & BIT(17)),
		      "entry %u at 0x%lx: attributes 0x%lx, PTE 0x%lx (RO vs W)", i, m->phys,
		      m->attr, *pte);
		CHECK(t, !(*pte & PTE_NX) == !(m->attr & BIT(14) && mm_nx()),
		      "entry %u at 0x%lx: attributes 0x%lx, PTE 0x%lx (XP vs NX)", i, m->phys,
		      m->attr, *pte);
	}
	CHECK(t, checked, "none of the table's %u entries is mapped", nr);
}
