/* Exceptions are caught with the right vector, error code, rip and cr2. */
#include "lib.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "probes.h"
#include "test.h"
#include "fault.h"
#include "x86/paging.h"

/* Far from every stack in the stack region, and never mapped. */
#define UNMAPPED_KERNEL_VA (KSTACK_REGION + KSTACK_REGION_SIZE - 0x10000)

TEST(exc_de_divide_error, "exc")
{
	struct fault_expect e = { X86_EXC_DE, 0, (u64)kp_div0_rip, 0 };
	expect_kernel_fault(t, kp_div0, NULL, &e);
}

TEST(exc_ud_invalid_opcode, "exc")
{
	struct fault_expect e = { X86_EXC_UD, 0, (u64)kp_ud_rip, 0 };
	expect_kernel_fault(t, kp_ud, NULL, &e);
}

TEST(exc_bp_reports_next_rip, "exc")
{
	/* #BP is a trap: the reported rip is the instruction after INT3. */
	struct fault_expect e = { X86_EXC_BP, 0, (u64)kp_int3_next, 0 };
	expect_kernel_fault(t, kp_int3, NULL, &e);
}

TEST(exc_gp_noncanonical, "exc")
{
	struct fault_expect e = { X86_EXC_GP, 0, (u64)kp_read_rip, 0 };
	expect_kernel_fault(t, kp_read, (void *)0x0000800000000000UL, &e);
	expect_kernel_fault(t, kp_read, (void *)0xffff7ffffffffff8UL, &e);
}

TEST(exc_gp_selector_error_code, "exc")
{
	/* Beyond the GDT limit: the error code is the selector (RPL dropped). */
	struct fault_expect gdt = { X86_EXC_GP, 0x1238, (u64)kp_load_fs_rip, 0 };
	expect_kernel_fault(t, kp_load_fs, (void *)0x123bUL, &gdt);
	/* TI=1 with no LDT loaded: the error code keeps the TI bit. */
	struct fault_expect ldt = { X86_EXC_GP, 0x000c, (u64)kp_load_fs_rip, 0 };
	expect_kernel_fault(t, kp_load_fs, (void *)0x000cUL, &ldt);
}

TEST(exc_pf_not_present, "exc")
{
	u64 va = UNMAPPED_KERNEL_VA;
	struct fault_expect rd = { X86_EXC_PF, 0, (u64)kp_read_rip, va };
	expect_kernel_fault(t, kp_read, (void *)va, &rd);
	struct fault_expect wr = { X86_EXC_PF, PF_EC_W, (u64)kp_write_zero_rip, va };
	expect_kernel_fault(t, kp_write_zero, (void *)va, &wr);
}

TEST(exc_pf_write_kernel_text, "exc")
{
	/* Kernel text is read-only to the kernel too (CR0.WP). */
	u64 va = (u64)__text_start + 0x40;
	struct fault_expect e = { X86_EXC_PF, PF_EC_P | PF_EC_W, (u64)kp_rewrite_rip, va };
	expect_kernel_fault(t, kp_rewrite, (void *)va, &e);
}

TEST(exc_pf_write_kernel_rodata, "exc")
{
	u64 va = (u64)__rodata_start + 0x80;
	struct fault_expect e = { X86_EXC_PF, PF_EC_P | PF_EC_W, (u64)kp_rewrite_rip, va };
	expect_kernel_fault(t, kp_rewrite, (void *)va, &e);
}

static void nested_inner(void *arg)
{
	struct fault_catch *inner = arg;
	/* The inner catch takes this fault; the outer one must stay armed. */
	if (!fault_catch_call(inner, kp_ud, NULL))
		return;
	kp_div0(NULL);
}

TEST(exc_catch_nesting, "exc")
{
	struct fault_catch outer, inner;
	bool faulted = fault_catch_call(&outer, nested_inner, &inner);

	CHECK(t, faulted, "the outer catch saw no fault");
	CHECK_EQ(t, inner.info.vector, X86_EXC_UD, "inner catch vector");
	CHECK_EQ(t, outer.info.vector, X86_EXC_DE, "outer catch vector");
	CHECK_EQ(t, outer.info.rip, (u64)kp_div0_rip, "outer catch rip");
}

/* Whether the "(...)" part of a fault description is exactly `want`. */
static bool described_as(u64 vector, u64 ec, const char *want, char *got, size_t size)
{
	struct fault_info fi = { .vector = vector, .error_code = ec };
	char expect[48];

	trap_describe(&fi, got, size);
	snprintf(expect, sizeof(expect), "(%s)", want);
	for (const char *p = got; *p; p++)
		if (!strncmp(p, expect, strlen(expect)))
			return true;
	return false;
}

/* #CP error codes as the log names them: the SDM's names, ENCL from bit 15. */
TEST(exc_cp_error_code_names, "exc")
{
	static const struct {
		u64 ec;
		const char *name;
	} codes[] = {
		{ 1, "NEAR-RET" },	   { 2, "FAR-RET/IRET" },   { 3, "ENDBRANCH" },
		{ 4, "RSTORSSP" },	   { 5, "SETSSBSY" },	    { 0x8001, "NEAR-RET ENCL" },
		{ 0x8003, "ENDBRANCH ENCL" }, { 6, "?" },	    { 0, "?" },
	};
	char got[160];

	for (unsigned i = 0; i < ARRAY_SIZE(codes); i++)
		CHECK(t, described_as(X86_EXC_CP, codes[i].ec, codes[i].name, got, sizeof(got)),
		      "#CP error 0x%lx described as '%s', expected '(%s)'", codes[i].ec, got,
		      codes[i].name);
}
