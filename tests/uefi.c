/*
 * UEFI runtime services: a variable round trip through GetVariable and
 * SetVariable, and the kernel state each call must leave as it found it
 * (CR3, CR4 with CET, IA32_S_CET, the interrupt flag).
 */
#include "errno.h"
#include "kernel/cpu.h"
#include "kernel/efi.h"
#include "lib.h"
#include "test.h"
#include "x86/cpu.h"
#include "x86/msr.h"

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
