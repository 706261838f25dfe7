/*
 * The kernel command line: "tests=GLOB[,GLOB...]", "timeout=SECONDS",
 * "screen=off|SECONDS", "list", "efivars=on|off",
 * "uart=io:PORT|mmio:ADDR[,stride=N][,clock=HZ]", "timer=SOURCE",
 * "apic=x2apic", "clearcpuid=NAME[,NAME...]", and for the system-call
 * fuzzer "fuzz_seed=N", "fuzz_calls=N" and "fuzz_secs=SECONDS".  Pure
 * code, host-tested.  Nothing
 * unknown is ignored: it is collected and reported.
 */
#ifndef CETBED_KERNEL_CMDLINE_H
#define CETBED_KERNEL_CMDLINE_H

#include "types.h"

#define CMDLINE_BUF 1024
#define CMDLINE_MAX_PATTERNS 32
#define CMDLINE_MAX_UNKNOWN 16
/* screen=SECONDS: up to an hour of verdict screen before power-off. */
#define CMDLINE_SCREEN_MAX 3600
#define CMDLINE_MAX_UARTS 4
#define CMDLINE_MAX_CLEARCPUID 4
/* fuzz_calls=N: at most 2^31 (the fuzzer's call index is 32 bits wide). */
#define CMDLINE_FUZZ_CALLS_MAX (1UL << 31)

/* A UART named on the command line: a 16550 at an I/O port or at MMIO. */
struct cmdline_uart {
	bool mmio;
	u64 addr;
	u8 stride; /* bytes between registers: 1, 2 or 4 */
	u64 clock_hz; /* the UART's input clock, 0 if not given */
};

/* timer=: which clock calibrates the timer, or TSC-deadline mode (kernel/time/). */
enum cmdline_timer {
	CMDLINE_TIMER_AUTO,
	CMDLINE_TIMER_CPUID,
	CMDLINE_TIMER_TSC_DEADLINE,
	CMDLINE_TIMER_PMTMR,
	CMDLINE_TIMER_HPET,
	CMDLINE_TIMER_PIT,
};

struct cmdline {
	char buf[CMDLINE_BUF];
	const char *patterns[CMDLINE_MAX_PATTERNS];
	unsigned nr_patterns;
	bool tests_given; /* a tests= option appeared, even an empty one */
	bool list;	  /* print the test names and stop */
	unsigned timeout_s; /* per-run watchdog, 0 = the default */
	/* Seconds the verdict screen stays before power-off; 0 (screen=off) is none. */
	unsigned screen_seconds;
	bool efivars_off;   /* keep no progress or summary in UEFI variables */
	enum cmdline_timer timer;
	bool apic_x2apic; /* apic=x2apic: switch the local APIC to x2APIC mode */
	/* The fuzzer: its seed (given or not), calls (0: its default), time limit (0: none). */
	bool fuzz_seed_given;
	u64 fuzz_seed;
	u64 fuzz_calls;
	unsigned fuzz_secs;
	struct cmdline_uart uarts[CMDLINE_MAX_UARTS];
	unsigned nr_uarts;
	/* clearcpuid=NAME[,NAME...] values, checked against the feature table later. */
	const char *clearcpuid[CMDLINE_MAX_CLEARCPUID];
	unsigned nr_clearcpuid;
	const char *unknown[CMDLINE_MAX_UNKNOWN];
	unsigned nr_unknown;
	/* Known options with a value they do not take, e.g. "screen=soon". */
	const char *invalid[CMDLINE_MAX_UNKNOWN];
	unsigned nr_invalid;
	/* Problems beyond unknown and invalid options (too many patterns...), counted. */
	unsigned nr_dropped;
};

/*
 * Splits line at spaces.  A first word that is the kernel's path (multiboot 1
 * loaders put it there) is dropped.
 */
void cmdline_parse(struct cmdline *c, const char *line);
/* '*' matches any run, '?' one character. */
bool glob_match(const char *pat, const char *s);
/*
 * With no tests= option every test is selected, except opt-in tests: those
 * run only when a pattern names them exactly, without wildcards.
 */
bool cmdline_selects(const struct cmdline *c, const char *name, bool optin);

#endif
