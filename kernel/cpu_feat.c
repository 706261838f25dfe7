/*
 * Every CPU feature cetbed uses or reports, found by its CPUID bit.  The
 * flags in struct cpu_features are the kernel's view: enumerated, not
 * hidden by clearcpuid=, and with what it depends on present.  Code gates
 * on those flags, so a masked feature is handled exactly like a missing one.
 */
#include "kernel/boot_error.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "lib.h"
#include "x86/cpu.h"

enum { EAX, EBX, ECX, EDX };

struct cpu_feat {
	const char *name; /* clearcpuid= and fingerprint name */
	u32 leaf;
	u8 subleaf, reg, bit;
	u8 dep;		   /* usable only with this one too (FEAT_COUNT: none) */
	const char *where; /* the CPUID bit, as the SDM writes it */
	const char *label;
	bool *flag;
};

/* One row per feature reads best as a table. */
/* clang-format off */
#define F(id, nm, lf, sub, r, b, d, w, lb)                                                 \
	[id] = { #nm, lf, sub, r, b, d, w, lb, &cpu.nm }
#define NODEP FEAT_COUNT

static const struct cpu_feat feats[FEAT_COUNT] = {
	F(FEAT_NX, nx, 0x80000001, 0, EDX, 20, NODEP, "CPUID.80000001H:EDX[20]", "NX"),
	F(FEAT_PGE, pge, 1, 0, EDX, 13, NODEP, "CPUID.01H:EDX[13]", "PGE"),
	F(FEAT_PAT, pat, 1, 0, EDX, 16, NODEP, "CPUID.01H:EDX[16]", "PAT"),
	F(FEAT_PDPE1GB, pdpe1gb, 0x80000001, 0, EDX, 26, NODEP, "CPUID.80000001H:EDX[26]",
	  "1-GByte pages"),
	F(FEAT_SMEP, smep, 7, 0, EBX, 7, NODEP, "CPUID.(7,0):EBX[7]", "SMEP"),
	F(FEAT_SMAP, smap, 7, 0, EBX, 20, NODEP, "CPUID.(7,0):EBX[20]", "SMAP"),
	F(FEAT_UMIP, umip, 7, 0, ECX, 2, NODEP, "CPUID.(7,0):ECX[2]", "UMIP"),
	F(FEAT_PCID, pcid, 1, 0, ECX, 17, NODEP, "CPUID.01H:ECX[17]", "PCID"),
	F(FEAT_INVPCID, invpcid, 7, 0, EBX, 10, NODEP, "CPUID.(7,0):EBX[10]", "INVPCID"),
	F(FEAT_XSAVE, xsave, 1, 0, ECX, 26, NODEP, "CPUID.01H:ECX[26]", "XSAVE"),
	F(FEAT_XSAVEOPT, xsaveopt, 0xd, 1, EAX, 0, FEAT_XSAVE, "CPUID.(0xD,1):EAX[0]",
	  "XSAVEOPT"),
	F(FEAT_XSAVES, xsaves, 0xd, 1, EAX, 3, FEAT_XSAVE, "CPUID.(0xD,1):EAX[3]", "XSAVES"),
	F(FEAT_FSGSBASE, fsgsbase, 7, 0, EBX, 0, NODEP, "CPUID.(7,0):EBX[0]", "FSGSBASE"),
	F(FEAT_PKU, pku, 7, 0, ECX, 3, NODEP, "CPUID.(7,0):ECX[3]", "PKU"),
	F(FEAT_RDTSCP, rdtscp, 0x80000001, 0, EDX, 27, NODEP, "CPUID.80000001H:EDX[27]",
	  "RDTSCP"),
	F(FEAT_RDPID, rdpid, 7, 0, ECX, 22, NODEP, "CPUID.(7,0):ECX[22]", "RDPID"),
	F(FEAT_APIC, apic, 1, 0, EDX, 9, NODEP, "CPUID.01H:EDX[9]", "local APIC"),
	F(FEAT_X2APIC, x2apic, 1, 0, ECX, 21, FEAT_APIC, "CPUID.01H:ECX[21]", "x2APIC"),
	F(FEAT_TSC_DEADLINE, tsc_deadline, 1, 0, ECX, 24, FEAT_APIC, "CPUID.01H:ECX[24]",
	  "TSC-deadline timer"),
	F(FEAT_INVTSC, invtsc, 0x80000007, 0, EDX, 8, NODEP, "CPUID.80000007H:EDX[8]",
	  "invariant TSC"),
	F(FEAT_SHSTK, shstk, 7, 0, ECX, 7, NODEP, "CPUID.(7,0):ECX[7]",
	  "CET_SS (shadow stack)"),
	F(FEAT_IBT, ibt, 7, 0, EDX, 20, NODEP, "CPUID.(7,0):EDX[20]", "IBT"),
	F(FEAT_CET_SSS, cet_sss, 7, 1, EDX, 18, FEAT_SHSTK, "CPUID.(7,1):EDX[18]", "CET_SSS"),
	F(FEAT_XSS_CET_U, xss_cet_u, 0xd, 1, ECX, 11, FEAT_XSAVES, "CPUID.(0xD,1):ECX[11]",
	  "CET_U state component"),
	F(FEAT_XSS_CET_S, xss_cet_s, 0xd, 1, ECX, 12, FEAT_XSAVES, "CPUID.(0xD,1):ECX[12]",
	  "CET_S state component"),
	/* Shadow stacks for the kernel itself: CET_SS covers both privilege levels. */
	F(FEAT_KSHSTK, kshstk, 7, 0, ECX, 7, FEAT_SHSTK, "CPUID.(7,0):ECX[7]",
	  "supervisor shadow stacks"),
};
/* clang-format on */

static bool enumerated[FEAT_COUNT], masked[FEAT_COUNT];

/* Leaf 7's subleaves beyond 0 exist only up to (7,0).EAX. */
static bool leaf_present(u32 leaf, u32 subleaf)
{
	if (leaf >= 0x80000000)
		return leaf <= cpu.max_ext_leaf;
	if (leaf > cpu.max_leaf)
		return false;
	return leaf != 7 || subleaf == 0 || subleaf <= cpuid(7, 0).eax;
}

static u32 reg_of(struct cpuid_regs r, u8 reg)
{
	return reg == EAX ? r.eax : reg == EBX ? r.ebx : reg == ECX ? r.ecx : r.edx;
}

bool cpu_feat_has(enum cpu_feat_id id)
{
	const struct cpu_feat *f = &feats[id];

	if (!enumerated[id] || masked[id])
		return false;
	return f->dep == NODEP || cpu_feat_has(f->dep);
}

bool cpu_feat_masked(enum cpu_feat_id id)
{
	return masked[id];
}

/* The flags code reads follow the table: enumerated, unmasked, dependencies met. */
static void feat_publish(void)
{
	for (unsigned i = 0; i < FEAT_COUNT; i++)
		*feats[i].flag = cpu_feat_has(i);
}

void cpu_feat_detect(void)
{
	for (unsigned i = 0; i < FEAT_COUNT; i++) {
		const struct cpu_feat *f = &feats[i];
		if (leaf_present(f->leaf, f->subleaf))
			enumerated[i] = reg_of(cpuid(f->leaf, f->subleaf), f->reg) & BIT(f->bit);
	}
	feat_publish();
}

static int feat_lookup(const char *name, size_t len)
{
	for (unsigned i = 0; i < FEAT_COUNT; i++)
		if (strlen(feats[i].name) == len && !strncmp(feats[i].name, name, len))
			return (int)i;
	return -1;
}

/* A boot ERROR that lists every name the table knows. */
static void feat_unknown(const char *name, size_t len)
{
	char known[320];
	size_t n = 0;

	known[0] = '\0';
	for (unsigned i = 0; i < FEAT_COUNT && n < sizeof(known); i++)
		n += (size_t)snprintf(known + n, sizeof(known) - n, " %s", feats[i].name);
	boot_error("clearcpuid=: unknown feature '%.*s' (known:%s)", (int)len, name, known);
}

unsigned cpu_feat_mask(const char *const *lists, unsigned nr)
{
	unsigned bad = 0;

	for (unsigned l = 0; l < nr; l++) {
		for (const char *p = lists[l];;) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			int id = feat_lookup(p, len);
			if (id >= 0) {
				masked[id] = true;
			} else {
				feat_unknown(p, len);
				bad++;
			}
			if (!end)
				break;
			p = end + 1;
		}
	}
	feat_publish();
	return bad;
}

const char *cpu_feat_missing(enum cpu_feat_id id)
{
	static char buf[160];
	const struct cpu_feat *f = &feats[id];

	if (!enumerated[id])
		snprintf(buf, sizeof(buf), "%s %s not enumerated", f->where, f->label);
	else if (masked[id])
		snprintf(buf, sizeof(buf), "%s %s masked by clearcpuid=%s", f->where, f->label,
			 f->name);
	else if (f->dep != NODEP && !cpu_feat_has(f->dep))
		return cpu_feat_missing(f->dep);
	else
		snprintf(buf, sizeof(buf), "%s %s present", f->where, f->label);
	return buf;
}

static void feat_print_list(const char *title, bool (*pick)(unsigned))
{
	char line[320];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s:", title);

	for (unsigned i = 0; i < FEAT_COUNT && n < sizeof(line); i++)
		if (pick(i))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", feats[i].name);
	diag("%s", line);
}

static bool pick_has(unsigned i)
{
	return cpu_feat_has(i);
}

static bool pick_absent(unsigned i)
{
	return !enumerated[i];
}

/* Enumerated, yet hidden: masked itself or through what it depends on. */
static bool pick_masked(unsigned i)
{
	return enumerated[i] && !cpu_feat_has(i);
}

static bool any_masked(void)
{
	for (unsigned i = 0; i < FEAT_COUNT; i++)
		if (pick_masked(i))
			return true;
	return false;
}

void cpu_feat_print(void)
{
	feat_print_list("features: present", pick_has);
	feat_print_list("features: not enumerated", pick_absent);
	if (any_masked())
		feat_print_list("features: hidden by clearcpuid=", pick_masked);
}
