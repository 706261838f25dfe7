/* The run's compact summary: the text behind the verdict screen's QR code. */
#ifndef CETBED_KERNEL_REPORT_H
#define CETBED_KERNEL_REPORT_H

#include "kernel/report/verdict.h"
#include "kernel/report/summary.h"

/*
 * The summary of the finished run (call right after the verdict line: the
 * log hash covers the console through it), formatted into text with its
 * length in *len (-1 if it does not fit).
 */
const struct summary *report_summary(const struct verdict_info *vi, char *text, size_t size,
				     int *len);
/* Benchmark medians for the summary's B field (kernel/bench/bench.c). */
void report_note_bench(const char *text);
/* Draws text as a QR code on the verdict screen; false if there is none. */
bool report_draw_qr(const char *text, size_t len);

#endif
