/*
 * The result summary: one line of printable ASCII that says what a run found,
 * small enough for a QR code on the verdict screen and for a UEFI variable.
 *
 * Format version 1, fields in this order, separated by ';':
 *
 *   CETBED1;R=FAILURE;N=35,30,3,1,1;F=12,14e,20-23,33+;C=GenuineIntel,6,8c,1,f4;
 *   X=110100;H=0123456789abcdef;M=LENOVO 21CBCTO1WW
 *
 * (one line; broken here only to fit).
 *
 *   CETBED1  magic and format version
 *   R        verdict word: SUCCESS, SKIP, FAILURE or ERROR
 *   N        counts: planned, passed, skipped, failed, errors (decimal)
 *   F        failing tests by KTAP number, ascending, comma-separated; "a-b" is
 *            a run of consecutive numbers; an "e" suffix means the test (or the
 *            whole run a-b) ended ERROR rather than FAIL; a final "+" means more
 *            failing tests than listed; empty when none failed
 *   C        CPU: vendor string, family, model, stepping, microcode revision
 *            (the last four in hex without "0x")
 *   X        CET enumeration, one 0/1 each: shstk, ibt, cet_sss, xsaves,
 *            xss_cet_u, xss_cet_s (as in the "# cet:" fingerprint line)
 *   H        first 8 bytes of the SHA-256 of the console output from its
 *            first byte through the verdict line, in hex (the host recomputes
 *            it from a serial log: summary.log_hash() in tests/harness)
 *   B        only after a CET benchmark run (make bench-cet): the medians in
 *            TSC cycles, "key:cycles" comma-separated in the order measured
 *            (keys as in the "# bench:" lines); at most SUMMARY_BENCH_TEXT
 *            characters, items that do not fit are left out whole
 *   M        machine model from SMBIOS, possibly empty; always last
 *
 * In C and M a byte outside 0x20..0x7e and each of "%;," is written %XX
 * (uppercase hex).  Counts are capped at 65535, F at SUMMARY_FAILING_TEXT
 * characters, B at SUMMARY_BENCH_TEXT and M at SUMMARY_MACHINE_TEXT, so the
 * line never exceeds SUMMARY_TEXT_MAX - 1 characters; a usual run needs
 * about 110, a benchmark run about 100 more.
 * tests/harness/summary.py decodes it.
 */
#ifndef CETBED_SUMMARY_H
#define CETBED_SUMMARY_H

#include "console.h"
#include "types.h"

#define SUMMARY_VERSION 1
#define SUMMARY_MAX_FAILING 32
#define SUMMARY_HASH_BYTES 8
#define SUMMARY_MACHINE_MAX 64  /* bytes kept from SMBIOS (SMBIOS_MACHINE_MAX) */
#define SUMMARY_MACHINE_TEXT 40 /* characters of M, escapes included */
#define SUMMARY_FAILING_TEXT 64 /* characters of F, "+" included */
#define SUMMARY_BENCH_TEXT 128 /* characters of B */
#define SUMMARY_TEXT_MAX 384

/* In the order of the kernel's verdict, least severe first. */
enum summary_verdict { SUMMARY_SUCCESS, SUMMARY_SKIP, SUMMARY_FAILURE, SUMMARY_ERROR };

#define SUMMARY_CET_SHSTK BIT(0)
#define SUMMARY_CET_IBT BIT(1)
#define SUMMARY_CET_SSS BIT(2)
#define SUMMARY_CET_XSAVES BIT(3)
#define SUMMARY_CET_XSS_U BIT(4)
#define SUMMARY_CET_XSS_S BIT(5)

struct summary_failure {
	u16 number;
	bool error; /* ended ERROR, not FAIL */
};

struct summary {
	enum summary_verdict verdict;
	u32 planned, passed, skipped, failed, errors;
	struct summary_failure failing[SUMMARY_MAX_FAILING];
	unsigned nr_failing;
	bool failing_truncated; /* more failed than failing[] holds */
	char vendor[13];
	u32 family, model, stepping, microcode;
	u32 cet; /* SUMMARY_CET_* */
	char machine[SUMMARY_MACHINE_MAX + 1];
	char bench[SUMMARY_BENCH_TEXT + 1]; /* B, empty when no benchmark ran */
	u8 log_hash[SUMMARY_HASH_BYTES];
};

void summary_init(struct summary *s);
/* Records a test that ended FAIL or ERROR; the lowest SUMMARY_MAX_FAILING numbers are kept. */
void summary_add_failure(struct summary *s, unsigned number, bool error);
/* SMBIOS strings are space-padded; trailing blanks go. */
void summary_set_machine(struct summary *s, const char *model);
/* Benchmark medians as B holds them ("key:cycles,..."); only [a-z0-9:,] is kept. */
void summary_set_bench(struct summary *s, const char *text);

/*
 * The log hash: the console feeds every byte it writes through
 * summary_hash_sink (kernel_main adds it before any output);
 * summary_hash_take() stores the digest of everything fed so far in s, and
 * feeding may go on.
 */
extern const struct console_sink summary_hash_sink;
void summary_hash_update(const char *p, size_t n);
void summary_hash_take(struct summary *s);
void summary_hash_reset(void);

/* The line, NUL-terminated; returns its length, or -1 if size is too small. */
int summary_format(const struct summary *s, char *buf, size_t size);

#endif
