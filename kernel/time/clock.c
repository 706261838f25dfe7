/*
 * The reference clocks.  Every wait is bounded by a count of reads, never
 * by the TSC alone, since the TSC's rate is what is being found; an
 * interval's ends are bracketed by two TSC reads so that an emulator thread
 * descheduled mid-read shows up as a wide bracket and is measured again.
 */
#include "kernel/platform/acpi.h"
#include "kernel/time/clock.h"
#include "lib.h"
#include "mm/iomap.h"
#include "x86/cpu.h"

#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_CMD_CH2_MODE0 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

#define HPET_CAP 0x00
#define HPET_CAP_PERIOD_SHIFT 32 /* femtoseconds per tick */
#define HPET_CFG 0x10
#define HPET_CFG_ENABLE 1
#define HPET_COUNTER 0xf0
#define HPET_MAX_PERIOD_FS 100000000UL /* 100 ns: the HPET specification's bound */

/*
 * Reads of a reference before it is given up: a read takes about a
 * microsecond on hardware and less under emulators, so this is 100 times
 * the interval.  A TSC rate known from another source bounds it further.
 */
#define CLOCK_SPIN_LIMIT 2000000L
#define CLOCK_TSC_BOUND 5 /* intervals */
/* Plausible TSC rates: emulators run theirs at a few MHz. */
#define TSC_HZ_MIN 1000000UL
#define TSC_HZ_MAX 20000000000UL
/* An emulator's device reads wait for its big lock, which a loaded host delays. */
#define MEASURE_TRIES 16

struct ref {
	u64 (*read)(struct ref *);
	u64 hz, mask;
	u16 port;
	volatile u64 *hpet;
	const struct acpi_gas *gas;
};

static u64 pmtmr_read(struct ref *r)
{
	if (r->port)
		return inl(r->port);
	u32 v = 0;
	acpi_gas_read(r->gas, &v);
	return v;
}

static u64 hpet_read(struct ref *r)
{
	return r->hpet[HPET_COUNTER / 8];
}

const char *clock_name(enum clock_source s)
{
	static const char *const names[] = { "cpuid", "pmtmr", "hpet", "pit" };
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

/* One reference read, with the TSC (and LAPIC) read either side of it. */
struct stamp {
	u64 ref, tsc, spread;
	u32 lapic;
};

static void stamp(struct ref *r, clock_lapic_read lapic, struct stamp *s)
{
	/* The LAPIC read stays outside the bracket: only its own rate depends on it. */
	u64 t0 = rdtsc();
	s->ref = r->read(r) & r->mask;
	u64 t1 = rdtsc();
	s->lapic = lapic ? lapic() : 0;
	s->tsc = t0 + (t1 - t0) / 2;
	s->spread = t1 - t0;
}

/* The TSC cycles after which a wait is given up, from a rate known elsewhere. */
static u64 tsc_bound(u64 tsc_hint)
{
	return tsc_hint ? tsc_hint * CLOCK_MEASURE_MS / 1000 * CLOCK_TSC_BOUND : ~0UL;
}

static bool ref_measure(struct ref *r, clock_lapic_read lapic, u32 div, u64 hint,
			struct clock_result *res)
{
	u64 want = r->hz * CLOCK_MEASURE_MS / 1000, bound = tsc_bound(hint);

	for (int tries = 0; tries < MEASURE_TRIES; tries++) {
		struct stamp a, b;
		u64 elapsed = 0;
		long spin;
		stamp(r, lapic, &a);
		for (spin = 0; spin < CLOCK_SPIN_LIMIT; spin++) {
			stamp(r, lapic, &b);
			elapsed = (b.ref - a.ref) & r->mask;
			if (elapsed >= want || b.tsc - a.tsc > bound)
				break;
		}
		if (elapsed < want) {
			snprintf(res->why, sizeof(res->why), "counter advanced %lu of %lu ticks in "
				 "%ld reads", elapsed, want, spin);
			return false;
		}
		u64 tsc = b.tsc - a.tsc;
		/* The two brackets together must be under 2% of the interval. */
		if ((a.spread + b.spread) * 50 > tsc)
			continue;
		res->tsc_hz = tsc * r->hz / elapsed;
		if (lapic)
			res->lapic_hz = (u64)(a.lapic - b.lapic) * div * r->hz / elapsed;
		return true;
	}
	snprintf(res->why, sizeof(res->why), "reads took too long %d times (the machine was "
		 "busy or the counter is slow to read)", MEASURE_TRIES);
	return false;
}

static bool pmtmr(clock_lapic_read lapic, u32 div, u64 hint, struct clock_result *res)
{
	const struct acpi_fadt_info *fi = acpi_fadt();
	struct ref r = { .read = pmtmr_read, .hz = ACPI_PM_TIMER_HZ, .gas = &fi->pm_tmr };

	if (!fi->found || !fi->pm_tmr.addr) {
		snprintf(res->why, sizeof(res->why), "%s", fi->found ? "the FADT has no PM timer"
								    : "no ACPI FADT");
		return false;
	}
	if (fi->pm_tmr.space == ACPI_GAS_IO && fi->pm_tmr.addr < 0x10000)
		r.port = (u16)fi->pm_tmr.addr;
	r.mask = fi->flags & ACPI_FADT_TMR_VAL_EXT ? 0xffffffffUL : 0xffffffUL;
	return ref_measure(&r, lapic, div, hint, res);
}

static bool hpet(clock_lapic_read lapic, u32 div, u64 hint, struct clock_result *res)
{
	const struct acpi_sdt_header *h = acpi_table("HPET");
	struct ref r = { .read = hpet_read, .mask = ~0UL };

	if (!h || h->length < 56) {
		snprintf(res->why, sizeof(res->why), "no ACPI HPET table");
		return false;
	}
	const struct acpi_gas *g = (const struct acpi_gas *)((const u8 *)h + 40);
	if (g->space != ACPI_GAS_MEMORY || !g->addr || (g->addr & 7)) {
		snprintf(res->why, sizeof(res->why), "HPET table gives no usable base address");
		return false;
	}
	r.hpet = iomap_map(g->addr & ~0xfffUL, 0x1000, IOMAP_UC, NULL);
	if (!r.hpet) {
		snprintf(res->why, sizeof(res->why), "cannot map the HPET at 0x%lx", g->addr);
		return false;
	}
	r.hpet += (g->addr & 0xfff) / 8;
	u64 cap = r.hpet[HPET_CAP / 8];
	u64 period = cap >> HPET_CAP_PERIOD_SHIFT;
	if (!period || period > HPET_MAX_PERIOD_FS) {
		snprintf(res->why, sizeof(res->why), "HPET period %lu fs is out of range", period);
		return false;
	}
	r.hz = 1000000000000000UL / period;
	/* A 32-bit main counter wraps; the mask keeps differences right. */
	if (!(cap & BIT(13)))
		r.mask = 0xffffffffUL;
	r.hpet[HPET_CFG / 8] |= HPET_CFG_ENABLE;
	return ref_measure(&r, lapic, div, hint, res);
}

/* One PIT channel 2 one-shot (mode 0): OUT2 rises when the count runs out. */
static bool pit_once(u8 port_b, u64 bound, clock_lapic_read lapic, u32 div,
		     struct clock_result *res, bool *busy)
{
	u32 count = PIT_HZ * CLOCK_MEASURE_MS / 1000;
	bool out2 = false;
	long spin;
	u64 ta, tb;

	outb(PORT_B, (port_b & ~(PORT_B_SPEAKER | PORT_B_GATE2)));
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, (u8)count);
	outb(PIT_CH2, (u8)(count >> 8));
	u32 l0 = lapic ? lapic() : 0;
	u64 t0 = rdtsc();
	outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2); /* the gate's rising edge starts it */
	u64 t0b = rdtsc();
	for (spin = 0, ta = tb = t0b; spin < CLOCK_SPIN_LIMIT && !out2 && tb - t0 <= bound; spin++) {
		ta = tb;
		out2 = inb(PORT_B) & PORT_B_OUT2;
		tb = rdtsc();
	}
	u32 l1 = lapic ? lapic() : 0;
	outb(PORT_B, port_b);
	if (!out2) {
		snprintf(res->why, sizeof(res->why), "channel 2 never counted down (%ld reads)", spin);
		return false;
	}
	/* Both ends bracketed: the start by the gate write, the end by the last two reads. */
	u64 tsc = (ta + tb) / 2 - (t0 + t0b) / 2;
	if ((t0b - t0 + tb - ta) * 50 > tsc) {
		*busy = true;
		return false;
	}
	res->tsc_hz = tsc * PIT_HZ / count;
	if (lapic)
		res->lapic_hz = (u64)(l0 - l1) * div * PIT_HZ / count;
	return true;
}

static bool pit(clock_lapic_read lapic, u32 div, u64 hint, struct clock_result *res)
{
	u8 port_b = inb(PORT_B);

	if (port_b == 0xff) {
		snprintf(res->why, sizeof(res->why), "no port 0x61 (reads 0xff)");
		return false;
	}
	for (int tries = 0; tries < MEASURE_TRIES; tries++) {
		bool busy = false;
		if (pit_once(port_b, tsc_bound(hint), lapic, div, res, &busy))
			return true;
		if (!busy)
			return false;
	}
	snprintf(res->why, sizeof(res->why), "reads took too long %d times (the machine was "
		 "busy or the counter is slow to read)", MEASURE_TRIES);
	return false;
}

/*
 * CPUID.15H: TSC = crystal * EBX / EAX; the LAPIC timer runs on the crystal.
 * Without a crystal frequency (ECX 0), CPUID.16H's base frequency is the
 * TSC's, as Linux takes it, and the LAPIC rate stays unknown.
 */
static bool from_cpuid(struct clock_result *res)
{
	u32 max = cpuid(0, 0).eax;
	if (max < 0x15) {
		snprintf(res->why, sizeof(res->why), "CPUID leaf 0x15 not present (max leaf 0x%x)",
			 max);
		return false;
	}
	struct cpuid_regs l15 = cpuid(0x15, 0);
	if (!l15.eax || !l15.ebx) {
		snprintf(res->why, sizeof(res->why), "CPUID.15H:EAX/EBX (TSC/crystal ratio) is 0");
		return false;
	}
	if (l15.ecx) {
		res->tsc_hz = (u64)l15.ecx * l15.ebx / l15.eax;
		res->lapic_hz = l15.ecx;
		return true;
	}
	u32 base_mhz = max >= 0x16 ? cpuid(0x16, 0).eax & 0xffff : 0;
	if (!base_mhz) {
		snprintf(res->why, sizeof(res->why), "CPUID.15H:ECX (crystal) and CPUID.16H:EAX "
			 "(base MHz) are 0");
		return false;
	}
	res->tsc_hz = (u64)base_mhz * 1000000;
	return true;
}

void clock_measure(enum clock_source s, clock_lapic_read lapic, u32 div, u64 hint,
		   struct clock_result *r)
{
	memset(r, 0, sizeof(*r));
	switch (s) {
	case CLOCK_CPUID:
		r->ok = from_cpuid(r);
		break;
	case CLOCK_PMTMR:
		r->ok = pmtmr(lapic, div, hint, r);
		break;
	case CLOCK_HPET:
		r->ok = hpet(lapic, div, hint, r);
		break;
	case CLOCK_PIT:
		r->ok = pit(lapic, div, hint, r);
		break;
	default:
		snprintf(r->why, sizeof(r->why), "unknown source");
		return;
	}
	if (r->ok && (r->tsc_hz < TSC_HZ_MIN || r->tsc_hz > TSC_HZ_MAX)) {
		snprintf(r->why, sizeof(r->why), "implausible TSC rate %lu Hz (expected %lu Hz to "
			 "%lu Hz)", r->tsc_hz, TSC_HZ_MIN, TSC_HZ_MAX);
		r->ok = false;
	}
}
