/*
 * The compact result summary (kernel/report/summary.c's format) built at the
 * end of a run, and its QR code on the verdict screen.  The console feeds the log
 * hash from its first byte; the host's decoder recomputes it from a serial
 * log through the verdict line.
 */
#include "kernel/cpu.h"
#include "kernel/report/fbcon.h"
#include "kernel/report/report.h"
#include "kernel/platform/smbios.h"
#include "lib.h"
#include "kernel/report/qr.h"

static char report_bench[SUMMARY_BENCH_TEXT + 1];

void report_note_bench(const char *text)
{
	size_t n = strnlen(text, SUMMARY_BENCH_TEXT);

	memcpy(report_bench, text, n);
	report_bench[n] = '\0';
}

/* The CPU fields: what cpu_init read, and the microcode revision. */
static void summary_fill_cpu(struct summary *s)
{
	memcpy(s->vendor, cpu.vendor, sizeof(s->vendor));
	s->family = cpu.family;
	s->model = cpu.model;
	s->stepping = cpu.stepping;
	s->microcode = cpu_microcode();
	s->cet = (cpu.shstk ? SUMMARY_CET_SHSTK : 0) | (cpu.ibt ? SUMMARY_CET_IBT : 0) |
		 (cpu.cet_sss ? SUMMARY_CET_SSS : 0) | (cpu.xsaves ? SUMMARY_CET_XSAVES : 0) |
		 (cpu.xss_cet_u ? SUMMARY_CET_XSS_U : 0) | (cpu.xss_cet_s ? SUMMARY_CET_XSS_S : 0);
}

const struct summary *report_summary(const struct verdict_info *vi, char *text, size_t size,
				     int *len)
{
	static struct summary s;

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
	summary_fill_cpu(&s);
	summary_set_machine(&s, smbios_machine());
	summary_set_bench(&s, report_bench);
	summary_hash_take(&s);
	*len = summary_format(&s, text, size);
	return &s;
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
