/*
 * The preemption timer.  The LAPIC timer interrupts at TIMER_HZ, in
 * TSC-deadline mode where the CPU has it (CPUID.1:ECX[24]), else periodic;
 * its rates come from kernel/time/ (CPUID, PM timer, HPET or PIT, checked
 * against each other).  Without a LAPIC, PIT channel 0 drives IRQ 0 through
 * the 8259.  Time here is the platform's: emulated time under Bochs, where
 * it follows instructions.
 */
#include "kernel/boot_error.h"
#include "kernel/cpu.h"
#include "kernel/platform/apic.h"
#include "kernel/time/calib.h"
#include "kernel/timer.h"
#include "lib.h"
#include "x86/cpu.h"
#include "x86/msr.h"

#define PIT_HZ 1193182
#define LAPIC_DIV_16 0x3
/* Used only when no clock works; the boot already says ERROR. */
#define TSC_HZ_GUESS 2000000000UL
#define LAPIC_HZ_GUESS 100000000UL

volatile u64 timer_ticks;
u64 timer_unknown_irqs;
static bool use_lapic, use_pit, deadline;
static u32 lapic_count;     /* LAPIC initial count at TIMER_HZ (periodic mode) */
static u64 tsc_hz;	    /* 0 if unknown */
static u64 tsc_per_tick;    /* TSC cycles in one TIMER_HZ tick, 0 if unknown */
static u64 next_deadline;   /* TSC-deadline mode: the armed deadline */
static u32 fast;	    /* interrupts per tick: 1, or TIMER_FAST_FACTOR */
static u32 fast_sub;
static struct calib calib;

static void pit_periodic(u32 hz)
{
	u16 count = PIT_HZ / hz;
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, rate generator */
	outb(0x40, count & 0xff);
	outb(0x40, count >> 8);
	outb(0x21, inb(0x21) & ~0x01); /* unmask IRQ 0 */
}

static u32 lapic_current(void)
{
	return apic_read(APIC_TIMER_CUR);
}

u64 timer_tsc_hz(void)
{
	return tsc_hz;
}

const struct calib *timer_calib(void)
{
	return &calib;
}

/* The LAPIC input rate against the TSC, for a source that gives only the TSC's. */
static u64 lapic_hz_by_tsc(void)
{
	u64 t0 = rdtsc(), span = tsc_hz * CLOCK_MEASURE_MS / 1000;
	u32 l0 = lapic_current();
	while (rdtsc() - t0 < span)
		cpu_pause();
	return (u64)(l0 - lapic_current()) * 16 * 1000 / CLOCK_MEASURE_MS;
}

static void deadline_arm(void)
{
	next_deadline = rdtsc() + tsc_per_tick / fast;
	wrmsr(MSR_IA32_TSC_DEADLINE, next_deadline);
}

static unsigned lapic_start(enum cmdline_timer want)
{
	unsigned errors = 0;
	bool has_deadline = cpuid(1, 0).ecx & BIT(24);
	char why[64] = "";

	apic_write(APIC_TIMER_DIV, LAPIC_DIV_16);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | TIMER_VECTOR);
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	errors += calib_run(want, lapic_current, 16, &calib);
	apic_write(APIC_TIMER_INIT, 0);
	tsc_hz = calib.source < CLOCK_NR ? calib.tsc_hz : 0;
	u64 lapic_hz = calib.source < CLOCK_NR ? calib.lapic_hz : 0;
	if (!lapic_hz && tsc_hz)
		lapic_hz = lapic_hz_by_tsc();
	if (!lapic_hz)
		lapic_hz = LAPIC_HZ_GUESS;
	tsc_per_tick = (tsc_hz ? tsc_hz : TSC_HZ_GUESS) / TIMER_HZ;
	lapic_count = (u32)(lapic_hz / 16 / TIMER_HZ);
	if (!lapic_count)
		lapic_count = 1;

	/* Forcing a clock source exercises it in periodic mode. */
	bool want_deadline = want == CMDLINE_TIMER_TSC_DEADLINE || want == CMDLINE_TIMER_AUTO;
	if (want_deadline && has_deadline && tsc_hz) {
		deadline = true;
	} else if (want == CMDLINE_TIMER_TSC_DEADLINE) {
		boot_error("timer=tsc-deadline: %s", has_deadline ? "the TSC rate is unknown"
				      : "TSC-deadline mode not enumerated (CPUID.1:ECX[24])");
		errors++;
	}
	if (deadline) {
		apic_write(APIC_LVT_TIMER, APIC_LVT_TSC_DEADLINE | TIMER_VECTOR);
		/* The SDM orders the LVT write before the first deadline write. */
		asm volatile("mfence" ::: "memory");
		deadline_arm();
		snprintf(why, sizeof(why), "TSC-deadline mode");
	} else {
		apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | TIMER_VECTOR);
		apic_write(APIC_TIMER_INIT, lapic_count);
		snprintf(why, sizeof(why), "periodic, %u counts per tick at divide 16",
			 lapic_count);
	}
	diag("timer: LAPIC timer at %u Hz (%s; %lu TSC cycles per tick) from %s%s", TIMER_HZ, why,
	     tsc_per_tick, calib.source < CLOCK_NR ? clock_name(calib.source) : "guesses",
	     apic_x2apic() ? ", x2APIC" : "");
	return errors;
}

unsigned timer_init(const struct cmdline *c)
{
	unsigned errors;

	fast = 1;
	errors = apic_init(c->apic_x2apic, &use_lapic);
	if (!use_lapic) {
		use_pit = true;
		pit_periodic(TIMER_HZ);
		diag("timer: no local APIC (CPUID.1:EDX[9]); PIT channel 0 at %u Hz", TIMER_HZ);
		return errors;
	}
	return errors + lapic_start(c->timer);
}

u32 timer_fast(bool on)
{
	u32 want = 1;
	if (on && tsc_per_tick / TIMER_FAST_FACTOR >= TIMER_FAST_MIN_TSC &&
	    (use_pit || deadline || lapic_count >= TIMER_FAST_FACTOR))
		want = TIMER_FAST_FACTOR;
	if (want != fast) {
		u64 flags = read_rflags();
		cli();
		fast = want;
		fast_sub = 0;
		if (use_pit)
			pit_periodic(TIMER_HZ * want);
		else if (deadline)
			deadline_arm();
		else
			apic_write(APIC_TIMER_INIT, lapic_count / want);
		if (flags & BIT(9))
			asm volatile("sti" ::: "memory");
	}
	return TIMER_HZ * fast;
}

void timer_hold(bool on)
{
	u64 flags = read_rflags();
	cli();
	if (use_pit) {
		u8 mask = inb(0x21);
		outb(0x21, on ? mask | 0x01 : mask & ~0x01);
	} else if (use_lapic) {
		u32 lvt = apic_read(APIC_LVT_TIMER);
		apic_write(APIC_LVT_TIMER, on ? lvt | APIC_LVT_MASKED : lvt & ~APIC_LVT_MASKED);
		/* A deadline that passed while masked raised nothing: arm the next one. */
		if (!on && deadline)
			deadline_arm();
	}
	if (flags & BIT(9))
		asm volatile("sti" ::: "memory");
}

bool timer_irq(u64 vector)
{
	if (vector == TIMER_VECTOR && use_lapic) {
		if (deadline)
			deadline_arm();
		apic_eoi();
	} else if (vector == PIT_VECTOR && use_pit) {
		outb(0x20, 0x20);
	} else {
		return false;
	}
	if (++fast_sub >= fast) {
		fast_sub = 0;
		timer_ticks++;
	}
	return true;
}

void timer_unknown_irq(u64 vector)
{
	/* The 8259's spurious IRQ 7/15 and the LAPIC's spurious vector take no EOI. */
	if (vector == 0x27 || vector == 0x2f || vector == APIC_SPURIOUS_VECTOR)
		return;
	if (++timer_unknown_irqs <= 4)
		diag("irq: unexpected interrupt, vector %lu (sent EOI)", vector);
	/* With a LAPIC the 8259 stays masked (and LINT0 too): only the LAPIC delivers. */
	if (use_lapic) {
		apic_eoi();
	} else if (vector >= PIT_VECTOR && vector < PIT_VECTOR + 16) {
		if (vector >= PIT_VECTOR + 8)
			outb(0xa0, 0x20);
		outb(0x20, 0x20);
	}
}
