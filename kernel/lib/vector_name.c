/*
 * The architectural names of exception vectors, for log lines.  Data only,
 * so any layer (mm's user copies, the EFI call path, the trap dump) can name
 * a vector without depending on the trap code.
 */
#include "x86/trap.h"

static const char *const exc_names[X86_NR_EXC] = {
	[X86_EXC_DE] = "#DE divide error",
	[X86_EXC_DB] = "#DB debug",
	[X86_EXC_NMI] = "NMI",
	[X86_EXC_BP] = "#BP breakpoint",
	[X86_EXC_OF] = "#OF overflow",
	[X86_EXC_BR] = "#BR bound range",
	[X86_EXC_UD] = "#UD invalid opcode",
	[X86_EXC_NM] = "#NM device not available",
	[X86_EXC_DF] = "#DF double fault",
	[X86_EXC_TS] = "#TS invalid TSS",
	[X86_EXC_NP] = "#NP segment not present",
	[X86_EXC_SS] = "#SS stack fault",
	[X86_EXC_GP] = "#GP general protection",
	[X86_EXC_PF] = "#PF page fault",
	[X86_EXC_MF] = "#MF x87 error",
	[X86_EXC_AC] = "#AC alignment check",
	[X86_EXC_MC] = "#MC machine check",
	[X86_EXC_XM] = "#XM SIMD error",
	[X86_EXC_VE] = "#VE virtualization",
	[X86_EXC_CP] = "#CP control protection",
};

const char *x86_vector_name(u64 vector)
{
	if (vector < X86_NR_EXC && exc_names[vector])
		return exc_names[vector];
	if (vector < X86_NR_EXC)
		return "reserved exception";
	return vector == 256 ? "syscall" : "interrupt";
}
