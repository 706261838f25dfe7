#!/usr/bin/env python3
"""Shows that the in-kernel tests can fail: each mutant injects one bug into a
scratch copy of the tree, boots it on QEMU (-kernel) with only the tests
meant to catch that bug selected (tests=...), and checks that each of them
reports `not ok`.

usage: tools/mutants.py [--bochs3-root DIR] [NAME...]   (default: every mutant)

Mutants of CET code run on Bochs (the harness's `bochs` platform, or
bochs3-tigerlake for the XSAVES path), those of UEFI runtime calls on
qemu-uefi, the rest on QEMU -kernel, which is faster.  A mutant whose
platform is "check:COMMAND" breaks a rule a host-side check owns (the verdict
screen's layout, what other parsers read): COMMAND runs in the mutated tree
after the build and must exit with status 1.  Exit status 0 when every mutant is caught.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (file, old text, new text, tests that must fail[, platform])
# (only the tests that must fail are booted, so opt-in tests work too)
MUTANTS = {
    "fault-ec-compare": ("tests/check.c", "got->error_code == want->error_code",
                         "got->error_code == (want->error_code ^ 0x8000)",
                         ["exc_de_divide_error", "exc_ud_invalid_opcode", "exc_bp_reports_next_rip",
                          "exc_gp_noncanonical", "exc_gp_selector_error_code", "exc_pf_not_present",
                          "exc_pf_write_kernel_text", "exc_pf_write_kernel_rodata",
                          "mm_page0_unmapped", "mm_nx_kernel_data", "mm_kernel_stack_guard",
                          "mm_smep_kernel_exec_user", "mm_smap_kernel_read_user",
                          "mm_wp_kernel_write_user_readonly", "mm_user_runs_leak_no_frames",
                          "user_runs_at_cpl3_in_own_space", "user_page0_unmapped",
                          "user_write_kernel_memory", "user_read_kernel_text", "user_exec_nx_data",
                          "user_write_own_text", "user_stack_guard_page", "user_ud_invalid_opcode",
                          "user_int3_breakpoint", "user_hlt_is_privileged", "user_umip_sgdt"]),
    "fault-rip-compare": ("tests/check.c", "got->rip == want->rip", "got->rip == want->rip + 1",
                          ["exc_de_divide_error", "user_page0_unmapped", "mm_smep_kernel_exec_user"]),
    "fault-cr2-compare": ("tests/check.c", "got->cr2 == want->cr2", "got->cr2 == want->cr2 + 8",
                          ["exc_pf_not_present", "user_page0_unmapped", "mm_page0_unmapped"]),
    # Any real bug in the catch chain takes the whole run down (the runner
    # itself relies on it), so this one flips the test's own expectation.
    "catch-nesting": ("tests/exc.c", "CHECK_EQ(t, inner.info.vector, X86_EXC_UD",
                      "CHECK_EQ(t, inner.info.vector, X86_EXC_DE", ["exc_catch_nesting"]),
    "rodata-writable": ("mm/kmap.c", "map_section(__rodata_start, __rodata_end, PTE_G | mm_nx());",
                        "map_section(__rodata_start, __rodata_end, PTE_W | PTE_G | mm_nx());",
                        ["exc_pf_write_kernel_rodata", "mm_kernel_sections_permissions"]),
    "data-executable": ("mm/kmap.c", "map_section(__data_start, __data_end, PTE_W | PTE_G | mm_nx());",
                        "map_section(__data_start, __data_end, PTE_W | PTE_G);",
                        ["mm_nx_kernel_data", "mm_kernel_sections_permissions"]),
    "page0-mapped": ("mm/kmap.c", "	write_cr3(virt_to_phys(kernel_pml4));\n	frame_set_limit",
                     "	pt_map(kernel_pml4, 0, 0, mm_nx());\n	write_cr3(virt_to_phys(kernel_pml4));\n	frame_set_limit",
                     ["mm_page0_unmapped"]),
    "kstack-guard-mapped": ("mm/kmap.c", "base = kstack_cursor + PAGE_SIZE; /* the page below stays unmapped */",
                            "base = kstack_cursor + PAGE_SIZE; pt_map(kernel_pml4, kstack_cursor, frame_alloc(), PTE_W | mm_nx());",
                            ["mm_kernel_stack_guard"]),
    "no-smep": ("kernel/cpu.c", "cr4 |= X86_CR4_SMEP;", "(void)0;", ["mm_smep_kernel_exec_user"]),
    "no-smap": ("kernel/cpu.c", "cr4 |= X86_CR4_SMAP;", "(void)0;",
                ["mm_smap_kernel_read_user"]),
    "no-umip": ("kernel/cpu.c", "cr4 |= X86_CR4_UMIP;", "(void)0;", ["user_umip_sgdt"]),
    "no-wp": ("kernel/cpu.c", "write_cr0((read_cr0() & ~X86_CR0_EM)",
              "write_cr0((read_cr0() & ~X86_CR0_EM & ~X86_CR0_WP)",
              ["mm_wp_kernel_write_user_readonly", "exc_pf_write_kernel_text",
               "exc_pf_write_kernel_rodata"]),
    "free-count": ("mm/frame.c", "		bit_set(f);\n		nr_free--;", "		bit_set(f);",
                   ["mm_frame_alloc_free"]),
    "leak-owned-frames": ("mm/pt.c", "			if (e & PTE_SW_OWNED)\n				frame_put(pte_addr(e));",
                          "			(void)0;", ["mm_user_runs_leak_no_frames"]),
    "user-nx-ignored": ("kernel/elf.c", "		if (!(ph[i].p_flags & PF_X))\n			flags |= mm_nx();",
                        "", ["user_exec_nx_data"]),
    "user-stack-no-guard": ("kernel/uproc.c", "	if (umem_map(p->mm, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,\n		     USER_STACK_PAGES * PAGE_SIZE,",
                            "	if (umem_map(p->mm, USER_STACK_TOP - (USER_STACK_PAGES + 1) * PAGE_SIZE,\n		     (USER_STACK_PAGES + 1) * PAGE_SIZE,",
                            ["user_stack_guard_page"]),
    "user-text-writable": ("kernel/elf.c", "		if (ph[i].p_flags & PF_W)\n			flags |= PTE_W;",
                           "		flags |= PTE_W;", ["user_write_own_text"]),
    "exit-code": ("kernel/syscall.c", "uproc_exit((long)f->rdi);", "uproc_exit((long)f->rdi + 1);",
                  ["user_exit_status", "mm_user_runs_leak_no_frames"]),
    "write-truncated": ("kernel/syscall.c", "	emit_user_output(uproc_current(), buf, len);",
                        "	emit_user_output(uproc_current(), buf, len ? len - 1 : 0);",
                        ["user_write_reaches_console"]),
    "syscall-clobbers-rbx": ("kernel/entry.asm", "	POP_GPRS\n	add rsp, 16\n	; SYSRET does not",
                             "	POP_GPRS\n	xor ebx, ebx\n	add rsp, 16\n	; SYSRET does not",
                             ["user_syscall_preserves_registers"]),
    "usercopy-no-range-check": ("mm/usercopy.c", "	if (!(uaddr >= USER_BASE && n <= USER_TOP && uaddr <= USER_TOP - n))",
                                "	if (!(uaddr || n))", ["sys_bad_pointers_efault"]),
    "enosys": ("kernel/syscall.c", "		ret = -ENOSYS;", "		ret = 0;",
               ["sys_unknown_number_enosys"]),
    "bp-gate-dpl0": ("kernel/idt.c", "	idt_set(X86_EXC_BP, 3, 0);", "",
                     ["user_int3_breakpoint"]),
    # Shadow stacks: these need a CPU that enforces CET.
    "fault-ec-compare-cet": ("tests/check.c", "got->error_code == want->error_code",
                             "got->error_code == (want->error_code ^ 0x8000)",
                             ["shstk_smashed_return_cp1", "shstk_far_ret_mismatch_cp2",
                              "shstk_rstorssp_bad_token_cp4", "shstk_rstorssp_token_in_normal_page",
                              "shstk_mov_store_faults_without_ss", "shstk_wrss_to_normal_memory_pf_ss",
                              "shstk_call_with_ssp_in_normal_memory", "shstk_incssp_past_top_hits_guard",
                              "shstk_msr_pl3_ssp_checks", "shstk_msr_u_cet_reserved_bits",
                              "shstk_user_supervisor_mismatch", "shstk_longjmp_into_returned_frame_cp1",
                              "shstk_swapcontext_consumed_token_cp4"], "bochs"),
    "wrss-never-enabled": ("cet/shstk.c", "		u_cet |= CET_WR_SHSTK_EN;", "",
                           ["shstk_wrss_write_used_by_ret", "shstk_wrss_needs_wr_shstk_en"], "bochs"),
    # CPU behaviour the kernel cannot break: these flip the test's own check.
    "rdssp-off-check": ("user/shstk.c", "== 0x5a5a5a5a5a5a5a5aUL ? 0 : 1", "!= 0x5a5a5a5a5a5a5a5aUL ? 0 : 1",
                        ["shstk_rdssp_off_keeps_register"]),
    "call-rel0-check": ("user/shstk.c", "return u_call_rel0() == 0 ? 0 : 1;", "return u_call_rel0() == 8 ? 0 : 1;",
                        ["shstk_call_rel0_does_not_push"], "bochs"),
    # setjmp/longjmp and ctx_swap (user/ulib_ctx.asm).
    "longjmp-forgets-r15": ("user/ulib_ctx.asm", "	mov r15, [rdi + JB_R15]\n", "",
                            ["user_longjmp_plain"]),
    "ctx-swap-forgets-rbp": ("user/ulib_ctx.asm", "	mov [rdi + CTX_RBP], rbp\n", "",
                             ["user_swapcontext_plain"]),
    "longjmp-one-incssp": ("user/ulib_ctx.asm", "	cmp rdx, rcx\n	jbe .last", "	jmp .last",
                           ["shstk_longjmp_across_300_frames"], "bochs"),
    "setjmp-ssp-of-callee": ("user/ulib_ctx.asm", "	add rdx, 8", "	add rdx, 0",
                             ["shstk_longjmp_across_300_frames"], "bochs"),
    "longjmp-pops-one-more": ("user/ulib_ctx.asm", "	shr rdx, 3", "	shr rdx, 3\n	inc rdx",
                              ["shstk_longjmp_across_300_frames", "shstk_longjmp_into_returned_frame_cp1"],
                              "bochs"),
    "ctx-token-slot": ("user/ulib_ctx.asm", "	sub rax, 8\n	mov [rdi + CTX_TOKEN], rax",
                       "	sub rax, 16\n	mov [rdi + CTX_TOKEN], rax",
                       ["shstk_swapcontext_ping_pong_1000", "shstk_swapcontext_consumed_token_cp4"],
                       "bochs"),
    "ctx-rstorssp-label": ("user/ulib_ctx.asm", "	mov rcx, [rsi + CTX_TOKEN]\nctx_swap_rstorssp:",
                           "ctx_swap_rstorssp:\n	mov rcx, [rsi + CTX_TOKEN]\n",
                           ["shstk_swapcontext_consumed_token_cp4"], "bochs"),
    # The test's own setup: yielding twice from one depth refreshes the stale slot.
    "stale-worker-same-depth": ("user/ctx.c", "	u_yield_deeper(&worker_ctx[id], &main_ctx);",
                                "	ctx_swap(&worker_ctx[id], &main_ctx);",
                                ["shstk_swapcontext_consumed_token_cp4"], "bochs"),
    # Tasks, fork and copy-on-write.
    "wrprotect-keeps-dirty": ("include/x86/paging.h",
                              "	if (pte & PTE_D)\n		pte = (pte & ~PTE_D) | PTE_SW_SAVED_DIRTY;\n	return pte & ~PTE_W;",
                              "	return pte & ~PTE_W;",
                              ["task_shstk_dirty_page_not_shadow_stack", "task_fork_cow_ptes",
                               "task_mprotect_saves_dirty"], "bochs"),
    # The grouped page-table scan misses every eighth entry: exit leaks
    # those pages, fork leaves them out of the child.
    "pt-scan-skips-eighth": ("include/mm/pt.h", " | t[i + 6] |\n\t\t       t[i + 7])",
                             " | t[i + 6])",
                             ["mm_user_runs_leak_no_frames", "task_preemption_deep_calls"]),
    # The fast preemption tick counted as a whole timer tick: watchdog and
    # alarm time would run ten times too fast (QEMU is where it engages).
    "fast-tick-counts-each": ("kernel/timer.c", "if (++fast_sub >= fast)", "if (++fast_sub >= 1)",
                              ["task_preemption_deep_calls"]),
    "fork-shares-writable": ("mm/umem_as.c", "	else if (e & PTE_W)\n		e = pte_wrprotect(e) | PTE_SW_COW;", "",
                             ["task_fork_and_wait", "task_fork_cow_ptes"]),
    "wait-wrong-vector": ("kernel/task_syscalls.c", "		ws->vector = t->fault.vector;",
                          "		ws->vector = t->fault.vector + 1;", ["task_thread_fault_is_isolated"]),
    "vfork-parent-runs-on": ("kernel/task.c", "	while (child->state != TASK_ZOMBIE) {\n		parent->state = TASK_BLOCKED;",
                             "	while (0) {\n		parent->state = TASK_BLOCKED;",
                             ["task_vfork_parent_waits"]),
    "thread-on-parent-shstk": ("kernel/task_syscalls.c", "	if (current->shstk_features & SHSTK_FEAT_SHSTK) {\n		u64 size",
                               "	if (0) {\n		u64 size", ["task_shstk_threads_own_stacks"], "bochs"),
    "thread-shstk-kept": ("kernel/task.c", "		umem_release(t->mm, t->shstk_base, t->shstk_size);\n		t->shstk_size = 0;",
                          "		t->shstk_size = 0;", ["task_shstk_no_leaks"], "bochs"),
    "shstk-cow-shared": ("mm/umem_as.c", "	if (frame_refs(old) > 1) {", "	if (frame_refs(old) > 1 && !shstk) {",
                         ["task_shstk_fork_wrss_stays_private"], "bochs"),
    "switch-forgets-cet": ("kernel/sched.c", "	cet_task_save(&prev->cet);\n	/* The kernel never", "	/* The kernel never",
                           ["task_shstk_preemption_ssp_checks"], "bochs"),
    # Signals.
    "sigreturn-no-marker-check": ("kernel/signal.c", "if (copy_from_user(&M, S, 8) || !(M & SIG_FRAME_MARKER))",
                                  "if (copy_from_user(&M, S, 8))", ["sig_shstk_sigreturn_replayed_frame"], "bochs"),
    "sigreturn-no-token-check": ("kernel/signal.c", "|| token != (P | SHSTK_TOKEN_MODE64))", ")",
                                 ["sig_shstk_sigreturn_modified_token"], "bochs"),
    "sigreturn-any-page": ("kernel/signal.c", "		if (!on_user_shstk_page(P - 8))", "		if (0)",
                           ["sig_shstk_sigreturn_token_in_normal_memory"], "bochs"),
    "sigreturn-no-erase": ("kernel/signal.c", "		if (shstk_wruss(P - 8, 0) || shstk_wruss(S, 0))",
                           "		if (0)", ["sig_shstk_frame_token_erased"], "bochs"),
    "deliver-no-token": ("kernel/signal.c", "		if (shstk_wruss(P - 8, P | SHSTK_TOKEN_MODE64) ||", "		if (",
                         ["sig_shstk_handler_runs_and_returns", "sig_shstk_nested_three_deep"], "bochs"),
    "altstack-ignored": ("kernel/signal.c", "	bool onstack = (p->sig_flags[signo] & SA_ONSTACK) &&",
                         "	bool onstack = 0 && (p->sig_flags[signo] & SA_ONSTACK) &&",
                         ["sig_altstack_only_onstack", "sig_shstk_alt_shadow_stack_only_onstack"], "bochs"),
    "siginfo-rip-wrong": ("kernel/signal.c", "	struct siginfo info = { .vector = f->vector, .error_code = f->error_code, .rip = f->rip,",
                          "	struct siginfo info = { .vector = f->vector, .error_code = f->error_code, .rip = f->rip + 1,",
                          ["sig_ud_handler_resumes"]),
    "kill-self-only": ("kernel/signal.c", "	if (!target || target->proc != current->proc || target->state == TASK_ZOMBIE)",
                       "	if (!target || target != current || target->state == TASK_ZOMBIE)",
                       ["sig_from_another_task"]),
    "kernel-ibt-off": ("cet/cet.c", "		wrmsr(MSR_IA32_S_CET, CET_ENDBR_EN);", "",
                       ["ibt_kernel_indirect_call_needs_endbr"], "bochs"),
    "user-ibt-ignored": ("cet/shstk.c", "		u_cet |= CET_ENDBR_EN;\n		p->shstk_features |= SHSTK_FEAT_IBT;",
                         "		p->shstk_features |= SHSTK_FEAT_IBT;",
                         ["ibt_user_indirect_call_needs_endbr", "ibt_user_indirect_jmp_needs_endbr"], "bochs"),
    "notrack-always-on": ("cet/shstk.c", "		u_cet |= CET_ENDBR_EN;\n		p->shstk_features |= SHSTK_FEAT_IBT;",
                          "		u_cet |= CET_ENDBR_EN | CET_NO_TRACK_EN;\n		p->shstk_features |= SHSTK_FEAT_IBT;",
                          ["ibt_user_notrack_needs_no_track_en"], "bochs"),
    "kshstk-never-on": ("kernel/main.c", "	if (cpu.kshstk) {\n		kernel_kshstk_top = kshstk_alloc();",
                        "	if (0) {\n		kernel_kshstk_top = kshstk_alloc();",
                        ["sss_kernel_runs_on_shadow_stack", "sss_near_ret_smash_cp1"], "bochs"),
    "ist-ssp-table-unset": ("kernel/gdt.c", "	wrmsr(MSR_IA32_INTERRUPT_SSP_TABLE_ADDR, (u64)ist_ssp_table);", "",
                            ["sss_ist_vector_uses_interrupt_ssp_table"], "bochs"),
    "fault-ec-compare-sss": ("tests/check.c", "got->error_code == want->error_code",
                             "got->error_code == (want->error_code ^ 0x8000)",
                             ["sss_near_ret_smash_cp1", "sss_setssbsy_busy_token_cp5",
                              "sss_bad_token_on_event_delivery_gp", "sss_iret_tampered_frame_cp2",
                              "sss_wruss_into_kernel_shadow_stack_faults"], "bochs"),
    # IRETQ to compatibility mode (tests/shstk_iret.c).  The #GP(0) case
    # passes on bochs-no-kshstk, the fault-state case on bochs.
    "iret-compat-ssp-below-4g": ("tests/shstk_iret.c", "#define IC_SSP_ABOVE_4G 0x100000ff8UL",
                                 "#define IC_SSP_ABOVE_4G 0xff8UL",
                                 ["shstk_iret_compat_ssp_above_4g_gp"], "bochs-no-kshstk"),
    "iret-compat-no-user-shstk": ("tests/shstk_iret.c", "wrmsr(MSR_IA32_U_CET, u_cet | CET_SH_STK_EN);",
                                  "wrmsr(MSR_IA32_U_CET, u_cet);",
                                  ["shstk_iret_compat_gp_before_state_change"], "bochs"),
    "trap-cpl3-kernel-fault-uncaught": ("kernel/trap.c",
                                        "if ((f->rip >> 63) || !current || !current->proc)",
                                        "if (0)", ["shstk_iret_compat_ssp_above_4g_gp"],
                                        "bochs-no-kshstk"),
    "elf-note-ignored": ("kernel/uproc.c", "	u32 note = elf_x86_features(&p->img);", "	u32 note = 0;",
                         ["ibt_elf_note_features"], "bochs"),
    "legacy-bit-wrong": ("cet/shstk.c", "	*bits |= 1U << ((addr >> 12) & 7);", "	*bits |= 1U << (((addr >> 12) + 1) & 7);",
                         ["ibt_legacy_bitmap_exempts_pages"], "bochs"),
    "db-drops-tracker": ("kernel/uproc.c", "		t->proc->single_steps++;",
                         "		t->proc->single_steps++;\n		wrmsr(MSR_IA32_U_CET, rdmsr(MSR_IA32_U_CET) & ~CET_TRACKER);",
                         ["ibt_tracker_survives_interrupt"], "bochs"),
    "alarm-never": ("kernel/signal.c", "		t->sigpending |= 1U << SIG_ALRM;", "", ["sig_alarm_from_the_timer"]),
    "shstk-pte-writable": ("include/mm/umem.h", "(PTE_P | PTE_U | PTE_A | PTE_D | PTE_SW_OWNED | PTE_SW_SHSTK)",
                           "(PTE_P | PTE_W | PTE_U | PTE_A | PTE_D | PTE_SW_OWNED | PTE_SW_SHSTK)",
                           ["shstk_ctl_and_map_shadow_stack", "shstk_call_ret_nested_64",
                            "shstk_smashed_return_cp1", "shstk_swapcontext_tokens"], "bochs"),
    "shstk-pte-not-dirty": ("include/mm/umem.h", "(PTE_P | PTE_U | PTE_A | PTE_D | PTE_SW_OWNED | PTE_SW_SHSTK)",
                            "(PTE_P | PTE_U | PTE_A | PTE_SW_OWNED | PTE_SW_SHSTK)",
                            ["shstk_call_ret_nested_64", "shstk_overflow_into_guard_page"], "bochs"),
    "upper-levels-readonly": ("mm/pt.c", "	u64 upper = PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);",
                              "	u64 upper = va < USER_TOP ? PTE_P | PTE_U : PTE_P | PTE_W;",
                              ["shstk_call_ret_nested_64", "shstk_upper_level_readonly_is_not_shstk"],
                              "bochs"),
    "enable-leaves-ssp": ("cet/shstk.c", "		wrmsr(MSR_IA32_PL3_SSP, addr + SHSTK_DEFAULT_SIZE);", "",
                          ["shstk_call_ret_nested_64", "shstk_ctl_and_map_shadow_stack"], "bochs"),
    "wrss-always-on": ("cet/shstk.c", "		u_cet |= CET_SH_STK_EN;\n		p->shstk_features |= SHSTK_FEAT_SHSTK;",
                       "		u_cet |= CET_SH_STK_EN | CET_WR_SHSTK_EN;\n		p->shstk_features |= SHSTK_FEAT_SHSTK;",
                       ["shstk_wrss_needs_wr_shstk_en"], "bochs"),
    "token-without-plus-8": ("include/shstk.h", "	return (addr + 8) | 1;", "	return addr | 1;",
                             ["shstk_swapcontext_tokens", "shstk_overflow_into_guard_page",
                              "shstk_ctl_and_map_shadow_stack"], "bochs"),
    "no-guard-gap": ("mm/umem.c", "		addr = u->next + PAGE_SIZE;", "		addr = u->next;",
                     ["shstk_overflow_into_guard_page", "shstk_ctl_and_map_shadow_stack"], "bochs"),
    "fixed-addr-unchecked": ("mm/umem.c", "	if (!range_unmapped(u, addr - PAGE_SIZE, addr + size + PAGE_SIZE))",
                             "	if (!range_unmapped(u, addr, addr))", ["shstk_ctl_and_map_shadow_stack"], "bochs"),
    "lock-ignored": ("cet/shstk.c", "		p->shstk_locked |= features;", "",
                     ["shstk_ctl_and_map_shadow_stack"], "bochs"),
    "cet-state-not-saved": ("cet/cet.c", "		c->u_cet = rdmsr(MSR_IA32_U_CET);\n		c->pl3_ssp = rdmsr(MSR_IA32_PL3_SSP);",
                            "", ["shstk_cet_state_is_per_program"], "bochs"),
    "xsave-wrong-offset": ("include/cet.h", "#define CET_U_XSAVE_OFFSET 576", "#define CET_U_XSAVE_OFFSET 584",
                           ["shstk_xsaves_cet_u_roundtrip", "shstk_cet_state_is_per_program"],
                           "bochs3-tigerlake"),
    # Issue 13: one mutant at least per README rule, and the fuzzer's finds.
    # Page-table walks over huge ranges (munmap, fixed map_shadow_stack).
    "next-mapped-skips-too-far": ("mm/pt.c", "u64 span = 1UL << (PAGE_SHIFT + 9 * (l - 1));",
                                  "u64 span = 1UL << (PAGE_SHIFT + 9 * l);",
                                  ["mm_unmap_huge_range_skips_holes"]),
    "unmap-stops-after-first": ("mm/umem.c", "	     va = pt_next_mapped(u->pml4, va + PAGE_SIZE, end)) {",
                                "	     va = end) {", ["mm_unmap_huge_range_skips_holes"]),
    "unmap-keeps-frames": ("mm/umem.c", "		if ((old & PTE_P) && (old & PTE_SW_OWNED))\n			frame_put(pte_addr(old));",
                           "		(void)old;", ["mm_unmap_huge_range_skips_holes", "sys_fuzz_native"]),
    "range-always-free": ("mm/umem.c", "	return pt_next_mapped(u->pml4, base, end) >= end;",
                          "	return pt_next_mapped(u->pml4, base, end) >= base;",
                          ["shstk_ctl_and_map_shadow_stack"], "bochs"),
    "fixed-addr-unaligned-ok": ("mm/umem.c", "	if (addr & (PAGE_SIZE - 1))\n		return -EINVAL;", "",
                                ["shstk_ctl_and_map_shadow_stack"], "bochs"),
    # Results are a value or -errno: the fuzzer checks every one.
    "task-stats-bad-errno": ("kernel/task_syscalls.c", "	default:\n		return -EINVAL;\n	}\n}",
                             "	default:\n		return -1000;\n	}\n}", ["sys_fuzz_native"]),
    "write-no-length-limit": ("kernel/syscall.c", "	if (len > WRITE_MAX)\n		return -EINVAL;", "",
                              ["sys_fuzz_native"]),
    # (a) fork write-protects the parent's pages: the TLB must forget them.
    "fork-no-tlb-flush": ("mm/umem_as.c", "	write_cr3(read_cr3());\n	if (c.failed)", "	if (c.failed)",
                          ["task_fork_write_protect_flushes_tlb"]),
    # (b) IST vectors and the interrupt SSP table.
    "ist-stacks-shared": ("kernel/gdt.c", "		ist_ssp_table[ists[i]] = top - 8;",
                          "		ist_ssp_table[ists[i]] = i ? ist_ssp_table[ists[0]] : top - 8;",
                          ["sss_ist_vectors_own_shadow_stacks"], "bochs"),
    "nmi-gate-on-df-stack": ("kernel/idt.c", "	idt_set(X86_EXC_NMI, 0, IST_NMI);",
                             "	idt_set(X86_EXC_NMI, 0, IST_DF);",
                             ["sss_ist_vectors_own_shadow_stacks"], "bochs"),
    "mc-gate-without-ist": ("kernel/idt.c", "	idt_set(X86_EXC_MC, 0, IST_MC);", "	idt_set(X86_EXC_MC, 0, 0);",
                            ["sss_ist_vectors_own_shadow_stacks"], "bochs"),
    "ist-token-below-top": ("kernel/gdt.c", "		ist_ssp_table[ists[i]] = top - 8;",
                            "		ist_ssp_table[ists[i]] = top - 16;",
                            ["sss_ist_vectors_own_shadow_stacks"], "bochs"),
    # (c) a thread's own shadow stack: its size and both guard pages.
    "thread-shstk-one-page": ("kernel/task_syscalls.c", "		u64 size = ALIGN_UP(stack_size ? stack_size : PAGE_SIZE, PAGE_SIZE);",
                              "		u64 size = PAGE_SIZE + 0 * stack_size;", ["task_shstk_thread_size_and_guards"], "bochs"),
    "thread-shstk-rounds-down": ("kernel/task_syscalls.c", "		u64 size = ALIGN_UP(stack_size ? stack_size : PAGE_SIZE, PAGE_SIZE);",
                                 "		u64 size = ALIGN_DOWN(stack_size ? stack_size : PAGE_SIZE, PAGE_SIZE);",
                                 ["task_shstk_thread_size_and_guards"], "bochs"),
    "thread-ssp-below-top": ("kernel/task_syscalls.c", "cet_task_u_cet(&t->cet), addr + size);",
                             "cet_task_u_cet(&t->cet), addr + size - 8);",
                             ["task_shstk_thread_size_and_guards"], "bochs"),
    "thread-shstk-no-gap": ("mm/umem.c", "		addr = u->next + PAGE_SIZE;\n		if (addr + size + PAGE_SIZE > USER_MMAP_END)",
                            "		addr = u->next;\n		if (addr + size + PAGE_SIZE > USER_MMAP_END)",
                            ["task_shstk_thread_size_and_guards"], "bochs"),
    # (d) map_shadow_stack sizes that are not page multiples.
    "map-size-any-multiple": ("cet/shstk.c", "SHADOW_STACK_SET_TOKEN || !size || (size & 7))",
                              "SHADOW_STACK_SET_TOKEN || !size)", ["shstk_map_size_not_page_multiple",
                                                                   "shstk_ctl_and_map_shadow_stack"], "bochs"),
    "map-rounds-down": ("cet/shstk.c", "	u64 mapped = ALIGN_UP(size, PAGE_SIZE);",
                        "	u64 mapped = ALIGN_DOWN(size, PAGE_SIZE);",
                        ["shstk_map_size_not_page_multiple"], "bochs"),
    "map-token-at-page-top": ("cet/shstk.c", "		u64 slot = va + size - 8;", "		u64 slot = va + mapped - 8;",
                              ["shstk_map_size_not_page_multiple"], "bochs"),
    "map-flags-unchecked": ("cet/shstk.c", "	if (flags & ~(u64)SHADOW_STACK_SET_TOKEN || !size", "	if (!size",
                            ["shstk_ctl_and_map_shadow_stack"], "bochs"),
    # (e) protection changes on shadow stacks are refused, checked before any change.
    "mprotect-shstk-allowed": ("mm/umem_as.c", "		if (*pte & PTE_SW_SHSTK)\n			return -EINVAL;", "",
                               ["shstk_mprotect_refused"]),
    "mprotect-checks-first-page": ("mm/umem_as.c", "		if (*pte & PTE_SW_SHSTK)\n			return -EINVAL;",
                                   "		if ((*pte & PTE_SW_SHSTK) && va == addr)\n			return -EINVAL;",
                                   ["shstk_mprotect_refused"]),
    "mprotect-write-ignored": ("mm/umem_as.c", "		if (!(prot & PROT_WRITE))\n			e = pte_wrprotect(e) | PTE_SW_READONLY;",
                               "		if (0)\n			e = pte_wrprotect(e) | PTE_SW_READONLY;",
                               ["shstk_mprotect_refused", "task_mprotect_saves_dirty"]),
    # (f) each sigreturn rule, broken by a forged frame.
    "sigreturn-marker-unaligned-ok": ("kernel/signal.c", "		if ((P & 7) || !user_range_ok(P - 8, 8))",
                                      "		if (!user_range_ok(P - 8, 8))",
                                      ["sig_shstk_sigreturn_marker_misaligned"], "bochs"),
    "sigreturn-marker-kernel-ok": ("kernel/signal.c", "		if ((P & 7) || !user_range_ok(P - 8, 8))",
                                   "		if ((P & 7))", ["sig_shstk_sigreturn_marker_names_kernel"], "bochs"),
    "sigreturn-token-anywhere": ("kernel/signal.c", "		if (S != P - 16 && !inside(S, t->alt_shstk, t->alt_shstk_size))",
                                 "		if (0)", ["sig_shstk_sigreturn_token_not_above_marker"], "bochs"),
    "sigreturn-context-ssp-ignored": ("kernel/signal.c", "		if (fr.ctx.ssp != P)", "		if (0)",
                                      ["sig_shstk_sigreturn_context_ssp_differs"], "bochs"),
    "sigreturn-any-rip": ("kernel/signal.c", "	if (!user_range_ok(fr.ctx.rip, 1) || !user_range_ok(fr.ctx.rsp - 8, 8))",
                          "	if (!user_range_ok(fr.ctx.rsp - 8, 8))", ["sig_sigreturn_kernel_rip"]),
    "sigreturn-any-rsp": ("kernel/signal.c", "	if (!user_range_ok(fr.ctx.rip, 1) || !user_range_ok(fr.ctx.rsp - 8, 8))",
                          "	if (!user_range_ok(fr.ctx.rip, 1))", ["sig_sigreturn_noncanonical_rsp"]),
    "sigreturn-keeps-mask": ("kernel/signal.c", "	t->sigmask = (u32)c->mask;", "",
                             ["sig_blocked_while_its_handler_runs"]),
    # (g) sigaltstack's alternate shadow stack.
    "altstack-shstk-unaligned-ok": ("kernel/signal.c", "		if ((shstk & 7) || (shstk_size & 7) ||",
                                    "		if ((shstk_size & 7) ||", ["sig_shstk_sigaltstack_checks"], "bochs"),
    "altstack-size-unaligned-ok": ("kernel/signal.c", "		if ((shstk & 7) || (shstk_size & 7) ||",
                                   "		if ((shstk & 7) ||", ["sig_shstk_sigaltstack_checks"], "bochs"),
    "altstack-first-page-only": ("kernel/signal.c", "va < shstk + shstk_size; va += PAGE_SIZE)",
                                 "va < shstk + 1; va += PAGE_SIZE)", ["sig_shstk_sigaltstack_checks"], "bochs"),
    "altstack-stack-unchecked": ("kernel/signal.c", "	if (size && !user_range_ok(stack, size))\n		return -EFAULT;", "",
                                 ["sig_shstk_sigaltstack_checks"], "bochs"),
    "altstack-any-page": ("kernel/signal.c", "			if (!on_user_shstk_page(va))\n				return -EINVAL;",
                          "			if (!on_user_shstk_page(va) && 0)\n				return -EINVAL;",
                          ["sig_shstk_sigaltstack_checks"], "bochs"),
    # (h) #CP error codes by name in the log.
    "cp-names-swapped": ("kernel/trap.c", '"?", "NEAR-RET", "FAR-RET/IRET",', '"?", "FAR-RET/IRET", "NEAR-RET",',
                         ["exc_cp_error_code_names"]),
    "cp-encl-dropped": ("kernel/trap.c", 'ec & BIT(15) ? " ENCL" : ""', '""', ["exc_cp_error_code_names"]),
    "cp-code-unmasked": ("kernel/trap.c", "		unsigned code = ec & 0x7fff;", "		unsigned code = (unsigned)ec;",
                         ["exc_cp_error_code_names"]),
    # (i) shadow stacks reported on, yet SSP reads 0: call-chain checks must not pass.
    "shstk-on-without-u-cet": ("cet/shstk.c", "		wrmsr(MSR_IA32_PL3_SSP, addr + SHSTK_DEFAULT_SIZE);\n		u_cet |= CET_SH_STK_EN;",
                               "		wrmsr(MSR_IA32_PL3_SSP, addr + SHSTK_DEFAULT_SIZE);",
                               ["task_shstk_fork_call_ret", "sig_shstk_handler_runs_and_returns"], "bochs"),
    # SYS_SHSTK_CTL rules.
    "wrss-without-shstk": ("cet/shstk.c", "		if (!(p->shstk_features & SHSTK_FEAT_SHSTK))\n			return -EINVAL;\n		u_cet |= CET_WR_SHSTK_EN;",
                           "		u_cet |= CET_WR_SHSTK_EN;", ["shstk_ctl_dependencies"], "bochs"),
    "notrack-without-ibt": ("cet/shstk.c", "		if (!(p->shstk_features & SHSTK_FEAT_IBT))\n			return -EINVAL;\n		u_cet |= CET_NO_TRACK_EN;",
                            "		u_cet |= CET_NO_TRACK_EN;", ["shstk_ctl_dependencies"], "bochs"),
    "unlock-by-disable": ("cet/shstk.c", "	case SHSTK_OP_DISABLE:\n		if (features & p->shstk_locked)",
                          "	case SHSTK_OP_DISABLE:\n		if (0)", ["shstk_ctl_and_map_shadow_stack"], "bochs"),
    "unknown-features-ok": ("cet/shstk.c", "	if (features & ~(u64)SHSTK_FEATURES)\n		return -EINVAL;", "",
                            ["shstk_ctl_and_map_shadow_stack"], "bochs"),
    "disable-keeps-wrss": ("cet/shstk.c", "		u_cet &= ~CET_WR_SHSTK_EN;\n		p->shstk_features &= ~SHSTK_FEAT_WRSS;",
                           "		p->shstk_features &= ~SHSTK_FEAT_WRSS;", ["shstk_ctl_dependencies"], "bochs"),
    "legacy-bitmap-user-page": ("cet/shstk.c", "		if (umem_map(p->mm, page, PAGE_SIZE, PTE_W | mm_nx()))",
                                "		if (umem_map(p->mm, page, PAGE_SIZE, PTE_U | PTE_W | mm_nx()))",
                                ["ibt_legacy_bitmap_exempts_pages"], "bochs"),
    "elf-note-shstk-ignored": ("cet/shstk.c", "	if ((wanted & SHSTK_FEAT_SHSTK) && cet_shstk_available()) {",
                               "	if (0) {", ["ibt_elf_note_features"], "bochs"),
    # Signal delivery.
    "ud-is-segv": ("kernel/signal.c", "	case X86_EXC_UD:\n		return SIG_ILL;", "	case X86_EXC_UD:\n		return SIG_SEGV;",
                   ["sig_ud_handler_resumes"]),
    "cp-no-signal": ("kernel/signal.c", "	case X86_EXC_CP:\n		return SIG_CP;", "	case X86_EXC_CP:\n		return 0;",
                     ["sig_shstk_cp_handler_recovers"], "bochs"),
    "pf-no-signal": ("kernel/signal.c", "	case X86_EXC_PF:\n	case X86_EXC_GP:", "	case X86_EXC_GP:",
                     ["sig_shstk_pf_ss_to_handler"], "bochs"),
    "siginfo-no-cr2": ("kernel/signal.c", "				.cr2 = f->vector == X86_EXC_PF ? cr2 : 0 };",
                       "				.cr2 = 0 * cr2 };", ["sig_shstk_pf_ss_to_handler"], "bochs"),
    "handler-wrong-signo": ("kernel/signal.c", "	f->rdi = signo;", "	f->rdi = signo + 1;",
                            ["sig_handler_runs_and_returns"]),
    "handler-no-mask": ("kernel/signal.c", "	t->sigmask |= 1U << signo;\n}", "}",
                        ["sig_blocked_while_its_handler_runs"]),
    "deliver-no-marker": ("kernel/signal.c", "shstk_wruss(top - 8, P | SIG_FRAME_MARKER)", "shstk_wruss(top - 8, P)",
                          ["sig_shstk_handler_runs_and_returns"], "bochs"),
    "deliver-wrong-restorer": ("kernel/signal.c", "shstk_wruss(top - 16, restorer))", "shstk_wruss(top - 16, restorer + 1))",
                               ["sig_shstk_handler_runs_and_returns"], "bochs"),
    "alt-frame-on-main-shstk": ("kernel/signal.c", "		u64 top = alt ? t->alt_shstk + t->alt_shstk_size : P - 8;",
                                "		u64 top = alt && 0 ? 0 : P - 8;", ["sig_shstk_alt_shadow_stack_only_onstack"], "bochs"),
    "wait-wrong-rip": ("kernel/task_syscalls.c", "		ws->rip = t->fault.rip;", "		ws->rip = t->fault.rip + 1;",
                       ["task_thread_fault_is_isolated"]),
    "mkwrite-loses-dirty": ("include/x86/paging.h", "		pte = (pte & ~PTE_SW_SAVED_DIRTY) | PTE_D;",
                            "		pte = pte & ~PTE_SW_SAVED_DIRTY;", ["mm_mprotect_restores_dirty"]),
    "fork-parent-keeps-write": ("mm/umem_as.c", "	else if (e & PTE_W)\n		e = pte_wrprotect(e) | PTE_SW_COW;\n	if (pt_map(c->child->pml4, va, pte_addr(e), pte_flags(e) & ~PTE_P)) {",
                                "	if (pt_map(c->child->pml4, va, pte_addr(e), (e & PTE_W ? pte_wrprotect(e) | PTE_SW_COW : pte_flags(e)) & ~PTE_P)) {",
                                ["task_fork_write_protect_flushes_tlb", "task_fork_parent_write_faults"]),
    "mprotect-exec-ignored": ("mm/umem_as.c", "		e = (prot & PROT_EXEC) ? e & ~PTE_NX : e | mm_nx();", "",
                              ["shstk_mprotect_refused"]),
    "thread-shstk-ordinary-pages": ("kernel/task_syscalls.c", "		if (addr < 0 || umem_map_shstk(current->mm, addr, size)) {",
                                    "		if (addr < 0 || umem_map(current->mm, addr, size, PTE_U | PTE_W)) {",
                                    ["task_shstk_thread_size_and_guards"], "bochs"),
    "map-token-skipped": ("cet/shstk.c", "	if (flags & SHADOW_STACK_SET_TOKEN) {\n		/* The token", "	if (0) {\n		/* The token",
                          ["shstk_map_size_not_page_multiple"], "bochs"),
    # Found while fuzzing: user copies reached the legacy bitmap's supervisor page.
    "legacy-bitmap-is-user-memory": ("mm/usercopy.c", "	return uaddr + n <= LEGACY_BITMAP_BASE || uaddr >= LEGACY_BITMAP_BASE + LEGACY_BITMAP_SIZE;",
                                     "	return true;", ["mm_legacy_bitmap_not_user_memory"]),
    "status-without-cet": ("cet/shstk.c", "if (((features & ~IBT_FEATURES) || op == SHSTK_OP_STATUS) && !cet_shstk_available())",
                           "if ((features & ~IBT_FEATURES) && !cet_shstk_available())", ["shstk_ctl_gated_on_cpuid"]),
    "map-without-cet": ("cet/shstk.c", "	if (!cet_shstk_available())\n		return -EOPNOTSUPP;\n	if (flags",
                        "	if (flags", ["shstk_ctl_gated_on_cpuid"]),
    "no-room-ignored": ("kernel/signal.c", "			kill_current(\"no room for the signal %d frame on the shadow stack (SSP 0x%lx)\",\n				     signo, P);",
                        "			(void)0;", ["sig_shstk_frame_at_the_guard_page"], "bochs"),
    "async-without-handler-delivered": ("kernel/signal.c", "		if (!t->proc->sig_handler[signo])\n			continue;", "",
                                        ["sig_blocked_while_its_handler_runs"]),
    # UEFI runtime services exist only on the qemu-uefi boot path.
    "efi-loses-if": ("kernel/platform/efi.c", '	if (rflags & X86_RFLAGS_IF)\n		asm volatile("sti" ::: "memory");',
                     "	(void)rflags;", ["uefi_variable_roundtrip"], "qemu-uefi"),
    "efi-size-not-returned": ("kernel/platform/efi.c", "	if (!err || err == -E2BIG)\n		*len = size;", "",
                              ["uefi_variable_roundtrip"], "qemu-uefi"),
    # The call path itself, with a stand-in service: everywhere, CET on Bochs.
    "efi-keeps-s-cet": ("kernel/platform/efi.c", "		wrmsr(MSR_IA32_S_CET, 0);\n	}\n	if (cr4 & X86_CR4_CET)",
                        "	}\n	if (cr4 & X86_CR4_CET)", ["uefi_call_convention_cet_off"], "bochs"),
    "efi-keeps-cr4-cet": ("kernel/platform/efi.c", "		write_cr4(cr4 & ~X86_CR4_CET);", "		(void)0;",
                          ["uefi_call_convention_cet_off"], "bochs"),
    "efi-args-swapped": ("kernel/platform/efi_call.asm", "	mov r8, [r10 + 16]\n	mov r9, [r10 + 24]",
                         "	mov r9, [r10 + 16]\n	mov r8, [r10 + 24]", ["uefi_call_convention_cet_off"]),
    "efi-stack-misaligned": ("kernel/platform/efi_call.asm", "	sub rsp, 48", "	sub rsp, 40",
                             ["uefi_call_convention_cet_off"]),
    # The local APIC (issue 16): firmware's LVT entries masked, unknown
    # vectors acknowledged, NMIs survived, the timer at its rate.
    "apic-lvt-left-live": ("kernel/platform/apic.c",
                           "		apic_write(regs[i], APIC_LVT_MASKED | (apic_read(regs[i]) & 0xff));",
                           "		(void)regs[i];", ["apic_lvt_entries_masked"]),
    "apic-unknown-vector-no-eoi": ("kernel/timer.c", "	if (use_lapic) {\n		apic_eoi();\n	} else if",
                                   "	if (use_lapic) {\n	} else if", ["apic_unknown_vector_acknowledged"]),
    "nmi-is-a-kernel-fault": ("kernel/trap.c", "	if (f->vector == X86_EXC_NMI) {\n		trap_nmis++;",
                              "	if (0) {\n		trap_nmis++;", ["apic_nmi_logged_and_survived"]),
    # Periodic mode on Bochs (timer=pit): a loaded host drops QEMU's ticks,
    # which can hide a rate that is too fast; Bochs's time cannot be stolen.
    "lapic-periodic-count-wrong": ("kernel/timer.c", "lapic_count = (u32)(lapic_hz / 16 / TIMER_HZ);",
                                   "lapic_count = (u32)(lapic_hz / 64 / TIMER_HZ);", ["timer_ticks_at_timer_hz"],
                                   "bochs-x2apic-timer-pit"),
    "tsc-deadline-too-soon": ("kernel/timer.c", "next_deadline = rdtsc() + tsc_per_tick / fast;",
                              "next_deadline = rdtsc() + tsc_per_tick / fast / 2;", ["timer_ticks_at_timer_hz"],
                              "bochs"),
    # The runtime address space follows the EFI Memory Attributes Table.
    "efi-mat-ignored": ("kernel/platform/efi.c", "	int mat = efi_mat_apply(efi.pml4, &applied, &ignored);",
                        "	int mat = 0; applied = ignored = 0;", ["uefi_runtime_pages_follow_mat"], "qemu-uefi"),
    # Feature gating: STAC/CLAC are #UD without SMAP (QEMU's qemu64 model).
    "smap-stac-ungated": ("mm/usercopy.c", "	if (cpu.smap)\n		stac();", "	stac();",
                          ["sig_handler_runs_and_returns", "task_fork_and_wait",
                           "sys_bad_pointers_efault", "task_no_leaks"], "qemu-kernel-qemu64"),
    # Masking: a gate that reads CPUID itself ignores clearcpuid=.
    "smap-cr4-ignores-mask": ("kernel/cpu.c", "	if (cpu.smap)\n		cr4 |= X86_CR4_SMAP;",
                              "	if (cpuid(7, 0).ebx & BIT(20))\n		cr4 |= X86_CR4_SMAP;",
                              ["cpu_control_bits_follow_features", "sig_handler_runs_and_returns"],
                              "qemu-kernel-masked"),
    "smep-cr4-ignores-mask": ("kernel/cpu.c", "	if (cpu.smep)\n		cr4 |= X86_CR4_SMEP;",
                              "	if (cpuid(7, 0).ebx & BIT(7))\n		cr4 |= X86_CR4_SMEP;",
                              ["cpu_control_bits_follow_features"], "qemu-kernel-masked"),
    "umip-cr4-ignores-mask": ("kernel/cpu.c", "	if (cpu.umip)\n		cr4 |= X86_CR4_UMIP;",
                              "	if (cpuid(7, 0).ecx & BIT(2))\n		cr4 |= X86_CR4_UMIP;",
                              ["cpu_control_bits_follow_features"], "qemu-kernel-masked"),
    "ibt-user-ignores-mask": ("cet/shstk.c", "	if ((wanted & SHSTK_FEAT_IBT) && cpu.ibt) {",
                              "	if ((wanted & SHSTK_FEAT_IBT) && (cpuid(7, 0).edx & BIT(20))) {",
                              ["ibt_elf_note_features"], "bochs-amd-like"),
    "ibt-kernel-ignores-mask": ("cet/cet.c", "	if (cpu.ibt) {\n		/* Every indirect",
                                "	if (cpuid(7, 0).edx & BIT(20)) {\n		/* Every indirect",
                                ["cpu_control_bits_follow_features"], "bochs-amd-like"),
    "kshstk-ignores-mask": ("kernel/main.c", "	if (cpu.kshstk) {", "	if (cpu.shstk) {",
                            ["cpu_control_bits_follow_features"], "bochs-no-kshstk"),
    "xsaves-ignores-mask": ("cet/cet.c", "if (cpu.xsaves && cpu.xss_cet_u && cpu.xsave) {",
                            "if (cpuid(0xd, 1).ecx & BIT(11)) {",
                            ["cpu_control_bits_follow_features"], "bochs3-tigerlake-msr"),
    # Boot-level errors must reach TAP/KTAP consumers that skip "#" lines.
    "boot-error-only-a-comment": ("tests/runner.c", "bool boot_result = errors != 0;",
                                  "bool boot_result = false;", [],
                                  "check:python3 tests/harness/parsers_check.py"),
    # A PASS that tested no CET must not be a green banner.
    "verdict-green-without-cet": ("kernel/report/fbcon_verdict.c",
                                  "i == VERDICT_SUCCESS && !verdict_cet_tested(v) ? VERDICT_SKIP : i",
                                  "i", [], "check:make -s build/host/fb-unit && build/host/fb-unit"),
    # The verdict screen names the first boot-level error.
    "verdict-hides-boot-error": ("kernel/report/fbcon_verdict.c",
                                 '	if (v->boot_errors) {\n		snprintf(line, sizeof(line), "boot error: %s",',
                                 '	if (0) {\n		snprintf(line, sizeof(line), "boot error: %s",', [],
                                 "check:make -s build/host/fb-unit && build/host/fb-unit"),
    # The Linux personality: loader rules (in-kernel tests), then Linux's
    # semantics as tests/linux checks them ("qemu-linux": QEMU -kernel with
    # build/linux/cetbed-linux as a module; CET rules on Bochs).
    "lx-elf-dynamic-accepted": ("kernel/linux/exec.c", "if (ph[i].p_type == PT_INTERP || eh->e_type == ET_DYN)",
                                "if (0)", ["linux_elf_rejects_dynamic"]),
    "lx-elf-overlap-accepted": ("kernel/linux/exec.c", "if (va < ph[j].p_vaddr + ph[j].p_memsz && ph[j].p_vaddr < end)",
                                "if (0)", ["linux_elf_rejects_overlapping_segments"]),
    "lx-elf-entry-anywhere": ("kernel/linux/exec.c", "	if (!entry_ok)\n", "	if (!entry_ok && 0)\n",
                              ["linux_elf_rejects_entry_outside"]),
    "lx-elf-truncation-accepted": ("kernel/linux/exec.c", "if (!in_file(size, ph[i].p_offset, ph[i].p_filesz))",
                                   "if (0)", ["linux_elf_rejects_truncated"]),
    "lx-elf-size-unchecked": ("kernel/linux/exec.c", "if (need + 64 * PAGE_SIZE > have)", "if (0)",
                              ["linux_elf_rejects_larger_than_memory"]),
    "lx-mmap-bottom-up": ("kernel/linux/mm.c", "				 : lx_unmapped_area(lp, size, 0);",
                          "				 : ({ static u64 bump = LX_MMAP_MIN + 0x10000000UL;\n"
                          "				      bump += size + PAGE_SIZE; (long)(bump - size - PAGE_SIZE); });",
                          ["linux_mmap_faults"], "qemu-linux"),
    "lx-fork-enomem-at-limit": ("kernel/linux/proc.c", "		lp = lx_proc_alloc();\n		if (!lp)\n			return -EAGAIN;",
                                "		lp = lx_proc_alloc();\n		if (!lp)\n			return -ENOMEM;",
                                ["linux_fork_bomb"], "qemu-linux"),
    "lx-wstatus-signal-shifted": ("include/kernel/linux.h", "#define LX_WSIGNALED(sig) ((sig) & 0x7f)",
                                  "#define LX_WSIGNALED(sig) (((sig) & 0x7f) << 8)",
                                  ["linux_fork_wait", "linux_fork_bomb"], "qemu-linux"),
    "lx-tgkill-is-si-user": ("kernel/linux/signal.c", "	if (code == LX_SI_TKILL)\n		t->lx.sig_tkill |= SIGMASK(sig);",
                             "	(void)code;", ["linux_signal_siginfo"], "qemu-linux"),
    "lx-altstack-ignored": ("kernel/linux/signal.c", "		sp = t->lx.altstack_sp + t->lx.altstack_size;",
                            "		(void)0;", ["linux_signal_siginfo"], "qemu-linux"),
    "lx-prctl-unlock-allowed": ("kernel/linux/cet.c", "	if (option == ARCH_SHSTK_UNLOCK)\n		return -EINVAL;",
                                "	if (option == ARCH_SHSTK_UNLOCK)\n		return 0;",
                                ["linux_shstk_prctl_rules"], "qemu-linux"),
    "lx-thread-fs-not-switched": ("kernel/linux/proc.c", "	wrmsr(MSR_FS_BASE, t->lx.fs_base);", "	(void)t;",
                                  ["linux_pthread_mutex"], "qemu-linux"),
    "fpu-not-switched": ("kernel/sched.c", '		asm volatile("fxrstor64 %0" ::"m"(next->fxsave));', "		(void)0;",
                         ["linux_pthread_mutex"], "qemu-linux"),
    "lx-futex-realtime-epoch": ("kernel/linux/proc.c", "				ticks = ticks > epoch ? ticks - epoch : 0;",
                                "				(void)epoch;", ["linux_pthread_mutex"], "qemu-linux"),
    "lx-ibt-option-ignored": ("kernel/linux/cet.c", "	if (ibt && cpu.ibt)\n		u_cet |= CET_ENDBR_EN;",
                              "	(void)ibt;", ["linux_ibt"], "bochs"),
    "lx-vfork-copies": ("kernel/linux/proc.c", "		if (flags & CLONE_VM) {\n			umem_get(mm);",
                        "		if (0) {\n			umem_get(mm);", ["linux_shstk_vfork"], "bochs"),
    "lx-proc-mm-leak": ("kernel/linux/proc.c", "	umem_put(lp->mm);\n	lp->mm = NULL;", "	lp->mm = NULL;",
                        ["linux_hello", "linux_fork_wait"], "qemu-linux"),
    "lx-no-sigchld": ("kernel/linux/proc.c", "		lx_send_signal(pl, LX_SIGCHLD, LX_SI_USER);", "		(void)0;",
                      ["linux_fork_wait"], "qemu-linux"),
    "lx-cp-not-cperr": ("kernel/linux/signal.c", "force_signal_cet(f, LX_SIGSEGV, LX_SEGV_CPERR, 0, true, cr2);",
                        "force_signal_cet(f, LX_SIGSEGV, LX_SEGV_ACCERR, 0, true, cr2);",
                        ["linux_shstk_smashed_return"], "bochs"),
    "lx-shstk-sigframe-no-bit63": ("kernel/linux/signal.c", "shstk_wruss(ssp - 8, ssp | SHSTK_DATA_BIT)",
                                   "shstk_wruss(ssp - 8, ssp)", ["linux_shstk_signal"], "bochs"),
    "lx-shstk-token-at-aligned-size": ("kernel/linux/cet.c", "return alloc_shstk(addr, aligned, size, token);",
                                       "return alloc_shstk(addr, aligned, aligned, token);",
                                       ["linux_shstk_pivot"], "bochs"),
    "lx-thread-shares-shstk": ("kernel/linux/cet.c", "	if (!(t->shstk_features & ARCH_SHSTK_SHSTK))\n		return 0;\n	u64 size",
                               "	if (1)\n		return 0;\n	u64 size", ["linux_shstk_fork_threads"], "bochs"),
    # A refused ibt=on is the run's SKIP: under clearcpuid=ibt the program
    # still sees IBT in CPUID and would expect enforcement.
    "lx-ibt-refusal-runs": ("kernel/linux/run.c", "	if (r->force_ibt && !cpu_feat_has(FEAT_IBT)) {",
                            "	if (0) {", ["linux_ibt"], "bochs-amd-like"),
    # ptrace of a shadow-stack tracee (Linux's kernel/ptrace.c, fpu/regset.c).
    "lx-ptrace-ssp-unaligned": ("kernel/linux/ptrace.c", "if (ssp >= LX_TASK_SIZE_MAX || (ssp & 7))",
                                "if (ssp >= LX_TASK_SIZE_MAX)",
                                ["linux_shstk_ptrace"], "bochs"),
    "lx-ptrace-ssp-task-size": ("kernel/linux/ptrace.c", "if (ssp >= LX_TASK_SIZE_MAX || (ssp & 7))",
                                "if (ssp > LX_TASK_SIZE_MAX || (ssp & 7))", ["linux_shstk_ptrace"], "bochs"),
    "lx-ptrace-set-any-size": ("kernel/linux/ptrace.c", "	if (*len != SSP_REGSET_SIZE)\n		return -EINVAL;",
                               "	if (*len > SSP_REGSET_SIZE)\n		return -EINVAL;",
                               ["linux_shstk_ptrace"], "bochs"),
    "lx-ptrace-any-tracer": ("kernel/linux/ptrace.c", "if (t->lx.tracer != current->lx.proc || !t->lx.ptrace_stopped)",
                             "if (!t->lx.tracer || !t->lx.ptrace_stopped)", ["linux_shstk_ptrace"], "bochs"),
    "lx-ptrace-detach-delivers": ("kernel/linux/ptrace.c", "		t->lx.ptrace_sig = (int)data;\n", "",
                                  ["linux_shstk_ptrace"], "bochs"),
    "lx-ptrace-set-ignored": ("kernel/linux/ptrace.c", "	cet_task_set(&t->cet, cet_task_u_cet(&t->cet), ssp);", "",
                              ["linux_shstk_ptrace"], "bochs"),
    "lx-ptrace-no-fault-stop": ("kernel/linux/signal.c", "	if (t->lx.tracer) {\n		/* A tracee stops for a fault's",
                                "	if (0) {\n		/* A tracee stops for a fault's", ["linux_shstk_ptrace"], "qemu-linux"),
    "lx-ptrace-stop-not-trapped": ("kernel/linux/ptrace.c", "tracer->leader->lx.chld_code = CLD_TRAPPED;",
                                   "tracer->leader->lx.chld_code = 1;", ["linux_shstk_ptrace"], "qemu-linux"),
    # The ia32 path and the #GP of IRETQ to compatibility mode with SSP
    # above 4 GiB (Linux's selftest, its 32 bit case).
    "iret32-not-armed": ("kernel/trap.c", "t->iret32_armed = f->cs == USER_CS32;",
                         "t->iret32_armed = false;", ["linux_test_shadow_stack"], "bochs"),
    "iret32-sss-frame-kept": ("kernel/entry.asm", "	mov byte [rel trap_sss_drop], 0\n	incsspq rax",
                              "	mov byte [rel trap_sss_drop], 0", ["linux_test_shadow_stack"], "bochs"),
    "lx-handler-keeps-cs32": ("kernel/linux/signal.c", "	f->cs = USER_CS;\n	f->ss = USER_DS;\n	f->rdi = (u64)sig;",
                              "	f->rdi = (u64)sig;", ["linux_test_shadow_stack"], "bochs"),
    "iret32-sss-drop-before-fault": ("kernel/trap.c", "	uproc_fault(f, 0);\n	/*\n	 * Set only now",
                                     "	if (kshstk_on)\n		trap_sss_drop = 3;\n	uproc_fault(f, 0);\n	/*\n	 * Set only now",
                                     ["linux_lxfuzz"], "bochs-lxfuzz"),
    "lx-map32bit-ignored": ("kernel/linux/mm.c", "		long a = flags & MAP_32BIT\n",
                            "		long a = 0\n", ["linux_test_shadow_stack"], "bochs"),
    # cetbed's own ia32 cases (tests/linux/compat.c, compat_shstk.c).
    "lx32-args-64bit": ("kernel/linux/compat.c",
                        "u64 a0 = (u32)f->rbx, a1 = (u32)f->rcx, a2 = (u32)f->rdx, a3 = (u32)f->rsi;",
                        "u64 a0 = f->rbx, a1 = f->rcx, a2 = f->rdx, a3 = f->rsi;",
                        ["linux_compat_int80_basics"], "qemu-linux"),
    "lx32-nr-64bit": ("kernel/linux/compat.c", "	u32 nr = (u32)f->rax;", "	u64 nr = f->rax;",
                      ["linux_compat_int80_basics"], "qemu-linux"),
    "lx32-sigaction-keeps-unblockable": ("kernel/linux/compat.c", "		lp->act[sig].mask &= ~UNBLOCKABLE;\n",
                                         "", ["linux_compat_int80_basics"], "qemu-linux"),
    "lx32-sigaction-keeps-unknown-flags": ("kernel/linux/compat.c",
                                           "(act->flags & LX_SA_UAPI_FLAGS) | LX_SA_IA32_ABI",
                                           "act->flags | LX_SA_IA32_ABI",
                                           ["linux_compat_int80_basics"], "qemu-linux"),
    "lx32-old-sigaction-layout": ("kernel/linux/compat.c",
                                  "{ a32.handler, a32.flags, a32.restorer, a32.mask }",
                                  "{ a32.handler, a32.mask, a32.restorer, a32.flags }",
                                  ["linux_compat_int80_basics"], "qemu-linux"),
    "lx32-rt-sigaction-any-size": ("kernel/linux/compat.c", "	if (size != 8)\n		return -EINVAL;\n	if (uact) {",
                                   "	if (size > 16)\n		return -EINVAL;\n	if (uact) {",
                                   ["linux_compat_int80_basics"], "qemu-linux"),
    "lx32-rt-sigaction-mask-low-word": ("kernel/linux/compat.c",
                                        "a32.mask[0] | (u64)a32.mask[1] << 32 };",
                                        "a32.mask[0] };", ["linux_compat_int80_basics"], "qemu-linux"),
    "lx-map32bit-hint-obeyed": ("kernel/linux/mm.c",
                                "		   (!(flags & MAP_32BIT) || addr + size <= MAP_32BIT_HI) &&\n", "",
                                ["linux_compat_int80_basics"], "qemu-linux"),
    "lx32-frame-wrong-sig": ("kernel/linux/compat.c", "	fr.sig = sig;\n	save_regs32(f, &fr.sc, fpstate);",
                             "	fr.sig = sig + 1;\n	save_regs32(f, &fr.sc, fpstate);",
                             ["linux_compat_handler_runs"], "qemu-linux"),
    "lx32-handler-in-cs64": ("kernel/linux/compat.c", "	f->cs = USER_CS32;\n	f->ss = USER_DS;",
                             "	f->cs = USER_CS;\n	f->ss = USER_DS;",
                             ["linux_compat_handler_runs"], "qemu-linux"),
    "lx-gp-not-si-kernel": ("kernel/linux/signal.c",
                            "	case X86_EXC_GP:\n		force_signal(f, LX_SIGSEGV, LX_SI_KERNEL, 0);",
                            "	case X86_EXC_GP:\n		force_signal(f, LX_SIGSEGV, LX_SEGV_ACCERR, 0);",
                            ["linux_shstk_compat_gp"], "bochs"),
    "iret32-fault-rip-not-target": ("kernel/trap.c", "	f->rip = t->iret32.rip;\n", "	f->rip = t->iret32.rip + 1;\n",
                                    ["linux_shstk_compat_gp"], "bochs"),
    # Native: a copy-on-write page mprotect'ed read-only stays read-only.
    "unshare-ignores-readonly-native": ("mm/umem_as.c", "writable = !(*pte & PTE_SW_READONLY);", "writable = true;",
                                        ["task_fork_mprotect_readonly_write_faults"]),
    "mprotect-readonly-unmarked": ("mm/umem_as.c", "e = pte_wrprotect(e) | PTE_SW_READONLY;", "e = pte_wrprotect(e);",
                                   ["task_fork_mprotect_readonly_write_faults"]),
    # ia32 frames and their sigreturns (Linux's signal_32.c), by 32-bit handlers that return.
    "lx32-rt-frame-no-siginfo": ("kernel/linux/compat.c", "	siginfo32(info, fr.info);\n", "	(void)siginfo32, (void)info;\n",
                                 ["linux_compat_sigreturn"], "qemu-linux"),
    "lx32-rt-uc-sigmask-unset": ("kernel/linux/compat.c", "	fr.uc.sigmask[0] = (u32)t->lx.sigmask;\n", "",
                                 ["linux_compat_sigreturn"], "qemu-linux"),
    "lx32-plain-oldmask-unset": ("kernel/linux/compat.c", ".fpstate = (u32)fpstate, .oldmask = (u32)t->lx.sigmask,",
                                 ".fpstate = (u32)fpstate,", ["linux_compat_sigreturn"], "qemu-linux"),
    "lx32-rt-sigreturn-frame-at-8": ("kernel/linux/compat.c", "	u64 frame = f->rsp - 4;", "	u64 frame = f->rsp - 8;",
                                     ["linux_compat_sigreturn"], "qemu-linux"),
    "lx32-sigreturn-keeps-si": ("kernel/linux/compat.c", "	f->rdi = c->di, f->rsi = c->si, f->rbp = c->bp, f->rbx = c->bx;",
                                "	f->rdi = c->di, f->rbp = c->bp, f->rbx = c->bx;", ["linux_compat_sigreturn"], "qemu-linux"),
    # rt_sigaction's order, MAP_32BIT hints (checked on this host's Linux too).
    "lx-sigaction-oact-first": ("kernel/linux/signal.c", "	old.flags &= LX_SA_UAPI_FLAGS;\n	if (uact) {",
                                "	old.flags &= LX_SA_UAPI_FLAGS;\n	if (uoact && lx_copy_to_user(uoact, &old, sizeof(old)))\n		return -EFAULT;\n	if (uact) {",
                                ["linux_signal_siginfo"], "qemu-linux"),
    "lx-sigaction-sig-first": ("kernel/linux/signal.c", "	if (size != 8)\n		return -EINVAL;\n	if (uact && lx_copy_from_user(&act",
                               "	if (size != 8 || sig < 1)\n		return -EINVAL;\n	if (uact && lx_copy_from_user(&act",
                               ["linux_signal_siginfo"], "qemu-linux"),
    "lx-map32bit-hint-above-1g": ("kernel/linux/mm.c", "(flags & MAP_32BIT) ? LX_MMAP_MIN_ADDR : LX_MMAP_MIN",
                                  "(flags & MAP_32BIT) ? MAP_32BIT_LO : LX_MMAP_MIN", ["linux_compat_int80_basics"], "qemu-linux"),
    "lx-nr-64bit": ("kernel/linux/syscall.c", "	switch ((u32)f->rax) {", "	switch (f->rax) {",
                    ["linux_argv_auxv"], "qemu-linux"),
    # The #GP Bochs without supervisor shadow stacks delivers from CPL3 (stale SSP below 4 GiB).
    "iret32-cpl3-rejected": ("kernel/trap.c", "	if (!t || !t->iret32_armed || f->vector != X86_EXC_GP)\n",
                             "	if (!t || !t->iret32_armed || f->vector != X86_EXC_GP || cpl3)\n",
                             ["linux_shstk_compat_gp_stale_ssp"], "bochs-no-kshstk"),
    "iret32-cpl3-ssp-kept": ("kernel/trap.c", "		if (cet_path != CET_PATH_NONE)\n			wrmsr(MSR_IA32_PL3_SSP, t->iret32_ssp);\n", "",
                             ["linux_shstk_compat_gp_stale_ssp"], "bochs-no-kshstk"),
    # A boot module's command line cut short must be a boot error.
    "module-cmdline-cut-silently": ("kernel/platform/bootinfo.c", "		if (boot.mods[i].cmdline_truncated)\n",
                                    "		if (0)\n", [], "check:python3 tests/harness/module_cmdline_check.py"),
    "module-cmdline-512": ("include/kernel/platform/bootinfo.h", "#define BOOT_MODULE_CMDLINE 2048",
                           "#define BOOT_MODULE_CMDLINE 512", [], "check:python3 tests/harness/module_cmdline_check.py"),
    # /proc/self/mem and copy-on-write (Linux's mem_rw with FOLL_FORCE).
    "lx-mprotect-readonly-unmarked": ("kernel/linux/mm.c", "				e = pte_wrprotect(e) | PTE_SW_READONLY;",
                                      "				e = pte_wrprotect(e);", ["linux_procmem_rules"], "qemu-linux"),
    "lx-procmem-no-unshare": ("kernel/linux/fs.c", "		if (write && !umem_unshare(lp->mm, va))\n			break;\n", "",
                              ["linux_procmem_rules"], "qemu-linux"),
    "unshare-ignores-readonly": ("mm/umem_as.c", "writable = !(*pte & PTE_SW_READONLY);", "writable = true;",
                                 ["linux_procmem_rules"], "qemu-linux"),
    "lx-procmem-shstk-no-unshare": ("kernel/linux/fs.c", "		if (write && !umem_unshare(lp->mm, va))\n",
                                    "		if (write && !(lx_vma_find(lp, va)->flags & LX_VMA_SHSTK) && !umem_unshare(lp->mm, va))\n",
                                    ["linux_procmem_rules"], "bochs"),
    "lx-procmem-current-mm": ("kernel/linux/fs.c", "	struct lx_proc *lp = lx_proc_by_pid(f->mem_pid);",
                              "	struct lx_proc *lp = current->lx.proc;", ["linux_procmem_rules"], "qemu-linux"),
    "lx-procmem-lseek-user-only": ("kernel/linux/fs.c", "	if (f->kind == LX_FILE_MEM) {\n		/*",
                                   "	if (0) {\n		/*", ["linux_procmem_rules"], "qemu-linux"),
    # Benchmarks: a fault counted quietly must still reach the handler
    # (bench_cet is opt-in; naming it is what selects it).
    "bench-quiet-fault-dropped": ("kernel/signal.c", "t->proc->quiet_fault_count++;",
                                  "t->proc->quiet_fault_count++;\n\t\treturn false;",
                                  ["bench_cet"], "bochs"),
    # The Linux-ABI fuzzer (make test's 10^4 calls, fixed seed): a number
    # the personality lacks must give -ENOSYS, and no call may take an
    # address outside the user half.
    "lx-enosys-succeeds": ("kernel/linux/syscall.c", "		lx_log_enosys(false, f->rax);\n		return -ENOSYS;",
                           "		lx_log_enosys(false, f->rax);\n		return 0;", ["linux_lxfuzz"], "qemu-lxfuzz"),
    "lx-clone-settls-unchecked": ("kernel/linux/proc.c", "	if ((flags & CLONE_SETTLS) && tls >= USER_TOP)",
                                  "	if (0)", ["linux_clone_bad_tls"], "qemu-linux"),
    # Range and count rules the fuzzer found broken (test linux_mm_range_rules).
    "lx-madvise-advice-skips-checks": ("kernel/linux/mm.c",
                                       "	/* Linux's order: alignment, a length that wraps, then holes, whatever the advice. */",
                                       "	if (advice != MADV_DONTNEED)\n		return 0;",
                                       ["linux_mm_range_rules"], "qemu-linux"),
    "lx-mprotect-wrap-to-start": ("kernel/linux/mm.c", "	if (end <= addr)\n		return -ENOMEM;",
                                  "	if (end < addr)\n		return -ENOMEM;", ["linux_mm_range_rules"], "qemu-linux"),
    "lx-munmap-zero-size": ("kernel/linux/mm.c", "	if ((addr & (PAGE_SIZE - 1)) || !size || !user_range_ok(addr, size))",
                            "	if ((addr & (PAGE_SIZE - 1)) || !len || !user_range_ok(addr, size))",
                            ["linux_mm_range_rules"], "qemu-linux"),
    "lx-rw-count-unclamped": ("kernel/linux/fs.c", "	if (*len > LX_MAX_RW_COUNT)\n		*len = LX_MAX_RW_COUNT;",
                              "", ["linux_mm_range_rules"], "qemu-linux"),
    "lx-rw-no-access-ok": ("kernel/linux/fs.c", "	if (*len > USER_TOP || buf > USER_TOP - *len)",
                           "	if (*len > USER_TOP || (buf & 0))", ["linux_mm_range_rules"], "qemu-linux"),
    "lx-munmap-any-range": ("kernel/linux/mm.c",
                            "	if ((addr & (PAGE_SIZE - 1)) || !size || !user_range_ok(addr, size))",
                            "	if ((addr & (PAGE_SIZE - 1)) || !size)", ["linux_mm_range_rules"], "qemu-linux"),
}


def check(name, work, command):
    """A host-side check run in the mutated tree: caught when it fails (1)."""
    b = subprocess.run(["make", "-s", "all"], cwd=work, capture_output=True, text=True)
    if b.returncode:
        return f"{name}: the mutant does not build:\n{b.stderr[-2000:]}"
    c = subprocess.run(["bash", "-c", command], cwd=work, capture_output=True, text=True,
                       errors="replace")
    if c.returncode != 1:
        return f"{name}: not caught: '{command}' exited {c.returncode}\n{c.stdout[-1500:]}"
    print(f"caught   {name}: '{command}' failed")
    return None


def boot(name, work, platform, bochs3_root, tests):
    """The mutant's serial log, or an error string.  Only `tests` run: the
    ones that must catch it (a mutant is caught when each of them fails)."""
    selection = "tests=" + ",".join(tests)
    if platform is None or platform in ("qemu", "qemu-linux", "qemu-lxfuzz"):
        extra = []
        if platform == "qemu-lxfuzz":
            # The Linux-ABI fuzzer, as make test boots it (tests/linux/fuzz).
            extra = ["-initrd", "build/linux/lxfuzz.boot -- lxfuzz 0x6c78667a7a000001 10000"]
        if platform == "qemu-linux":
            # The Linux programs as boot modules, as the default image has them.
            with open(os.path.join(work, "build", "linux", "runs")) as f:
                runs = f.read().strip()
            extra = ["-initrd", "build/linux/cetbed-linux.boot -- " + runs]
        try:
            q = subprocess.run(["qemu-system-x86_64", "-nodefaults", "-display", "none",
                                "-no-reboot", "-cpu", "max", "-m", "128M", "-device",
                                "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio",
                                "-kernel", "build/kernel.elf", "-append", selection] + extra,
                               cwd=work, capture_output=True,
                               text=True, errors="replace", timeout=60)
        except subprocess.TimeoutExpired:
            return None, f"{name}: the mutant hung the kernel (no verdict in 60 s)"
        return q.stdout, None
    b = subprocess.run(["make", "-s", "build/cetbed.iso"], cwd=work, capture_output=True, text=True)
    if b.returncode:
        return None, f"{name}: no ISO:\n{b.stderr[-2000:]}"
    # --name keeps the log at PLATFORM.log (a run with --cmdline is named
    # PLATFORM-cmdline otherwise).
    extra = []
    if platform == "bochs-lxfuzz":
        # The Linux-ABI fuzzer on a CET platform, as make test's fuzz-linux-bochs runs it.
        platform = "bochs"
        extra = ["--module", "build/linux/lxfuzz.boot:lxfuzz 0x6c78667a7a000001 10000"]
        selection += " timeout=60"
    cmd = [sys.executable, "tests/harness/cetbed.py", "run", platform, "--timeout", "300",
           "--cmdline", selection, "--name", platform] + extra
    if platform.startswith("bochs3") and bochs3_root:
        cmd += ["--bochs3-root", bochs3_root]
    subprocess.run(cmd, cwd=work, capture_output=True, text=True, errors="replace")
    try:
        with open(os.path.join(work, "build", "results", platform + ".log"), errors="replace") as f:
            return f.read(), None
    except OSError as e:
        return None, f"{name}: no log from {platform}: {e}"


def run(name, work, bochs3_root):
    path, old, new, must_fail = MUTANTS[name][:4]
    platform = MUTANTS[name][4] if len(MUTANTS[name]) > 4 else "qemu"
    src = os.path.join(work, path)
    text = open(src).read()
    if text.count(old) != 1:
        return f"{name}: mutation site not found exactly once in {path}"
    open(src, "w").write(text.replace(old, new))
    if platform.startswith("check:"):
        try:
            return check(name, work, platform[len("check:"):])
        finally:
            open(src, "w").write(text)
    try:
        b = subprocess.run(["make", "-s", "build/kernel.elf"], cwd=work, capture_output=True,
                           text=True)
        if b.returncode:
            return f"{name}: the mutant does not build:\n{b.stderr[-2000:]}"
        log, err = boot(name, work, platform, bochs3_root, must_fail)
        if err:
            return err
    finally:
        open(src, "w").write(text)
    failed = set(re.findall(r"^not ok \d+ (\S+)", log, re.M))
    missed = [t for t in must_fail if t not in failed]
    if missed:
        return f"{name}: not caught by {', '.join(missed)}"
    print(f"caught   {name}: {len(failed)} failing, including {', '.join(must_fail[:4])}"
          f"{' ...' if len(must_fail) > 4 else ''}")
    return None


def main():
    args = sys.argv[1:]
    bochs3_root = None
    if args[:1] == ["--bochs3-root"]:
        bochs3_root = os.path.abspath(args[1])
        args = args[2:]
    names = args or list(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        sys.exit(f"unknown mutant(s): {', '.join(unknown)}; known: {', '.join(MUTANTS)}")
    with tempfile.TemporaryDirectory(prefix="cetbed-mutants-") as tmp:
        work = os.path.join(tmp, "tree")
        shutil.copytree(ROOT, work, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "bochs3-root", "results"))
        if bochs3_root is None and os.path.isdir(os.path.join(ROOT, "build", "bochs3-root")):
            bochs3_root = os.path.join(ROOT, "build", "bochs3-root")
        problems = [p for p in (run(n, work, bochs3_root) for n in names) if p]
    for p in problems:
        print("MISSED  ", p)
    print(f"{len(names) - len(problems)} passed, {len(problems)} failed")
    sys.exit(1 if problems else 0)


main()
