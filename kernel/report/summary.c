/*
 * The result summary line (format in include/kernel/report/summary.h) and
 * the running hash of the console log it carries.
 */
#include "console.h"
#include "lib.h"
#include "kernel/lib/sha256.h"
#include "kernel/report/summary.h"

#define SUMMARY_COUNT_MAX 65535

static const char *const summary_verdicts[] = { "SUCCESS", "SKIP", "FAILURE", "ERROR" };

static struct sha256 summary_log;
static bool summary_log_started;

void summary_hash_reset(void)
{
	sha256_init(&summary_log);
	summary_log_started = true;
}

void summary_hash_update(const char *p, size_t n)
{
	/* The console writes before anything could initialise the hash. */
	if (!summary_log_started)
		summary_hash_reset();
	sha256_update(&summary_log, p, n);
}

const struct console_sink summary_hash_sink = {
	.name = "summary log hash",
	.write = summary_hash_update,
};

void summary_hash_take(struct summary *s)
{
	struct sha256 copy;
	u8 digest[SHA256_DIGEST_BYTES];

	if (!summary_log_started)
		summary_hash_reset();
	/* Finishing a copy leaves the running hash open for the rest of the log. */
	copy = summary_log;
	sha256_final(&copy, digest);
	memcpy(s->log_hash, digest, SUMMARY_HASH_BYTES);
}

static u32 summary_count(u32 n)
{
	return n > SUMMARY_COUNT_MAX ? SUMMARY_COUNT_MAX : n;
}

void summary_init(struct summary *s)
{
	memset(s, 0, sizeof(*s));
}

void summary_add_failure(struct summary *s, unsigned number, bool error)
{
	u16 n = (u16)summary_count(number);
	unsigned i = s->nr_failing;

	/* Kept in ascending order; when full, the highest numbers give way. */
	if (i == SUMMARY_MAX_FAILING) {
		s->failing_truncated = true;
		if (n >= s->failing[i - 1].number)
			return;
		i--;
	} else {
		s->nr_failing++;
	}
	for (; i && s->failing[i - 1].number > n; i--)
		s->failing[i] = s->failing[i - 1];
	s->failing[i].number = n;
	s->failing[i].error = error;
}

/* B goes out unescaped: only its own alphabet (keys, digits, ':' and ',') is kept. */
void summary_set_bench(struct summary *s, const char *text)
{
	size_t n = 0;

	for (; text && *text && n < SUMMARY_BENCH_TEXT; text++) {
		char c = *text;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == ',')
			s->bench[n++] = c;
	}
	s->bench[n] = '\0';
}

void summary_set_machine(struct summary *s, const char *model)
{
	size_t n = model ? strnlen(model, SUMMARY_MACHINE_MAX) : 0;
	while (n && (model[n - 1] == ' ' || model[n - 1] == '\t'))
		n--;
	memcpy(s->machine, model, n);
	s->machine[n] = '\0';
}

/* A bounded writer: fails once anything did not fit, so a short line is never returned. */
struct summary_out {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void summary_put(struct summary_out *o, const char *p, size_t n)
{
	if (o->overflow || o->len + n >= o->size) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void summary_putf(struct summary_out *o, const char *fmt, ...) __printf(2, 3);
static void summary_putf(struct summary_out *o, const char *fmt, ...)
{
	char tmp[32];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	summary_put(o, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static bool summary_plain(u8 c)
{
	return c >= 0x20 && c <= 0x7e && c != '%' && c != ';' && c != ',';
}

/* Escapes p[0..n) but stops before the text would pass max characters. */
static void summary_put_escaped(struct summary_out *o, const char *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		u8 c = (u8)p[i];
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
		size_t w = summary_plain(c) ? 1 : 3;
		if (used + w > max)
			break;
		summary_put(o, summary_plain(c) ? (const char *)&p[i] : esc, w);
		used += w;
	}
}

/* Length of the run of consecutive numbers of one kind starting at failing[i]. */
static unsigned summary_run(const struct summary *s, unsigned i)
{
	unsigned k = 1;
	while (i + k < s->nr_failing && s->failing[i + k].error == s->failing[i].error &&
	       s->failing[i + k].number == s->failing[i].number + k)
		k++;
	return k;
}

static void summary_put_failing(struct summary_out *o, const struct summary *s)
{
	char item[24];
	size_t used = 0;
	bool more = s->failing_truncated;

	for (unsigned i = 0; i < s->nr_failing;) {
		unsigned k = summary_run(s, i);
		const struct summary_failure *f = &s->failing[i];
		int n = k == 1 ? snprintf(item, sizeof(item), "%s%u%s", i ? "," : "", f->number,
					  f->error ? "e" : "")
			       : snprintf(item, sizeof(item), "%s%u-%u%s", i ? "," : "", f->number,
					  f->number + k - 1, f->error ? "e" : "");
		/* Room is kept for the "+" that says entries were left out. */
		bool last = i + k == s->nr_failing && !more;
		if (used + (size_t)n + (last ? 0 : 1) > SUMMARY_FAILING_TEXT) {
			more = true;
			break;
		}
		summary_put(o, item, (size_t)n);
		used += (size_t)n;
		i += k;
	}
	if (more)
		summary_put(o, "+", 1);
}

int summary_format(const struct summary *s, char *buf, size_t size)
{
	struct summary_out o = { buf, size, 0, size == 0 };
	char cet[7];

	if (size)
		buf[0] = '\0';
	summary_putf(&o, "CETBED%d;R=%s", SUMMARY_VERSION,
		     summary_verdicts[s->verdict <= SUMMARY_ERROR ? s->verdict : SUMMARY_ERROR]);
	summary_putf(&o, ";N=%u,%u,", summary_count(s->planned), summary_count(s->passed));
	summary_putf(&o, "%u,%u,%u", summary_count(s->skipped), summary_count(s->failed),
		     summary_count(s->errors));
	summary_put(&o, ";F=", 3);
	summary_put_failing(&o, s);
	summary_put(&o, ";C=", 3);
	summary_put_escaped(&o, s->vendor, strnlen(s->vendor, sizeof(s->vendor)), 36);
	summary_putf(&o, ",%x,%x,", s->family & 0xfff, s->model & 0xff);
	summary_putf(&o, "%x,%x", s->stepping & 0xf, s->microcode);
	for (int i = 0; i < 6; i++)
		cet[i] = (s->cet & BIT(i)) ? '1' : '0';
	cet[6] = '\0';
	summary_putf(&o, ";X=%s;H=", cet);
	for (int i = 0; i < SUMMARY_HASH_BYTES; i++)
		summary_putf(&o, "%02x", s->log_hash[i]);
	if (s->bench[0]) {
		summary_put(&o, ";B=", 3);
		summary_put(&o, s->bench, strnlen(s->bench, sizeof(s->bench)));
	}
	summary_put(&o, ";M=", 3);
	summary_put_escaped(&o, s->machine, strnlen(s->machine, sizeof(s->machine)),
			    SUMMARY_MACHINE_TEXT);
	return o.overflow ? -1 : (int)o.len;
}
