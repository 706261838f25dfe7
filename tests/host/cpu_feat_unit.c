/*
 * Host unit tests for kernel/cpu_feat.c: clearcpuid= masking, what depends
 * on what, the reasons tests skip with, unknown names.  The table reads the
 * host's own CPUID, so each check holds whatever the host CPU has.
 */
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "x86/cpu.h"

struct cpu_features cpu;
static char last_diag[512];
static int nr_diag;

void diag(const char *fmt, ...)
{
	__builtin_va_list ap; /* the kernel's types.h has its own va_* macros */

	__builtin_va_start(ap, fmt);
	vsnprintf(last_diag, sizeof(last_diag), fmt, ap);
	__builtin_va_end(ap);
	nr_diag++;
}

/* The kernel's boot_error() prints "# ERROR: ..." through diag() and counts. */
void boot_error(const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	vsnprintf(last_diag, sizeof(last_diag), fmt, ap);
	__builtin_va_end(ap);
	nr_diag++;
}

static void detect(void)
{
	memset(&cpu, 0, sizeof(cpu));
	cpu.max_leaf = cpuid(0, 0).eax;
	cpu.max_ext_leaf = cpuid(0x80000000, 0).eax;
	cpu_feat_detect();
}

static int has_text(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

int main(void)
{
	detect();
	/* The flags in struct cpu_features follow the table. */
	EXPECT(cpu.nx == cpu_feat_has(FEAT_NX));
	EXPECT(cpu.kshstk == cpu.shstk, "kshstk follows shstk before any mask");
	bool had_smap = cpu.smap, had_xsave = cpu.xsave;

	const char *lists[] = { "smap,xsave", "shstk" };
	EXPECT(cpu_feat_mask(lists, 2) == 0 && nr_diag == 0);
	EXPECT(!cpu.smap && !cpu_feat_has(FEAT_SMAP));
	EXPECT(cpu_feat_masked(FEAT_SMAP));
	/* What depends on a hidden feature goes with it. */
	EXPECT(!cpu.xsave && !cpu.xsaves && !cpu.xsaveopt && !cpu.xss_cet_u);
	EXPECT(!cpu.shstk && !cpu.kshstk && !cpu.cet_sss);
	/* A mask never invents a feature, and the reason says which it was. */
	const char *why = cpu_feat_missing(FEAT_SMAP);
	EXPECT(has_text(why, "CPUID.(7,0):EBX[20] SMAP"), "%s", why);
	EXPECT(has_text(why, had_smap ? "masked by clearcpuid=smap" : "not enumerated"), "%s",
	       why);
	why = cpu_feat_missing(FEAT_XSAVES);
	EXPECT(has_text(why, had_xsave ? "XSAVE masked by clearcpuid=xsave" : "not enumerated"),
	       "%s", why);
	why = cpu_feat_missing(FEAT_KSHSTK);
	EXPECT(has_text(why, "CPUID.(7,0):ECX[7]"), "%s", why);
	/* Unmasked features are untouched. */
	EXPECT(cpu.nx == cpu_feat_has(FEAT_NX) && !cpu_feat_masked(FEAT_NX));

	/* Unknown and empty names are errors that list the known ones. */
	const char *bad[] = { "smap,bogus,", "kshstk" };
	EXPECT(cpu_feat_mask(bad, 2) == 2 && nr_diag == 2);
	EXPECT(has_text(last_diag, "unknown feature ''") && has_text(last_diag, " kshstk)"),
	       "%s", last_diag);
	EXPECT(cpu_feat_masked(FEAT_KSHSTK), "a good name after a bad one still counts");
	return expect_summary("cpu-feat-unit");
}
