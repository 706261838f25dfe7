/* The run's compact summary: the text behind the verdict screen's QR code. */
#ifndef CETBED_KERNEL_REPORT_H
#define CETBED_KERNEL_REPORT_H

#include "kernel/verdict.h"

/* Starts hashing the console (from its first byte) for the summary. */
void report_start(void);
/*
 * Ends the hash (call right after the verdict line) and formats the
 * summary of vi into text; returns its length, or -1.
 */
int report_summary(const struct verdict_info *vi, char *text, size_t size);
/* Draws text as a QR code on the verdict screen; false if there is none. */
bool report_draw_qr(const char *text, size_t len);

#endif
