/*
 * Boot-level errors: problems outside any test (boot information, command
 * line, a tests= pattern that matches nothing).  Each one is a "# ERROR:"
 * line; the runner also reports them as one `not ok` result named "boot",
 * so a TAP or KTAP consumer that ignores "#" lines still sees a failure.
 */
#ifndef CETBED_KERNEL_BOOT_ERROR_H
#define CETBED_KERNEL_BOOT_ERROR_H

#include "types.h"

#define BOOT_ERROR_TEXT 96

/* Prints "# ERROR: <text>" and counts it; the first one's text is kept. */
void boot_error(const char *fmt, ...) __printf(1, 2);
unsigned boot_error_count(void);
/* The first error's text, cut to BOOT_ERROR_TEXT - 1 bytes; "" if none. */
const char *boot_error_first(void);

#endif
