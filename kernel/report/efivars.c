/*
 * The run's progress and summary in UEFI variables
 * (include/kernel/report/efivars.h): written as the run goes, read back at the
 * next boot.
 */
#include "errno.h"
#include "kernel/platform/efi.h"
#include "kernel/report/efivars.h"
#include "lib.h"
#include "kernel/report/summary.h"

#define EFIVARS_RECORD_MAX 128
/* Bytes of variable store left free, Linux's EFI_MIN_RESERVE on x86. */
#define EFIVARS_MIN_RESERVE 5120

static bool efivars_writing;
static bool efivars_progress_failed;
static u64 efivars_run_id;

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* Firmware hands back whatever is stored: only printable ASCII reaches the log. */
static void efivars_printable(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			s[i] = '?';
	s[n] = '\0';
}

/* Reads a variable as a string; its length, or -errno. */
static int efivars_read(const char *name, char *buf, size_t size)
{
	size_t len = size - 1;
	int err = efi_var_get(name, buf, &len);

	if (err)
		return err;
	efivars_printable(buf, len);
	return (int)len;
}

static void efivars_fail(const char *what, const char *name, int err)
{
	char tmp[32];

	diag("efi: %s %s failed: %s", what, name,
	     err == -ENODEV ? "runtime services are gone"
			    : efi_status_name(efi_last_status(), tmp, sizeof(tmp)));
}

/* "<hex>" then " test=<N> <name>" or " done"; false if it is neither. */
static bool efivars_parse(char *rec, u64 *id, unsigned *test, const char **name)
{
	char *p = rec + 4;
	u64 v = 0;

	if (strncmp(rec, "run=", 4))
		return false;
	for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
		v = v << 4 | (u64)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
	if (p == rec + 4)
		return false;
	*id = v;
	*test = 0;
	if (!strcmp(p, " done"))
		return true;
	if (!strncmp(p, " boot ", 6) && p[6]) {
		*name = p + 6; /* a start-up step, test stays 0 */
		return true;
	}
	if (strncmp(p, " test=", 6))
		return false;
	for (p += 6; *p >= '0' && *p <= '9'; p++)
		*test = *test * 10 + (unsigned)(*p - '0');
	if (*p != ' ' || !*test)
		return false;
	*name = p + 1;
	return true;
}

static void efivars_report_previous(void)
{
	char prog[EFIVARS_RECORD_MAX], sum[SUMMARY_TEXT_MAX];
	int plen = efivars_read(EFIVARS_PROGRESS, prog, sizeof(prog));
	int slen = efivars_read(EFIVARS_SUMMARY, sum, sizeof(sum));
	const char *name = NULL;
	unsigned test;
	u64 id;

	if (plen < 0 && plen != -ENOENT)
		efivars_fail("reading", EFIVARS_PROGRESS, plen);
	if (slen < 0 && slen != -ENOENT)
		efivars_fail("reading", EFIVARS_SUMMARY, slen);
	if (plen == -ENOENT && slen == -ENOENT)
		diag("efi: no previous run recorded in UEFI variables");
	if (plen >= 0 && !efivars_parse(prog, &id, &test, &name)) {
		diag("efi: %s holds an unknown record '%s'", EFIVARS_PROGRESS, prog);
	} else if (plen >= 0 && test) {
		/* The run stored no summary after this test started: it never finished. */
		diag("previous run %lx stopped in test %u %s", id, test, name);
		return;
	} else if (plen >= 0 && name) {
		diag("previous run %lx stopped during start-up, in step '%s'", id, name);
		return;
	} else if (plen >= 0) {
		diag("previous run %lx finished%s", id, slen >= 0 ? "" : " but left no summary");
	}
	if (slen >= 0)
		diag("previous run: %s", sum);
}

void efivars_boot(const char *no_writes)
{
	if (!efi_available())
		return;
	efivars_run_id = rdtsc();
	efivars_report_previous();
	if (!efi_available())
		return;
	efivars_writing = !no_writes;
	u64 left, max;
	if (!efi_var_space(&left, &max))
		diag("efi: QueryVariableInfo: %lu bytes of variable store left, largest variable "
		     "%lu bytes; writes keep %u bytes free", left, max, EFIVARS_MIN_RESERVE);
	else
		diag("efi: no QueryVariableInfo: writes cannot check the space left");
	if (efivars_writing)
		diag("efi: run %lx: progress in %s, summary in %s (vendor GUID %s)",
		     efivars_run_id, EFIVARS_PROGRESS, EFIVARS_SUMMARY, EFI_CETBED_GUID_TEXT);
	else
		diag("efi: %s: run %lx is not recorded in UEFI variables", no_writes,
		     efivars_run_id);
}

static void efivars_store_progress(const char *rec, int n);

void efivars_test_start(unsigned number, const char *name)
{
	char rec[EFIVARS_RECORD_MAX];

	if (!efivars_writing || efivars_progress_failed)
		return;
	int n = snprintf(rec, sizeof(rec), "run=%lx test=%u %s", efivars_run_id, number, name);
	efivars_store_progress(rec, n);
}

void efivars_progress(const char *step)
{
	char rec[EFIVARS_RECORD_MAX];

	if (!efivars_writing || efivars_progress_failed)
		return;
	int n = snprintf(rec, sizeof(rec), "run=%lx boot %s", efivars_run_id, step);
	efivars_store_progress(rec, n);
}

/*
 * Firmware that runs out of variable store may fail to boot, so, as Linux
 * does, a write must leave EFIVARS_MIN_RESERVE bytes free where
 * QueryVariableInfo tells; firmware without it is written as before.
 */
static bool efivars_room(const char *name, size_t len)
{
	static bool told;
	u64 left, max;

	if (efi_var_space(&left, &max))
		return true;
	if (left >= EFIVARS_MIN_RESERVE + len + EFI_VAR_NAME_MAX * 2 && len <= max)
		return true;
	if (!told)
		diag("efi: not writing %s: %lu bytes of variable store left, cetbed keeps %u free",
		     name, left, EFIVARS_MIN_RESERVE);
	told = true;
	return false;
}

static void efivars_store_progress(const char *rec, int n)
{
	size_t len = (size_t)n < EFIVARS_RECORD_MAX ? (size_t)n : EFIVARS_RECORD_MAX - 1;

	if (!efivars_room(EFIVARS_PROGRESS, len)) {
		efivars_progress_failed = true;
		return;
	}
	int err = efi_var_set(EFIVARS_PROGRESS, rec, len);
	if (err) {
		/* Once is enough: the store is full or the firmware refuses. */
		efivars_progress_failed = true;
		efivars_fail("writing", EFIVARS_PROGRESS, err);
	}
}

void efivars_run_end(const struct summary *s)
{
	char text[SUMMARY_TEXT_MAX], rec[EFIVARS_RECORD_MAX];

	if (!efivars_writing)
		return;
	int n = summary_format(s, text, sizeof(text));
	if (n < 0) {
		diag("efi: the summary does not fit in %d bytes; not stored", SUMMARY_TEXT_MAX);
		return;
	}
	if (!efivars_room(EFIVARS_SUMMARY, (size_t)n))
		return;
	int err = efi_var_set(EFIVARS_SUMMARY, text, (size_t)n);
	if (err) {
		efivars_fail("writing", EFIVARS_SUMMARY, err);
		return;
	}
	n = snprintf(rec, sizeof(rec), "run=%lx done", efivars_run_id);
	err = efi_var_set(EFIVARS_PROGRESS, rec, (size_t)n);
	if (err)
		efivars_fail("writing", EFIVARS_PROGRESS, err);
	diag("efi: run %lx stored %s: %s", efivars_run_id, EFIVARS_SUMMARY, text);
}
