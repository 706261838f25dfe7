/* Freestanding string, formatting and console helpers. */
#ifndef CETBED_LIB_H
#define CETBED_LIB_H

#include "types.h"

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* True if the bytes add up to 0 modulo 256 (ACPI and SMBIOS checksums). */
static inline bool sum8_zero(const void *p, size_t n)
{
	u8 s = 0;
	for (size_t i = 0; i < n; i++)
		s += ((const u8 *)p)[i];
	return s == 0;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Console: every byte goes through console_write() to all sinks. */
void console_write(const char *s, size_t n);
void kprintf(const char *fmt, ...) __printf(1, 2);
void vkprintf(const char *fmt, va_list ap);
/* Prints a "# " diagnostic line; the newline is added. */
void diag(const char *fmt, ...) __printf(1, 2);

void __noreturn panic(const char *fmt, ...) __printf(1, 2);

#endif
