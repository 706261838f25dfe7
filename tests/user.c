/* Ring 3: programs run, return, and every fault they take comes back exactly. */
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "test.h"
#include "user/selftest.h"
#include "x86/cpu.h"

#define SELFTEST_GUARD (USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE - 8)

TEST(user_exit_status, "user")
{
	static const long codes[] = { 0, 42, 255, -1 };
	for (unsigned i = 0; i < ARRAY_SIZE(codes); i++) {
		struct uproc p;
		run_user_expect_exit(t, &p, "selftest", ST_EXIT, (u64)codes[i], codes[i]);
		CHECK(t, read_cr3() == virt_to_phys(kernel_pml4), "kernel CR3 not restored");
		uproc_destroy(&p);
	}
}

TEST(user_runs_at_cpl3_in_own_space, "user")
{
	struct uproc p;
	if (uproc_create(&p, "selftest"))
		return test_error(t, "cannot load selftest: %s", p.err);
	u64 entry = p.entry;
	/* The program's pages are user pages in its space, absent from the kernel's. */
	u64 *e = pt_walk(p.pml4, entry, NULL);
	CHECK(t, e && (*e & PTE_U), "entry page not a user page");
	CHECK(t, !pt_walk(kernel_pml4, entry, NULL), "user page visible in the kernel's space");
	CHECK(t, !pt_walk(p.pml4, 0, NULL), "page 0 mapped in the user space");
	uproc_destroy(&p);
	/* A ring-3 UD2 reports CS with RPL 3: proof the program ran at CPL3. */
	struct user_fault_expect f = { "selftest", ST_UD, 0, X86_EXC_UD, 0, "u_ud_rip", NULL, 0 };
	struct uproc q;
	if (uproc_create(&q, "selftest"))
		return test_error(t, "cannot load selftest: %s", q.err);
	if (uproc_run(&q, ST_UD, 0) == UPROC_FAULTED)
		CHECK_EQ(t, q.fault_frame.cs & 3, 3, "CPL of the faulting code");
	else
		test_fail(t, "ud2 did not fault");
	uproc_destroy(&q);
	expect_user_fault(t, &f);
}

TEST(user_write_reaches_console, "user")
{
	struct uproc p;
	if (run_user_expect_exit(t, &p, "selftest", ST_WRITE, 0, 0))
		CHECK(t, !strcmp(p.out, ST_WRITE_TEXT_LINE "\n"), "kernel received '%s'", p.out);
	uproc_destroy(&p);
}

TEST(user_syscall_preserves_registers, "user")
{
	struct uproc p;
	run_user_expect_exit(t, &p, "selftest", ST_SYSCALL_REGS, 0, 0);
	uproc_destroy(&p);
}

TEST(user_page0_unmapped, "user")
{
	struct user_fault_expect e = { "selftest", ST_READ_NULL, 0, X86_EXC_PF, PF_EC_U,
				       "u_read_null_rip", NULL, 0 };
	expect_user_fault(t, &e);
}

TEST(user_write_kernel_memory, "user")
{
	/* Present supervisor pages: kernel data and the direct map. */
	u64 addrs[] = { (u64)__data_start, PHYS_MAP_BASE + KERNEL_PHYS + kernel_phys_offset };
	for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++) {
		struct user_fault_expect e = { "selftest", ST_WRITE_KERNEL, addrs[i], X86_EXC_PF,
					       PF_EC_P | PF_EC_W | PF_EC_U, "u_write_addr_rip",
					       NULL, addrs[i] };
		expect_user_fault(t, &e);
	}
}

TEST(user_read_kernel_text, "user")
{
	u64 va = (u64)__text_start;
	struct user_fault_expect e = { "selftest", ST_READ_KERNEL, va, X86_EXC_PF,
				       PF_EC_P | PF_EC_U, "u_read_addr_rip", NULL, va };
	expect_user_fault(t, &e);
}

TEST(user_exec_nx_data, "user")
{
	if (!cpu.nx)
		return test_skip(t, "%s", cpu_feat_missing(FEAT_NX));
	struct user_fault_expect e = { "selftest", ST_EXEC_NX, 0, X86_EXC_PF,
				       PF_EC_P | PF_EC_U | PF_EC_I, "u_nx_data", "u_nx_data", 0 };
	expect_user_fault(t, &e);
}

TEST(user_write_own_text, "user")
{
	struct user_fault_expect e = { "selftest", ST_WRITE_TEXT, 0, X86_EXC_PF,
				       PF_EC_P | PF_EC_W | PF_EC_U, "u_write_text_rip",
				       "u_write_text", 0 };
	expect_user_fault(t, &e);
}

TEST(user_stack_guard_page, "user")
{
	struct user_fault_expect e = { "selftest", ST_STACK_GUARD, 0, X86_EXC_PF,
				       PF_EC_W | PF_EC_U, "u_write_addr_rip", NULL,
				       SELFTEST_GUARD };
	expect_user_fault(t, &e);
}

TEST(user_ud_invalid_opcode, "user")
{
	struct user_fault_expect e = { "selftest", ST_UD, 0, X86_EXC_UD, 0, "u_ud_rip", NULL, 0 };
	expect_user_fault(t, &e);
}

TEST(user_int3_breakpoint, "user")
{
	/* The #BP gate has DPL3, so INT3 from ring 3 is a #BP, reported after the INT3. */
	struct user_fault_expect e = { "selftest", ST_INT3, 0, X86_EXC_BP, 0, "u_int3_next",
				       NULL, 0 };
	expect_user_fault(t, &e);
}

TEST(user_int_through_dpl0_gate, "user")
{
	/* INT 0x20 from CPL3 through a DPL0 gate: #GP with the IDT bit and the vector. */
	struct user_fault_expect e = { "selftest", ST_INT_GATE, 0, X86_EXC_GP,
				       (0x20 << 3) | SEL_EC_IDT, "u_int_gate_rip", NULL, 0 };
	expect_user_fault(t, &e);
}

TEST(user_hlt_is_privileged, "user")
{
	struct user_fault_expect e = { "selftest", ST_HLT, 0, X86_EXC_GP, 0, "u_hlt_rip", NULL,
				       0 };
	expect_user_fault(t, &e);
}

TEST(user_umip_sgdt, "user")
{
	if (!cpu.umip)
		return test_skip(t, "%s", cpu_feat_missing(FEAT_UMIP));
	struct user_fault_expect e = { "selftest", ST_SGDT, 0, X86_EXC_GP, 0, "u_sgdt_rip", NULL,
				       0 };
	expect_user_fault(t, &e);
}
