/* The freestanding string functions; gcc may also emit calls to these. */
#include "lib.h"

/*
 * REP string instructions (the fast path on CPUs with ERMS), by whole
 * quadwords where everything is 8-byte aligned (pages, above all): an
 * emulator without string shortcuts runs one iteration per element, so
 * that is 8 times fewer.  DF is clear in the kernel (the ABI and FMASK).
 */
void *memset(void *d, int c, size_t n)
{
	void *p = d;
	if (!(((u64)d | n) & 7)) {
		u64 q = (u8)c * 0x0101010101010101UL, nq = n / 8;
		asm volatile("rep stosq" : "+D"(p), "+c"(nq) : "a"(q) : "memory");
	} else {
		asm volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
	}
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *dp = d;
	if (!(((u64)d | (u64)s | n) & 7)) {
		size_t nq = n / 8;
		asm volatile("rep movsq" : "+D"(dp), "+S"(s), "+c"(nq) : : "memory");
	} else {
		asm volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(n) : : "memory");
	}
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}
