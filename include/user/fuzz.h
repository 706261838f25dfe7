/*
 * The ring-3 system-call fuzzer (program "fuzz") and its kernel driver
 * (tests/fuzz.c).  Call i of a run with seed S draws every choice from a
 * generator seeded with (S, i) alone; only values reused from earlier
 * results of the instance (its shadow stacks, its children's ids) depend on
 * the calls before.  The same seed and count replay a run call for call.
 */
#ifndef CETBED_USER_FUZZ_H
#define CETBED_USER_FUZZ_H

/* rdi = seed, rsi = first index | count << FUZZ_COUNT_SHIFT. */
#define FUZZ_COUNT_SHIFT 32
/* One program instance makes at most this many calls before it exits. */
#define FUZZ_CALLS_PER_RUN 2000

/* Exit statuses of the fuzz program and its children. */
#define FUZZ_EXIT_DONE 0	/* made every call it was given */
#define FUZZ_EXIT_CHILD 77	/* a fork or vfork child, right after the call */
#define FUZZ_EXIT_THREAD 78	/* a thread started on fuzz_thread_exit */
#define FUZZ_EXIT_FAULT_SIGNAL 79 /* its own handler got a fault signal */
#define FUZZ_EXIT_BAD_RETURN 80 /* a call returned neither a result nor -errno */

/* Slots of the per-number call counters: numbers at or past it share the last. */
#define FUZZ_MAX_NR 32

/*
 * The bookkeeping page, at fuzz_state: the fuzzer never passes a range
 * covering it to munmap or mprotect, so the driver can read it after the
 * program died.
 */
struct fuzz_state {
	unsigned long next;	/* index of the call being made (or next to make) */
	unsigned long made;	/* calls made by this instance */
	unsigned long errors;	/* ... that returned -errno */
	unsigned long bad_nr, bad_ret, bad_index; /* the first call with a bad result */
	unsigned long per_nr[FUZZ_MAX_NR];
};

#endif
