/*
 * The local APIC, through MMIO (xAPIC) or MSRs (x2APIC): firmware may hand
 * over in x2APIC mode, even locked there, and apic=x2apic switches to it.
 * Registers are named by their xAPIC MMIO offset in both modes.
 */
#ifndef CETBED_KERNEL_APIC_H
#define CETBED_KERNEL_APIC_H

#include "types.h"

#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100 /* eight 32-bit registers, 0x10 apart */
#define APIC_ICR 0x300
#define APIC_LVT_CMCI 0x2f0
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0

#define APIC_SVR_ENABLE (1U << 8)
#define APIC_SPURIOUS_VECTOR 0xff
#define APIC_LVT_MASKED (1U << 16)
#define APIC_LVT_PERIODIC (1U << 17)
#define APIC_LVT_TSC_DEADLINE (2U << 17)
#define APIC_ICR_NMI (4U << 8)
#define APIC_ICR_SELF (1U << 18)

/*
 * Finds the local APIC (false without one, CPUID.1:EDX[9]), keeps or
 * enters x2APIC mode, enables it with the spurious vector and masks every
 * LVT entry.  Returns the number of boot errors it printed.
 */
unsigned apic_init(bool want_x2apic, bool *present);
bool apic_x2apic(void);
u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 v);
void apic_eoi(void);
/* A fixed interrupt, or an NMI, sent to this CPU through the ICR. */
void apic_self_ipi(u8 vector, bool nmi);
/* The number of LVT entries (Version register bits 23:16, plus one). */
unsigned apic_nr_lvt(void);
/* The LVT registers that nr_lvt entries cover, in order; returns how many. */
unsigned apic_lvt_regs(u32 *regs, unsigned max);

#endif
