/*
 * panic(): report what is known and close the KTAP stream.  Where the
 * console is on a screen the machine then halts, so the person at it can
 * read or photograph the message; only a run without a screen (serial or
 * emulator) powers off.
 */
#include "console.h"
#include "kernel/report/fbcon.h"
#include "kernel/platform/power.h"
#include "lib.h"
#include "test.h"
#include "x86/cpu.h"

void panic(const char *fmt, ...)
{
	static bool in_panic;
	char msg[256];
	va_list ap;

	cli();
	if (in_panic) {
		console_write("\n# PANIC while panicking\n", 26);
		console_flush();
		halt_forever();
	}
	in_panic = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("PANIC: %s", msg);
	const struct test_case_run *t = test_running();
	if (t)
		kprintf("not ok %u %s # ERROR kernel panic: %s\n", t->number, t->tc->name, msg);
	kprintf("Test result: ERROR\n");
	if (fbcon_active()) {
		diag("PANIC: halted with the screen kept; switch the machine off by hand");
		console_flush();
		halt_forever();
	}
	power_off(EXIT_ERROR_CODE);
}
