/*
 * The preemption timer.  The LAPIC timer runs periodic at TIMER_HZ after
 * calibration against PIT channel 2 (a 10 ms one-shot); without a LAPIC,
 * PIT channel 0 drives IRQ 0 through the 8259 instead.  Time here is the
 * platform's: emulated time under Bochs, where it follows instructions.
 */
#include "kernel/cpu.h"
#include "kernel/timer.h"
#include "lib.h"
#include "mm/iomap.h"
#include "x86/cpu.h"
#include "x86/msr.h"

#define PIT_HZ 1193182
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1U << 16)
#define LVT_PERIODIC (1U << 17)

volatile u64 timer_ticks;
static volatile u32 *lapic;
static bool use_pit;
static u32 lapic_count;     /* LAPIC initial count at TIMER_HZ */
static u64 tsc_per_tick;    /* TSC cycles in one TIMER_HZ tick, 0 if unknown */
static u32 fast;            /* interrupts per tick: 1, or TIMER_FAST_FACTOR */
static u32 fast_sub;

static u32 lapic_read(u32 reg)
{
	return lapic[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	lapic[reg / 4] = v;
}

/* Busy-waits 10 ms on PIT channel 2 (gate through port 0x61). */
static void pit_wait_10ms(void)
{
	u16 count = PIT_HZ / 100;
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	/* A rising gate edge starts the count. */
	u8 v = inb(0x61) & ~0x01;
	outb(0x61, v);
	outb(0x61, v | 0x01);
	for (long spin = 0; !(inb(0x61) & 0x20); spin++)
		if (spin > 100000000)
			panic("PIT channel 2 never counted down: no usable timer");
}

static void pit_periodic(u32 hz)
{
	u16 count = PIT_HZ / hz;
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, rate generator */
	outb(0x40, count & 0xff);
	outb(0x40, count >> 8);
	outb(0x21, inb(0x21) & ~0x01); /* unmask IRQ 0 */
}

void timer_init(void)
{
	fast = 1;
	if (!(cpuid(1, 0).edx & BIT(9))) {
		use_pit = true;
		pit_periodic(TIMER_HZ);
		diag("timer: no local APIC (CPUID.1:EDX[9]); PIT channel 0 at %u Hz", TIMER_HZ);
		return;
	}
	u64 base = rdmsr(MSR_IA32_APIC_BASE);
	wrmsr(MSR_IA32_APIC_BASE, base | BIT(11));
	lapic = iomap_map(base & 0xffffff000UL, 0x1000, IOMAP_UC, NULL);
	if (!lapic)
		panic("cannot map the local APIC");
	lapic_write(LAPIC_SVR, 0x100 | 0xff); /* enabled, spurious vector 0xff */
	lapic_write(LAPIC_TIMER_DIV, 0x3);    /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	u64 tsc0 = rdtsc();
	pit_wait_10ms();
	u64 tsc_10ms = rdtsc() - tsc0;
	if (cpuid(1, 0).edx & BIT(4))
		tsc_per_tick = tsc_10ms * 100 / TIMER_HZ;
	u32 per_10ms = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
	u32 count = per_10ms * 100 / TIMER_HZ;
	if (!count)
		count = 1;
	lapic_count = count;
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, count);
	diag("timer: LAPIC timer at %u Hz (%u counts per 10 ms, divide by 16; %lu TSC cycles "
	     "per tick)", TIMER_HZ, per_10ms, tsc_per_tick);
}

u32 timer_fast(bool on)
{
	u32 want = 1;
	if (on && tsc_per_tick / TIMER_FAST_FACTOR >= TIMER_FAST_MIN_TSC &&
	    (use_pit || lapic_count >= TIMER_FAST_FACTOR))
		want = TIMER_FAST_FACTOR;
	if (want != fast) {
		u64 flags = read_rflags();
		cli();
		fast = want;
		fast_sub = 0;
		if (use_pit)
			pit_periodic(TIMER_HZ * want);
		else
			lapic_write(LAPIC_TIMER_INIT, lapic_count / want);
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
	} else if (lapic) {
		u32 lvt = lapic_read(LAPIC_LVT_TIMER);
		lapic_write(LAPIC_LVT_TIMER, on ? lvt | LVT_MASKED : lvt & ~LVT_MASKED);
	}
	if (flags & BIT(9))
		asm volatile("sti" ::: "memory");
}

bool timer_irq(u64 vector)
{
	if (vector == TIMER_VECTOR && lapic) {
		lapic_write(LAPIC_EOI, 0);
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
