/*
 * kernel_main: console and platform fingerprint first, then the boot
 * information, memory, descriptor tables and protections, then the tests.
 */
#include "cet.h"
#include "console.h"
#include "kernel/boot_error.h"
#include "kernel/platform/bootinfo.h"
#include "kernel/lib/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "kernel/report/fbcon.h"
#include "kernel/platform/efi.h"
#include "kernel/report/efivars.h"
#include "kernel/platform/power.h"
#include "kernel/report/report.h"
#include "kernel/report/summary.h"
#include "kernel/platform/smbios.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "x86/msr.h"
#include "kernel/platform/uart.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "test.h"
#include "x86/cpu.h"
#include "x86/trap.h"

#ifndef CETBED_VERSION
#define CETBED_VERSION "unknown"
#endif

void syscall_init(void);
void __noreturn stack_switch_call(u64 top, void (*fn)(void *), void *arg);

u64 kernel_stack_top, kernel_kshstk_top;
/* Set by boot/boot.asm before kernel_main: 0 unless the loader relocated the image. */
u64 kernel_phys_offset;
/* Read by stack_switch_call: turn supervisor shadow stacks on there. */
bool kshstk_pending;
static struct cmdline cmdline;
static u64 tsc_at_entry;

/* No tests can run; the one result says why, for consumers that skip "#" lines. */
static void __noreturn boot_fail(void)
{
	kprintf("1..1\n");
	kprintf("not ok 1 boot # ERROR %s\n", boot_error_first());
	kprintf("Test result: ERROR\n");
	power_off(EXIT_ERROR_CODE);
}

static void report_memmap(void)
{
	const struct memmap *m = &boot.mem;

	if (m->reserved_overflow) {
		boot_error("mm: %u reserved ranges beyond the %u cetbed lists; they were taken "
			   "out of usable memory instead", m->reserved_overflow, MEMMAP_MAX);
	}
	diag("mm: %s memory map: %u usable ranges, %lu KiB usable, top 0x%lx (%u adjacent "
	     "entries merged)", boot.mmap_source, m->nr_usable, memmap_usable_bytes(m) >> 10,
	     memmap_top(m), m->merged);
	if (m->dropped_empty || m->clipped_wrap || m->dropped_overflow)
		diag("mm: memory map sanitized: %u empty entries dropped, %u wrapping entries "
		     "clipped, %u entries beyond %u dropped",
		     m->dropped_empty, m->clipped_wrap, m->dropped_overflow, MEMMAP_MAX);
}

static void report_cmdline(void)
{
	if (boot.cmdline_truncated)
		boot_error("command line longer than %d bytes was truncated", CMDLINE_MAX - 1);
	for (unsigned i = 0; i < cmdline.nr_unknown; i++)
		boot_error("unknown command-line option '%s' (known: tests=GLOB[,GLOB...], "
			   "timeout=SECONDS, screen=off|SECONDS, list, efivars=on|off, "
			   "uart=io:PORT|mmio:ADDR[,stride=N][,clock=HZ], "
			   "timer=cpuid|tsc-deadline|pmtmr|hpet|pit, apic=x2apic, "
			   "clearcpuid=NAME[,NAME...], fuzz_seed=N, fuzz_calls=N, "
			   "fuzz_secs=SECONDS)",
			   cmdline.unknown[i]);
	for (unsigned i = 0; i < cmdline.nr_invalid; i++)
		boot_error("bad command-line option '%s' (timeout=SECONDS with SECONDS >= 1; "
			   "screen=off or screen=SECONDS, 0-%d; efivars=on|off; uart=io:PORT or "
			   "uart=mmio:ADDR, optionally with ,stride=1|2|4 and ,clock=HZ; "
			   "timer=cpuid|tsc-deadline|pmtmr|hpet|pit; apic=x2apic; "
			   "clearcpuid=NAME[,NAME...]; fuzz_seed=N; fuzz_calls=N, 1-2^31; "
			   "fuzz_secs=SECONDS, 1-86400)",
			   cmdline.invalid[i], CMDLINE_SCREEN_MAX);
	if (cmdline.nr_dropped)
		boot_error("%u command-line words dropped (more than %d patterns, %d unknown "
			   "or bad options, or %d UARTs)",
			   cmdline.nr_dropped, CMDLINE_MAX_PATTERNS, CMDLINE_MAX_UNKNOWN,
			   CMDLINE_MAX_UARTS);
}

static void __noreturn kernel_main_stack(void *unused)
{
	(void)unused;
	task_init(kernel_stack_top, kernel_kshstk_top);
	if (kshstk_on)
		diag("cet: the kernel runs on supervisor shadow stacks (IA32_S_CET.SH_STK_EN), SSP "
		     "0x%lx; IST vectors use the interrupt SSP table",
		     kshstk_ssp());
	report_cmdline();
	/*
	 * A list run tests nothing: the previous run's record stays.  Progress
	 * is stored before the timer starts, so a machine that hangs there
	 * still leaves a record naming the step.
	 */
	efivars_boot(cmdline.efivars_off ? "efivars=off" : cmdline.list ? "list" : NULL);
	efivars_progress("timer");
	timer_init(&cmdline);
	diag("mm: %lu of %lu frames free after boot", frame_free_count(), frame_total_count());
	tests_run(&cmdline);
	panic("tests_run returned");
}

void __noreturn kernel_main(u32 magic, u32 info_phys);
void __noreturn kernel_main(u32 magic, u32 info_phys)
{
	/* Where the TSC counts from reset (Bochs, most machines): what firmware and loader took. */
	tsc_at_entry = rdtsc();
	/* The log hash covers every byte, so its sink comes before any output. */
	console_add_sink(&summary_hash_sink);
	serial_init();
	console_add_sink(&serial_sink);
	/* Keeps everything from here on until fbcon_init() can put it on screen. */
	console_add_sink(&fbcon_sink);
	kprintf("\nKTAP version 1\n");
	diag("cetbed %s: x86-64 CET shadow-stack testbed", CETBED_VERSION);
	cpu_detect();
	gdt_init();
	idt_init();

	if (!bootinfo_parse(magic, info_phys)) {
		cpu_print_fingerprint();
		boot_fail();
	}
	/* clearcpuid= comes first: nothing below may see a hidden feature. */
	cmdline_parse(&cmdline, boot.cmdline);
	cpu_feat_mask(cmdline.clearcpuid, cmdline.nr_clearcpuid);
	cpu_print_fingerprint();
	diag("boot: multiboot%u loader='%s' cmdline='%s'", boot.protocol,
	     boot.loader[0] ? boot.loader : "?", boot.cmdline);
	diag("boot: kernel image at physical 0x%lx (linked for 0x%lx%s)",
	     KERNEL_PHYS + kernel_phys_offset, KERNEL_PHYS,
	     kernel_phys_offset ? ", relocated by the loader" : "");
	diag("boot: TSC %lu at kernel entry", tsc_at_entry);
	report_memmap();
	if (boot.nr_mods) {
		u64 bytes = 0;
		for (unsigned i = 0; i < boot.nr_mods; i++)
			bytes += boot.mods[i].size;
		diag("boot: %u modules, %lu KiB (Linux programs)", boot.nr_mods, bytes >> 10);
	}

	mm_init(&boot.mem);
	fbcon_init();
	uart_init(&cmdline);
	cpu_setup();
	cet_init();
	tss_init_ist();
	idt_use_ist();
	syscall_init();
	efi_init();
	smbios_init();

	kernel_stack_top = kstack_alloc();
	if (!kernel_stack_top)
		panic("no memory for the kernel stack");
	if (cpu.kshstk) {
		kernel_kshstk_top = kshstk_alloc();
		if (!kernel_kshstk_top)
			panic("no memory for the kernel's shadow stack");
		kshstk_setup_ist();
		wrmsr(MSR_IA32_PL0_SSP, kernel_kshstk_top - 8);
		kshstk_pending = kshstk_on = true;
	}
	tss_set_rsp0(kernel_stack_top);
	stack_switch_call(kernel_stack_top, kernel_main_stack, NULL);
}
