/* The output layer: one writer, several sinks (COM1, more UARTs, framebuffer). */
#ifndef CETBED_CONSOLE_H
#define CETBED_CONSOLE_H

#include "types.h"

struct console_sink {
	const char *name;
	void (*write)(const char *s, size_t n);
	/* Waits until every byte has left the device; may be NULL. */
	void (*flush)(void);
};

void console_add_sink(const struct console_sink *sink);
/*
 * Adds a sink that appears after output has begun: it first gets the output
 * so far (the first 16 KiB), so its log starts at the KTAP header like the
 * others.  False if there is no room for another sink.
 */
bool console_add_sink_replay(const struct console_sink *sink);
void console_flush(void);

void serial_init(void);
extern const struct console_sink serial_sink;

#endif
