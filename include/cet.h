/*
 * cetbed's CET support: enabling, and per-task user CET state (IA32_U_CET,
 * IA32_PL3_SSP) switched with XSAVES/XRSTORS of the CET_U component where
 * enumerated, else with RDMSR/WRMSR.
 */
#ifndef CETBED_CET_H
#define CETBED_CET_H

#include "types.h"

enum cet_path { CET_PATH_NONE, CET_PATH_XSAVES, CET_PATH_MSR };

/* A task's user CET state while it is switched out. */
struct cet_task {
	void *xsave;  /* compacted XSAVE area (XSAVES path) */
	u64 u_cet;    /* RDMSR/WRMSR path */
	u64 pl3_ssp;
};

extern enum cet_path cet_path;

/* Sets CR4.CET (only where CPUID enumerates CET) and picks the state path. */
void cet_init(void);
bool cet_shstk_available(void);
const char *cet_shstk_missing_reason(void);
/* Why CET_U is not switched with XSAVES/XRSTORS: the first missing bit. */
const char *cet_xsaves_missing_reason(void);

int cet_task_init(struct cet_task *c);
void cet_task_free(struct cet_task *c);
/* Loads c into the CPU (switch in) / stores the CPU's state into c (switch out). */
void cet_task_load(struct cet_task *c);
void cet_task_save(struct cet_task *c);
/* The saved values of a switched-out task. */
u64 cet_task_u_cet(const struct cet_task *c);
u64 cet_task_ssp(const struct cet_task *c);
/* Sets the saved values of a switched-out task. */
void cet_task_set(struct cet_task *c, u64 u_cet, u64 ssp);

/* XSAVES/XRSTORS of one supervisor component; for tests. */
void cet_xsaves(void *area, u64 rfbm);
void cet_xrstors(void *area, u64 rfbm);
/* Offset of CET_U in a compacted area holding only CET_U. */
#define CET_U_XSAVE_OFFSET 576

#endif
