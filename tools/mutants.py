#!/usr/bin/env python3
"""Shows that the in-kernel tests can fail: each mutant injects one bug into a
scratch copy of the tree, boots it on QEMU (-kernel) and checks that the tests
meant to catch that bug report `not ok`.

usage: tools/mutants.py [NAME...]       (default: every mutant)

Mutants that need CET run on a CET platform only and are not listed here;
this set covers what TCG can execute.  Exit status 0 when every mutant is
caught.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (file, old text, new text, tests that must fail)
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
    "leak-owned-frames": ("mm/pt.c", "			if (e & PTE_SW_OWNED)\n				frame_free(pte_addr(e));",
                          "			(void)0;", ["mm_user_runs_leak_no_frames"]),
    "user-nx-ignored": ("kernel/elf.c", "		if (!(ph[i].p_flags & PF_X))\n			flags |= mm_nx();",
                        "", ["user_exec_nx_data"]),
    "user-stack-no-guard": ("kernel/uproc.c", "	for (unsigned i = 1; i <= USER_STACK_PAGES; i++) {",
                            "	for (unsigned i = 1; i <= USER_STACK_PAGES + 1; i++) {",
                            ["user_stack_guard_page"]),
    "user-text-writable": ("kernel/elf.c", "		if (ph[i].p_flags & PF_W)\n			flags |= PTE_W;",
                           "		flags |= PTE_W;", ["user_write_own_text"]),
    "exit-code": ("kernel/syscall.c", "uproc_exit((long)f->rdi);", "uproc_exit((long)f->rdi + 1);",
                  ["user_exit_status", "mm_user_runs_leak_no_frames"]),
    "write-truncated": ("kernel/syscall.c", "	emit_user_output(uproc_current(), buf, len);",
                        "	emit_user_output(uproc_current(), buf, len ? len - 1 : 0);",
                        ["user_write_reaches_console"]),
    "syscall-clobbers-rbx": ("kernel/entry.asm", "	POP_GPRS\n	add rsp, 16\n	; SYSRET path",
                             "	POP_GPRS\n	xor ebx, ebx\n	add rsp, 16\n	; SYSRET path",
                             ["user_syscall_preserves_registers"]),
    "usercopy-no-range-check": ("mm/usercopy.c", "	return uaddr >= USER_BASE && n <= USER_TOP && uaddr <= USER_TOP - n;",
                                "	return uaddr || n;", ["sys_bad_pointers_efault"]),
    "enosys": ("kernel/syscall.c", "		ret = -ENOSYS;", "		ret = 0;",
               ["sys_unknown_number_enosys"]),
    "bp-gate-dpl0": ("kernel/idt.c", "	idt_set(X86_EXC_BP, 3, 0);", "",
                     ["user_int3_breakpoint"]),
}


def run(name, work):
    path, old, new, must_fail = MUTANTS[name]
    src = os.path.join(work, path)
    text = open(src).read()
    if text.count(old) != 1:
        return f"{name}: mutation site not found exactly once in {path}"
    open(src, "w").write(text.replace(old, new))
    try:
        b = subprocess.run(["make", "-s", "build/kernel.elf"], cwd=work, capture_output=True,
                           text=True)
        if b.returncode:
            return f"{name}: the mutant does not build:\n{b.stderr[-2000:]}"
        try:
            q = subprocess.run(["qemu-system-x86_64", "-nodefaults", "-display", "none",
                                "-no-reboot", "-cpu", "max", "-m", "128M", "-device",
                                "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio",
                                "-kernel", "build/kernel.elf"], cwd=work, capture_output=True,
                               text=True, errors="replace", timeout=60)
        except subprocess.TimeoutExpired:
            return f"{name}: the mutant hung the kernel (no verdict in 60 s)"
    finally:
        open(src, "w").write(text)
    failed = set(re.findall(r"^not ok \d+ (\S+)", q.stdout, re.M))
    missed = [t for t in must_fail if t not in failed]
    if missed:
        return f"{name}: not caught by {', '.join(missed)}"
    print(f"caught   {name}: {len(failed)} failing, including {', '.join(must_fail[:4])}"
          f"{' ...' if len(must_fail) > 4 else ''}")
    return None


def main():
    names = sys.argv[1:] or list(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        sys.exit(f"unknown mutant(s): {', '.join(unknown)}; known: {', '.join(MUTANTS)}")
    with tempfile.TemporaryDirectory(prefix="cetbed-mutants-") as tmp:
        work = os.path.join(tmp, "tree")
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".git", "bochs3-root",
                                                                  "results"))
        problems = [p for p in (run(n, work) for n in names) if p]
    for p in problems:
        print("MISSED  ", p)
    print(f"{len(names) - len(problems)} passed, {len(problems)} failed")
    sys.exit(1 if problems else 0)


main()
