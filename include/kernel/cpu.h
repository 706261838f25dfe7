/* CPU features cetbed cares about, read once at boot, and per-CPU tables. */
#ifndef CETBED_KERNEL_CPU_H
#define CETBED_KERNEL_CPU_H

#include "types.h"

struct cpu_features {
	char vendor[13];
	u32 family, model, stepping;
	u32 max_leaf, max_ext_leaf;
	bool hypervisor;
	char hv_vendor[13];
	/*
	 * The kernel's view, filled from kernel/cpu_feat.c's table: false where
	 * CPUID lacks the bit or clearcpuid= hid it.
	 */
	bool nx, smep, smap, umip, pge, pat, pdpe1gb, xsave, xsaveopt, pcid, invpcid, fsgsbase;
	bool pku, rdtscp, rdpid, apic, x2apic, tsc_deadline, invtsc;
	bool kshstk; /* the kernel's own supervisor shadow stacks */
	/* CET enumeration */
	bool shstk;    /* CPUID.(7,0):ECX[7] */
	bool ibt;      /* CPUID.(7,0):EDX[20] */
	bool cet_sss;  /* CPUID.(7,1):EDX[18] */
	bool xsaves;   /* CPUID.(0xD,1):EAX[3] */
	bool xss_cet_u; /* CPUID.(0xD,1):ECX[11] */
	bool xss_cet_s; /* CPUID.(0xD,1):ECX[12] */
	u32 leaf7_ebx, leaf7_ecx, leaf7_edx, leaf7_1_edx, leafd_1_eax, leafd_1_ecx;
};

extern struct cpu_features cpu;

void cpu_detect(void);
void cpu_print_fingerprint(void);
/* SSE for ring 3, and SMEP, SMAP, UMIP and PGE where enumerated. */
void cpu_setup(void);

/* Microcode revision (IA32_BIOS_SIGN_ID), 0 where it cannot be read. */
u32 cpu_microcode(void);

void gdt_init(void);
void tss_set_rsp0(u64 rsp0);
u64 tss_rsp0(void);
/* Gives the IST slots their own guarded stacks once mm/ is up. */
void tss_init_ist(void);

/* The interrupt SSP table: a supervisor shadow stack per IST vector. */
void kshstk_setup_ist(void);
extern u64 ist_ssp_table[8];
/* The current SSP (0 when supervisor shadow stacks are off). */
u64 kshstk_ssp(void);

#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3

#endif
