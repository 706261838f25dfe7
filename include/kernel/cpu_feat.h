/*
 * The CPU features cetbed looks at, by name: each one's CPUID bit, whether
 * the CPU enumerates it, and whether clearcpuid= hid it from the kernel.
 */
#ifndef CETBED_KERNEL_CPU_FEAT_H
#define CETBED_KERNEL_CPU_FEAT_H

#include "types.h"

enum cpu_feat_id {
	FEAT_NX,
	FEAT_PGE,
	FEAT_PAT,
	FEAT_PDPE1GB,
	FEAT_SMEP,
	FEAT_SMAP,
	FEAT_UMIP,
	FEAT_PCID,
	FEAT_INVPCID,
	FEAT_XSAVE,
	FEAT_XSAVEOPT,
	FEAT_XSAVES,
	FEAT_FSGSBASE,
	FEAT_PKU,
	FEAT_RDTSCP,
	FEAT_RDPID,
	FEAT_APIC,
	FEAT_X2APIC,
	FEAT_TSC_DEADLINE,
	FEAT_INVTSC,
	FEAT_SHSTK,
	FEAT_IBT,
	FEAT_CET_SSS,
	FEAT_XSS_CET_U,
	FEAT_XSS_CET_S,
	/* Not a CPUID bit: the kernel's own use of supervisor shadow stacks. */
	FEAT_KSHSTK,
	FEAT_COUNT
};

/* Reads every feature's CPUID bit into struct cpu_features (kernel/cpu.h). */
void cpu_feat_detect(void);
/*
 * Hides the features named in each comma-separated list (clearcpuid=) from
 * the kernel: the flags in struct cpu_features go false, and the reasons
 * say "masked".  Returns the number of unknown names, each reported as a
 * boot ERROR line.
 */
unsigned cpu_feat_mask(const char *const *lists, unsigned nr);
/* The kernel may use it: enumerated and not masked. */
bool cpu_feat_has(enum cpu_feat_id id);
bool cpu_feat_masked(enum cpu_feat_id id);
/*
 * Why the feature is unavailable, e.g. "CPUID.(7,0):EBX[20] SMAP not
 * enumerated" or "... masked by clearcpuid=smap".  Static storage: the
 * next call overwrites it.
 */
const char *cpu_feat_missing(enum cpu_feat_id id);
/* "# features:" and "# masked:" fingerprint lines. */
void cpu_feat_print(void);

#endif
