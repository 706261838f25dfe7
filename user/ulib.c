/* The tiny ring-3 library: string output on top of SYS_WRITE (strings: kernel/lib/string.c). */
#include "lib.h"
#include "user/usys.h"

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
