/*
 * Fans every console byte out to the registered sinks (devices, and the
 * summary's log hash, which kernel_main registers before the first byte).
 */
#include "console.h"
#include "lib.h"

/* Eight devices, plus the summary's log hash. */
#define MAX_SINKS 9
/* Kept so that a sink found late (a PCI UART) still gets the KTAP header. */
#define EARLY_LOG 16384

static const struct console_sink *sinks[MAX_SINKS];
static unsigned nr_sinks;
static char early_log[EARLY_LOG];
static size_t early_len, early_lost;

void console_add_sink(const struct console_sink *sink)
{
	if (nr_sinks < MAX_SINKS)
		sinks[nr_sinks++] = sink;
}

bool console_add_sink_replay(const struct console_sink *sink)
{
	if (nr_sinks == MAX_SINKS)
		return false;
	sink->write(early_log, early_len);
	sinks[nr_sinks++] = sink;
	if (early_lost)
		diag("console: %s missed %lu bytes of early output", sink->name, early_lost);
	return true;
}

void console_write(const char *s, size_t n)
{
	size_t keep = n < EARLY_LOG - early_len ? n : EARLY_LOG - early_len;
	memcpy(early_log + early_len, s, keep);
	early_len += keep;
	early_lost += n - keep;
	for (unsigned i = 0; i < nr_sinks; i++)
		sinks[i]->write(s, n);
}

void console_flush(void)
{
	for (unsigned i = 0; i < nr_sinks; i++)
		if (sinks[i]->flush)
			sinks[i]->flush();
}

void vkprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

void diag(const char *fmt, ...)
{
	va_list ap;
	console_write("# ", 2);
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	console_write("\n", 1);
}
