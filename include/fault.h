/*
 * Catching kernel-mode exceptions.  fault_catch_call() runs a function with
 * a catch armed; an exception taken at CPL0 inside it resumes the caller
 * with the fault recorded instead of panicking.  Catches nest.
 */
#ifndef CETBED_FAULT_H
#define CETBED_FAULT_H

#include "kernel/ctx.h"
#include "x86/trap.h"

struct fault_catch {
	struct kctx ctx;
	struct fault_info info;
	struct trap_frame frame;
	struct fault_catch *prev;
	u64 s_cet; /* IA32_S_CET when armed: a fault unwinds to it */
};

/* Returns true if fn faulted; *c then holds the fault and the trap frame. */
bool fault_catch_call(struct fault_catch *c, void (*fn)(void *), void *arg);
/* Called by the trap handler; returns only if no catch is armed. */
void fault_catch_deliver(const struct trap_frame *f, u64 cr2);

#endif
