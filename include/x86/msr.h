/* Model-specific registers cetbed touches, with their bit fields. */
#ifndef CETBED_X86_MSR_H
#define CETBED_X86_MSR_H

#define MSR_IA32_APIC_BASE 0x0000001b
#define APIC_BASE_BSP (1UL << 8)
#define APIC_BASE_EXTD (1UL << 10) /* x2APIC mode */
#define APIC_BASE_EN (1UL << 11)
/* x2APIC registers: MSR 0x800 + (xAPIC MMIO offset >> 4). */
#define MSR_X2APIC_BASE 0x00000800
#define MSR_IA32_TSC_DEADLINE 0x000006e0
/* Enumerated by CPUID.(7,0):EDX[29]. */
#define MSR_IA32_ARCH_CAPABILITIES 0x0000010a
#define ARCH_CAP_XAPIC_DISABLE_STATUS (1UL << 21)
#define MSR_IA32_XAPIC_DISABLE_STATUS 0x000000bd
#define XAPIC_DISABLE_LEGACY_DISABLED (1UL << 0) /* x2APIC locked on */
/* Page attribute table: eight memory types, one byte each, picked by PAT:PCD:PWT. */
#define MSR_IA32_PAT 0x00000277
#define PAT_UC 0x00
#define PAT_WC 0x01
#define PAT_WT 0x04
#define PAT_WP 0x05
#define PAT_WB 0x06
#define PAT_UC_MINUS 0x07

#define MSR_IA32_BIOS_SIGN_ID 0x0000008b
#define MSR_IA32_XSS 0x00000da0
#define MSR_IA32_U_CET 0x000006a0
#define MSR_IA32_S_CET 0x000006a2
#define MSR_IA32_PL0_SSP 0x000006a4
#define MSR_IA32_PL3_SSP 0x000006a7
#define MSR_IA32_INTERRUPT_SSP_TABLE_ADDR 0x000006a8

#define MSR_EFER 0xc0000080
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)
#define EFER_NXE (1UL << 11)

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#endif
