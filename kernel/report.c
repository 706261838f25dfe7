/*
 * The compact result summary (kernel/summary.c's format) built at the end of
 * a run, and its QR code on the verdict screen.  The log hash covers every
 * console byte from the first through the verdict line, as the host's
 * decoder recomputes it from a serial log.
 */
#include "console.h"
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/fbcon.h"
#include "kernel/report.h"
#include "lib.h"
#include "qr.h"
#include "summary.h"
#include "x86/cpu.h"

#define MSR_IA32_BIOS_SIGN_ID 0x8b

void report_start(void)
{
	summary_hash_reset();
	console_set_tap(summary_hash_update);
}

static void read_microcode(void *arg)
{
	/* The revision appears in the MSR's upper half after a CPUID(1). */
	wrmsr(MSR_IA32_BIOS_SIGN_ID, 0);
	cpuid(1, 0);
	*(u32 *)arg = (u32)(rdmsr(MSR_IA32_BIOS_SIGN_ID) >> 32);
}

int report_summary(const struct verdict_info *vi, char *text, size_t size)
{
	static struct summary s;
	struct fault_catch c;

	console_set_tap(NULL);
	summary_init(&s);
	s.verdict = (enum summary_verdict)vi->verdict;
	s.planned = vi->planned;
	s.passed = vi->passed;
	s.skipped = vi->skipped;
	s.failed = vi->failed;
	s.errors = vi->errors;
	for (unsigned i = 0; i < vi->nr_failed && i < VERDICT_MAX_FAILED; i++)
		summary_add_failure(&s, vi->failed_tests[i].number, vi->failed_tests[i].error);
	if (vi->nr_failed > VERDICT_MAX_FAILED)
		s.failing_truncated = true;
	memcpy(s.vendor, cpu.vendor, sizeof(s.vendor));
	s.family = cpu.family;
	s.model = cpu.model;
	s.stepping = cpu.stepping;
	/* Not every CPU or emulator has the MSR: a #GP leaves the revision 0. */
	if (fault_catch_call(&c, read_microcode, &s.microcode))
		s.microcode = 0;
	s.cet = (cpu.shstk ? SUMMARY_CET_SHSTK : 0) | (cpu.ibt ? SUMMARY_CET_IBT : 0) |
		(cpu.cet_sss ? SUMMARY_CET_SSS : 0) | (cpu.xsaves ? SUMMARY_CET_XSAVES : 0) |
		(cpu.xss_cet_u ? SUMMARY_CET_XSS_U : 0) | (cpu.xss_cet_s ? SUMMARY_CET_XSS_S : 0);
	summary_hash_take(&s);
	return summary_format(&s, text, size);
}

static bool qr_at(void *ctx, int x, int y)
{
	return qr_module(ctx, x, y);
}

bool report_draw_qr(const char *text, size_t len)
{
	static struct qr_code qr;
	int size = qr_encode((const u8 *)text, len, QR_ECC_M, &qr);
	return size > 0 && fbcon_draw_qr(size, qr_at, &qr);
}
