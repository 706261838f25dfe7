/*
 * CPUID feature detection, the platform fingerprint, CR4 protections, and
 * the microcode revision.
 */
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/cpu_feat.h"
#include "lib.h"
#include "x86/cpu.h"
#include "x86/msr.h"

struct cpu_features cpu;

static void vendor_string(char *out, u32 a, u32 b, u32 c)
{
	memcpy(out, &a, 4);
	memcpy(out + 4, &b, 4);
	memcpy(out + 8, &c, 4);
	out[12] = '\0';
}

void cpu_detect(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	cpu.max_leaf = r.eax;
	vendor_string(cpu.vendor, r.ebx, r.edx, r.ecx);

	r = cpuid(1, 0);
	u32 fam = (r.eax >> 8) & 0xf, model = (r.eax >> 4) & 0xf;
	if (fam == 0xf)
		fam += (r.eax >> 20) & 0xff;
	if (fam == 0x6 || fam >= 0xf)
		model |= ((r.eax >> 16) & 0xf) << 4;
	cpu.family = fam;
	cpu.model = model;
	cpu.stepping = r.eax & 0xf;
	cpu.hypervisor = r.ecx & BIT(31);
	if (cpu.hypervisor) {
		struct cpuid_regs h = cpuid(0x40000000, 0);
		vendor_string(cpu.hv_vendor, h.ebx, h.ecx, h.edx);
		for (int i = 0; i < 12; i++)
			if (cpu.hv_vendor[i] < 0x20 || cpu.hv_vendor[i] > 0x7e)
				cpu.hv_vendor[i] = '.';
	}

	if (cpu.max_leaf >= 7) {
		r = cpuid(7, 0);
		cpu.leaf7_ebx = r.ebx;
		cpu.leaf7_ecx = r.ecx;
		cpu.leaf7_edx = r.edx;
		if (r.eax >= 1)
			cpu.leaf7_1_edx = cpuid(7, 1).edx;
	}
	if (cpu.max_leaf >= 0xd) {
		r = cpuid(0xd, 1);
		cpu.leafd_1_eax = r.eax;
		cpu.leafd_1_ecx = r.ecx;
	}
	cpu.max_ext_leaf = cpuid(0x80000000, 0).eax;
	cpu_feat_detect();
}

void cpu_print_fingerprint(void)
{
	diag("cpu: vendor=%s family=0x%x model=0x%x stepping=0x%x hypervisor=%d%s%s",
	     cpu.vendor, cpu.family, cpu.model, cpu.stepping, cpu.hypervisor,
	     cpu.hypervisor ? " hv_vendor=" : "", cpu.hypervisor ? cpu.hv_vendor : "");
	diag("cet: shstk=%d ibt=%d cet_sss=%d xsaves=%d xss_cet_u=%d xss_cet_s=%d", cpu.shstk,
	     cpu.ibt, cpu.cet_sss, cpu.xsaves, cpu.xss_cet_u, cpu.xss_cet_s);
	diag("cpuid: (7,0).ebx=%08x ecx=%08x edx=%08x (7,1).edx=%08x (0xd,1).eax=%08x ecx=%08x",
	     cpu.leaf7_ebx, cpu.leaf7_ecx, cpu.leaf7_edx, cpu.leaf7_1_edx, cpu.leafd_1_eax,
	     cpu.leafd_1_ecx);
	cpu_feat_print();
}

void cpu_setup(void)
{
	/* Ring-3 programs may use SSE; the kernel itself is built without it. */
	write_cr0((read_cr0() & ~X86_CR0_EM) | X86_CR0_MP | X86_CR0_NE);
	u64 cr4 = read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (cpu.smep)
		cr4 |= X86_CR4_SMEP;
	if (cpu.smap)
		cr4 |= X86_CR4_SMAP;
	if (cpu.umip)
		cr4 |= X86_CR4_UMIP;
	if (cpu.pge)
		cr4 |= X86_CR4_PGE;
	write_cr4(cr4);
	diag("cr4: %08lx (smep=%d smap=%d umip=%d)", read_cr4(), !!(cr4 & X86_CR4_SMEP),
	     !!(cr4 & X86_CR4_SMAP), !!(cr4 & X86_CR4_UMIP));
}

static void read_microcode(void *arg)
{
	u64 *rev = arg;

	/* Intel: the revision lands in the high half after CPUID(1); AMD: the patch level. */
	if (!strcmp(cpu.vendor, "GenuineIntel")) {
		wrmsr(MSR_IA32_BIOS_SIGN_ID, 0);
		cpuid(1, 0);
		*rev = rdmsr(MSR_IA32_BIOS_SIGN_ID) >> 32;
	} else if (!strcmp(cpu.vendor, "AuthenticAMD")) {
		*rev = (u32)rdmsr(MSR_IA32_BIOS_SIGN_ID);
	}
}

/* The microcode revision, or 0 where the MSR faults (emulators need not have it). */
u32 cpu_microcode(void)
{
	struct fault_catch c;
	u64 rev = 0;

	if (fault_catch_call(&c, read_microcode, &rev))
		return 0;
	return (u32)rev;
}
