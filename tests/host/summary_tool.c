/*
 * Host driver of the kernel's summary codec and SHA-256 for
 * tests/host/test_summary.py.
 *
 *   summary-tool sha256 [CHUNK]   digest of standard input, fed CHUNK bytes at a time
 *   summary-tool encode           summary line from "key value" lines on standard input
 *
 * encode keys: verdict planned passed skipped failed errors (numbers), fail N
 * and error N (one failing test each, repeatable), vendor, family, model,
 * stepping, microcode (hex), cet (hex bits), machine (rest of line, may be
 * empty), log PATH (a file fed to the log hash in uneven pieces).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/sha256.h"
#include "kernel/report/summary.h"

static u8 input[1 << 20];
static struct summary sum;

static int cmd_sha256(size_t chunk)
{
	struct sha256 c;
	u8 d[SHA256_DIGEST_BYTES];
	size_t len = fread(input, 1, sizeof(input), stdin);

	sha256_init(&c);
	for (size_t at = 0; at < len; at += chunk)
		sha256_update(&c, input + at, len - at < chunk ? len - at : chunk);
	sha256_final(&c, d);
	for (int i = 0; i < SHA256_DIGEST_BYTES; i++)
		printf("%02x", d[i]);
	printf("\n");
	return 0;
}

static int feed_log(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t len = fread(input, 1, sizeof(input), f);
	fclose(f);
	/* Uneven pieces, as console writes come. */
	for (size_t at = 0, step = 1; at < len; at += step, step = step * 3 % 97 + 1)
		summary_hash_update((const char *)input + at, len - at < step ? len - at : step);
	return 0;
}

static int cmd_encode(void)
{
	char line[512], text[SUMMARY_TEXT_MAX];

	summary_init(&sum);
	summary_hash_reset();
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		char *val = strchr(line, ' ');
		val = val ? val + 1 : line + strlen(line);
		unsigned long n = strtoul(val, NULL, 10), x = strtoul(val, NULL, 16);
		if (!strncmp(line, "verdict", 7))
			sum.verdict = (enum summary_verdict)n;
		else if (!strncmp(line, "planned", 7))
			sum.planned = (u32)n;
		else if (!strncmp(line, "passed", 6))
			sum.passed = (u32)n;
		else if (!strncmp(line, "skipped", 7))
			sum.skipped = (u32)n;
		else if (!strncmp(line, "failed", 6))
			sum.failed = (u32)n;
		else if (!strncmp(line, "errors", 6))
			sum.errors = (u32)n;
		else if (!strncmp(line, "fail", 4))
			summary_add_failure(&sum, (unsigned)n, false);
		else if (!strncmp(line, "error", 5))
			summary_add_failure(&sum, (unsigned)n, true);
		else if (!strncmp(line, "vendor", 6))
			snprintf(sum.vendor, sizeof(sum.vendor), "%s", val);
		else if (!strncmp(line, "family", 6))
			sum.family = (u32)x;
		else if (!strncmp(line, "model", 5))
			sum.model = (u32)x;
		else if (!strncmp(line, "stepping", 8))
			sum.stepping = (u32)x;
		else if (!strncmp(line, "microcode", 9))
			sum.microcode = (u32)x;
		else if (!strncmp(line, "cet", 3))
			sum.cet = (u32)x;
		else if (!strncmp(line, "bench", 5))
			summary_set_bench(&sum, val);
		else if (!strncmp(line, "machine", 7))
			summary_set_machine(&sum, val);
		else if (!strncmp(line, "log", 3) && feed_log(val))
			return 1;
	}
	summary_hash_take(&sum);
	int n = summary_format(&sum, text, sizeof(text));
	if (n < 0 || (size_t)n != strlen(text)) {
		fprintf(stderr, "summary-tool: summary_format returned %d\n", n);
		return 1;
	}
	/* A buffer one byte short must be refused, not cut. */
	if (summary_format(&sum, text, (size_t)n) != -1) {
		fprintf(stderr, "summary-tool: a short buffer was accepted\n");
		return 1;
	}
	summary_format(&sum, text, sizeof(text));
	printf("%s\n", text);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "sha256"))
		return cmd_sha256(argc >= 3 ? strtoul(argv[2], NULL, 10) : sizeof(input));
	if (argc == 2 && !strcmp(argv[1], "encode"))
		return cmd_encode();
	fprintf(stderr, "usage: summary-tool sha256 [CHUNK] | encode\n");
	return 2;
}
