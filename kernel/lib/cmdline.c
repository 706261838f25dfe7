/* Command-line parsing (include/kernel/lib/cmdline.h). */
#include "kernel/lib/cmdline.h"
#include "lib.h"

bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/* The loader's path to the kernel image: "/boot/kernel.elf", "(cd)/...", "build/kernel.elf". */
static bool is_kernel_path(const char *w)
{
	return !strchr(w, '=') && (strchr(w, '/') || strchr(w, '('));
}

static void add_pattern(struct cmdline *c, char *p)
{
	if (!*p)
		return;
	if (c->nr_patterns < CMDLINE_MAX_PATTERNS)
		c->patterns[c->nr_patterns++] = p;
	else
		c->nr_dropped++;
}

static void add_word(const char **list, unsigned *nr, struct cmdline *c, char *w)
{
	if (*nr < CMDLINE_MAX_UNKNOWN)
		list[(*nr)++] = w;
	else
		c->nr_dropped++;
}

/* "off", or decimal seconds up to CMDLINE_SCREEN_MAX ("0" is off too). */
static bool parse_screen(const char *v, unsigned *seconds)
{
	unsigned n = 0;

	if (!strcmp(v, "off")) {
		*seconds = 0;
		return true;
	}
	if (!*v)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		n = n * 10 + (unsigned)(*v - '0');
		if (n > CMDLINE_SCREEN_MAX)
			return false;
	}
	*seconds = n;
	return true;
}

/* Decimal, or hex after "0x"; the end of the digits goes to *end. */
static bool parse_number(const char *s, u64 *v, const char **end)
{
	unsigned base = 10;
	const char *p = s;

	*v = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	const char *digits = p;
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (*v > (~0UL - d) / base)
			return false;
		*v = *v * base + d;
	}
	*end = p;
	return p != digits;
}

/* "io:PORT" or "mmio:ADDR", then optionally ",stride=1|2|4", then ",clock=HZ". */
static bool parse_uart(const char *s, struct cmdline_uart *u)
{
	const char *p;
	u64 stride = 1;

	if (!strncmp(s, "io:", 3)) {
		u->mmio = false;
		s += 3;
	} else if (!strncmp(s, "mmio:", 5)) {
		u->mmio = true;
		s += 5;
	} else {
		return false;
	}
	if (!parse_number(s, &u->addr, &p) || !u->addr)
		return false;
	if (!strncmp(p, ",stride=", 8) && !parse_number(p + 8, &stride, &p))
		return false;
	u->clock_hz = 0;
	if (!strncmp(p, ",clock=", 7) && !parse_number(p + 7, &u->clock_hz, &p))
		return false;
	if (*p || (stride != 1 && stride != 2 && stride != 4))
		return false;
	/* 115200 baud needs a clock of at least 16 x 115200 Hz and a 16-bit divisor. */
	if (u->clock_hz && (u->clock_hz < 16 * 115200UL || u->clock_hz / (16 * 115200UL) > 0xffff))
		return false;
	u->stride = (u8)stride;
	/* Eight registers must fit: in the I/O space, or below 2^52 for MMIO. */
	return u->mmio ? u->addr < (1UL << 52) : u->addr + 8 * stride <= 0x10000;
}

static void parse_word(struct cmdline *c, char *w)
{
	if (!strncmp(w, "tests=", 6)) {
		c->tests_given = true;
		char *p = w + 6;
		for (char *comma; (comma = strchr(p, ',')); p = comma + 1) {
			*comma = '\0';
			add_pattern(c, p);
		}
		add_pattern(c, p);
	} else if (!strncmp(w, "timeout=", 8)) {
		unsigned v = 0;
		const char *d = w + 8;
		for (; *d >= '0' && *d <= '9' && v < 100000; d++)
			v = v * 10 + (unsigned)(*d - '0');
		if (*d || d == w + 8 || !v)
			add_word(c->invalid, &c->nr_invalid, c, w);
		else
			c->timeout_s = v;
	} else if (!strcmp(w, "list")) {
		c->list = true;
	} else if (!strncmp(w, "screen=", 7)) {
		if (!parse_screen(w + 7, &c->screen_seconds))
			add_word(c->invalid, &c->nr_invalid, c, w);
	} else if (!strncmp(w, "efivars=", 8)) {
		if (!strcmp(w + 8, "off"))
			c->efivars_off = true;
		else if (!strcmp(w + 8, "on"))
			c->efivars_off = false;
		else
			add_word(c->invalid, &c->nr_invalid, c, w);
	} else if (!strncmp(w, "timer=", 6)) {
		static const char *const names[] = { "cpuid", "tsc-deadline", "pmtmr", "hpet", "pit" };
		unsigned i = 0;
		while (i < ARRAY_SIZE(names) && strcmp(w + 6, names[i]))
			i++;
		if (i < ARRAY_SIZE(names))
			c->timer = (enum cmdline_timer)(CMDLINE_TIMER_CPUID + i);
		else
			add_word(c->invalid, &c->nr_invalid, c, w);
	} else if (!strncmp(w, "apic=", 5)) {
		if (!strcmp(w + 5, "x2apic"))
			c->apic_x2apic = true;
		else
			add_word(c->invalid, &c->nr_invalid, c, w);
	} else if (!strncmp(w, "fuzz_seed=", 10)) {
		const char *end;
		if (!parse_number(w + 10, &c->fuzz_seed, &end) || *end)
			add_word(c->invalid, &c->nr_invalid, c, w);
		else
			c->fuzz_seed_given = true;
	} else if (!strncmp(w, "fuzz_calls=", 11)) {
		const char *end;
		u64 v;
		if (!parse_number(w + 11, &v, &end) || *end || !v || v > CMDLINE_FUZZ_CALLS_MAX)
			add_word(c->invalid, &c->nr_invalid, c, w);
		else
			c->fuzz_calls = v;
	} else if (!strncmp(w, "fuzz_secs=", 10)) {
		const char *end;
		u64 v;
		if (!parse_number(w + 10, &v, &end) || *end || !v || v > 86400)
			add_word(c->invalid, &c->nr_invalid, c, w);
		else
			c->fuzz_secs = (unsigned)v;
	} else if (!strncmp(w, "uart=", 5)) {
		struct cmdline_uart u;
		if (!parse_uart(w + 5, &u))
			add_word(c->invalid, &c->nr_invalid, c, w);
		else if (c->nr_uarts < CMDLINE_MAX_UARTS)
			c->uarts[c->nr_uarts++] = u;
		else
			c->nr_dropped++;
	} else if (!strncmp(w, "clearcpuid=", 11)) {
		if (!w[11])
			add_word(c->invalid, &c->nr_invalid, c, w);
		else if (c->nr_clearcpuid < CMDLINE_MAX_CLEARCPUID)
			c->clearcpuid[c->nr_clearcpuid++] = w + 11;
		else
			c->nr_dropped++;
	} else {
		add_word(c->unknown, &c->nr_unknown, c, w);
	}
}

void cmdline_parse(struct cmdline *c, const char *line)
{
	size_t n = strnlen(line, CMDLINE_BUF - 1);
	bool first = true;

	memset(c, 0, sizeof(*c));
	memcpy(c->buf, line, n);
	c->buf[n] = '\0';
	for (char *p = c->buf; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		if (first && is_kernel_path(w)) {
			first = false;
			continue;
		}
		first = false;
		parse_word(c, w);
	}
}

bool cmdline_selects(const struct cmdline *c, const char *name, bool optin)
{
	if (!c->tests_given)
		return !optin;
	for (unsigned i = 0; i < c->nr_patterns; i++)
		if (optin ? !strcmp(c->patterns[i], name) : glob_match(c->patterns[i], name))
			return true;
	return false;
}
