/* The tiny ring-3 library: string output on top of SYS_WRITE. */
#include "lib.h"
#include "user/usys.h"

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void uputs(const char *s)
{
	sys_write(s, strlen(s));
}

void uput_hex(const char *label, u64 v)
{
	char buf[96];
	size_t n = strlen(label);
	if (n > 64)
		n = 64;
	memcpy(buf, label, n);
	buf[n++] = ' ';
	buf[n++] = '0';
	buf[n++] = 'x';
	for (int shift = 60; shift >= 0; shift -= 4)
		buf[n++] = "0123456789abcdef"[(v >> shift) & 0xf];
	buf[n++] = '\n';
	sys_write(buf, n);
}
