/*
 * The host unit tests' one check: EXPECT(cond) or EXPECT(cond, "fmt", ...)
 * counts a pass, or prints the file, line, condition and message of a
 * failure and counts it; expect_summary() prints the totals and gives the
 * exit status.  Each unit-test program is a single file that includes this.
 */
#ifndef CETBED_TESTS_HOST_EXPECT_H
#define CETBED_TESTS_HOST_EXPECT_H

#include <stdio.h>

static int passed, failed;

static void expect_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	__builtin_va_list ap; /* the kernel's types.h has its own va_* macros */

	failed++;
	printf("FAIL %s:%d: %s", file, line, cond);
	if (*fmt) {
		printf(": ");
		__builtin_va_start(ap, fmt);
		vprintf(fmt, ap);
		__builtin_va_end(ap);
	}
	printf("\n");
}

/* The message, if any, must start with a string literal. */
#define EXPECT(cond, ...)                                                                  \
	do {                                                                               \
		if (cond)                                                                  \
			passed++;                                                          \
		else                                                                       \
			expect_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);            \
	} while (0)

static int expect_summary(const char *prog)
{
	printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return failed != 0;
}

#endif
