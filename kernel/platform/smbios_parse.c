/*
 * SMBIOS entry-point and structure parsing on plain buffers, so the host
 * unit tests run the same code as the kernel (DMTF DSP0134).
 */
#include "kernel/platform/smbios.h"
#include "lib.h"

const char *smbios_entry_parse(const u8 *ep, size_t avail, struct smbios_entry *e)
{
	*e = (struct smbios_entry){ 0 };
	if (avail >= 24 && !memcmp(ep, "_SM3_", 5)) {
		/* 64-bit entry point: length at 6, version at 7-8, table at 0x10. */
		u8 len = ep[6];
		if (len < 24 || len > avail)
			return "SMBIOS 3 entry point has a bad length";
		if (!sum8_zero(ep, len))
			return "SMBIOS 3 entry point checksum is wrong";
		e->major = ep[7];
		e->minor = ep[8];
		memcpy(&e->table_len, ep + 0x0c, 4);
		memcpy(&e->table, ep + 0x10, 8);
		return NULL;
	}
	if (avail >= 30 && !memcmp(ep, "_SM_", 4)) {
		/* 32-bit entry point: length at 5 (0x1f, 0x1e in SMBIOS 2.1), "_DMI_" from 0x10. */
		u8 len = ep[5];
		if (len < 30 || len > avail)
			return "SMBIOS 2 entry point has a bad length";
		if (!sum8_zero(ep, len) || memcmp(ep + 0x10, "_DMI_", 5) || !sum8_zero(ep + 0x10, 15))
			return "SMBIOS 2 entry point checksum is wrong";
		e->major = ep[6];
		e->minor = ep[7];
		u16 tlen, count;
		u32 table;
		memcpy(&tlen, ep + 0x16, 2);
		memcpy(&table, ep + 0x18, 4);
		memcpy(&count, ep + 0x1c, 2);
		e->table = table;
		e->table_len = tlen;
		e->count = count;
		return NULL;
	}
	return "no SMBIOS anchor";
}

/* String number n (1-based) of the structure whose strings start at s. */
static const char *nth_string(const u8 *s, const u8 *end, unsigned n, size_t *len)
{
	if (!n)
		return NULL;
	while (s < end && *s) {
		const u8 *z = s;
		while (z < end && *z)
			z++;
		if (z >= end)
			return NULL;
		if (--n == 0) {
			*len = (size_t)(z - s);
			return (const char *)s;
		}
		s = z + 1;
	}
	return NULL;
}

static void append(char *out, size_t size, size_t *at, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *at + 1 < size; i++) {
		char c = s[i];
		out[(*at)++] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	out[*at] = '\0';
}

const char *smbios_system_model(const u8 *table, size_t len, char *out, size_t size)
{
	const u8 *p = table, *end = table + len;

	out[0] = '\0';
	while (p + 4 <= end) {
		u8 type = p[0], flen = p[1];
		if (flen < 4 || p + flen > end)
			return "a structure runs past the table";
		/* Strings follow the formatted area and end with two NULs. */
		const u8 *s = p + flen, *next = s;
		while (next + 1 < end && (next[0] || next[1]))
			next++;
		if (next + 1 >= end)
			return "a structure's strings run past the table";
		next += 2;
		if (type == 1) {
			if (flen < 6)
				return "System Information structure is too short";
			size_t n1 = 0, n2 = 0, at = 0;
			const char *maker = nth_string(s, next, p[4], &n1);
			const char *product = nth_string(s, next, p[5], &n2);
			if (maker)
				append(out, size, &at, maker, n1);
			while (at && out[at - 1] == ' ')
				out[--at] = '\0';
			if (product && n2) {
				if (at)
					append(out, size, &at, " ", 1);
				append(out, size, &at, product, n2);
			}
			while (at && out[at - 1] == ' ')
				out[--at] = '\0';
			return at ? NULL : "System Information names no manufacturer or product";
		}
		if (type == 127)
			break;
		p = next;
	}
	return "no System Information (type 1) structure";
}
