/*
 * Local APIC access in either mode.  Firmware on recent laptops leaves the
 * APIC in x2APIC mode, where the MMIO page no longer answers, and may lock
 * it there (IA32_XAPIC_DISABLE_STATUS): the mode is read, never assumed.
 */
#include "kernel/boot_error.h"
#include "kernel/cpu.h"
#include "kernel/platform/apic.h"
#include "lib.h"
#include "mm/iomap.h"
#include "x86/cpu.h"
#include "x86/msr.h"

static volatile u32 *apic_mmio;
static bool apic_x2;

bool apic_x2apic(void)
{
	return apic_x2;
}

u32 apic_read(u32 reg)
{
	if (apic_x2)
		return (u32)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return apic_mmio[reg / 4];
}

void apic_write(u32 reg, u32 v)
{
	if (apic_x2)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		apic_mmio[reg / 4] = v;
}

void apic_eoi(void)
{
	if (apic_x2 || apic_mmio)
		apic_write(APIC_EOI, 0);
}

void apic_self_ipi(u8 vector, bool nmi)
{
	/* The self shorthand is valid for fixed delivery only: an NMI names our own ID. */
	u32 id = apic_x2 ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
	u32 lo = nmi ? APIC_ICR_NMI : APIC_ICR_SELF | vector;

	/* x2APIC has one 64-bit ICR; xAPIC sends on the write of the low half. */
	if (apic_x2) {
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), (nmi ? (u64)id << 32 : 0) | lo);
	} else {
		apic_write(APIC_ICR + 0x10, nmi ? id << 24 : 0);
		apic_write(APIC_ICR, lo);
	}
}

unsigned apic_nr_lvt(void)
{
	return ((apic_read(APIC_VERSION) >> 16) & 0xff) + 1;
}

unsigned apic_lvt_regs(u32 *regs, unsigned max)
{
	/* SDM order of the Max LVT count: timer, thermal, perf, LINT0/1, error, CMCI. */
	static const u32 order[] = { APIC_LVT_TIMER,  APIC_LVT_LINT0, APIC_LVT_LINT1,
				     APIC_LVT_ERROR,  APIC_LVT_PERF,  APIC_LVT_THERMAL,
				     APIC_LVT_CMCI };
	unsigned nr = apic_nr_lvt(), n = 0;

	/* Timer, LINT0/1 and error always exist; perf from 4 entries on, thermal 5, CMCI 6. */
	for (unsigned i = 0; i < ARRAY_SIZE(order) && n < max; i++)
		if (i < 4 || (i == 4 && nr >= 5) || (i == 5 && nr >= 6) || (i == 6 && nr >= 7))
			regs[n++] = order[i];
	return n;
}

/* Locked in x2APIC mode, where the CPU enumerates the status MSR. */
static bool apic_x2_locked(void)
{
	if (cpu.max_leaf < 7 || !(cpu.leaf7_edx & BIT(29)))
		return false;
	if (!(rdmsr(MSR_IA32_ARCH_CAPABILITIES) & ARCH_CAP_XAPIC_DISABLE_STATUS))
		return false;
	return rdmsr(MSR_IA32_XAPIC_DISABLE_STATUS) & XAPIC_DISABLE_LEGACY_DISABLED;
}

unsigned apic_init(bool want_x2apic, bool *present)
{
	bool has_x2 = cpuid(1, 0).ecx & BIT(21);
	unsigned errors = 0;

	*present = cpuid(1, 0).edx & BIT(9);
	if (!*present) {
		if (want_x2apic) {
			boot_error("apic=x2apic: no local APIC (CPUID.1:EDX[9])");
			errors++;
		}
		return errors;
	}
	u64 base = rdmsr(MSR_IA32_APIC_BASE);
	const char *how;
	if ((base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD)) {
		apic_x2 = true;
		how = apic_x2_locked() ? "x2APIC mode, set and locked by firmware"
				       : "x2APIC mode, set by firmware";
	} else if (want_x2apic && has_x2) {
		/* From enabled xAPIC straight to x2APIC is a legal transition. */
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
		apic_x2 = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EXTD;
		how = apic_x2 ? "x2APIC mode (apic=x2apic)" : NULL;
		if (!apic_x2) {
			boot_error("apic=x2apic: IA32_APIC_BASE.EXTD did not stick");
			errors++;
		}
	} else {
		if (want_x2apic) {
			boot_error("apic=x2apic: x2APIC not enumerated (CPUID.1:ECX[21])");
			errors++;
		}
		how = NULL;
	}
	if (!apic_x2) {
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
		apic_mmio = iomap_map(base & 0xffffff000UL, 0x1000, IOMAP_UC, NULL);
		if (!apic_mmio)
			panic("cannot map the local APIC");
		how = has_x2 ? "xAPIC mode (MMIO); x2APIC available" : "xAPIC mode (MMIO)";
	}
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	/* Firmware may leave LINT0/1 or thermal entries live: nothing unasked arrives. */
	u32 regs[8];
	unsigned n = apic_lvt_regs(regs, ARRAY_SIZE(regs));
	for (unsigned i = 0; i < n; i++)
		apic_write(regs[i], APIC_LVT_MASKED | (apic_read(regs[i]) & 0xff));
	diag("apic: %s, id %u, %u LVT entries masked", how,
	     apic_x2 ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24, n);
	return errors;
}
