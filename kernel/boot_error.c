/*
 * Boot-level errors, counted and the first one remembered, so the result
 * line and the verdict screen can name what went wrong before any test.
 */
#include "kernel/boot_error.h"
#include "lib.h"

static char first[BOOT_ERROR_TEXT];
static unsigned count;

void boot_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("ERROR: %s", msg);
	if (count++)
		return;
	/* The short form: the details in parentheses stay on the "#" line. */
	char *paren = msg;
	while ((paren = strchr(paren, '(')) && (paren == msg || paren[-1] != ' '))
		paren++;
	if (paren)
		paren[-1] = '\0';
	snprintf(first, sizeof(first), "%s", msg);
}

unsigned boot_error_count(void)
{
	return count;
}

const char *boot_error_first(void)
{
	return first;
}
