/* Exception dispatch, and the register dump every unexpected fault prints. */
#include "fault.h"
#include "kernel/cpu.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/uproc.h"
#include "kernel/linux.h"
#include "mm/umem.h"
#include "lib.h"
#include "mm/layout.h"
#include "x86/cpu.h"
#include "x86/msr.h"
#include "x86/paging.h"
#include "x86/segment.h"
#include "x86/trap.h"

/* A short decoding of an error code, e.g. "P W U SS" for a #PF. */
static void ec_decode(u64 vector, u64 ec, char *buf, size_t size)
{
	static const char *const pf_bits[] = { "P", "W", "U", "RSVD", "I", "PK", "SS" };
	/* The SDM's names of the #CP error codes (Vol. 1, "Control Protection Exception"). */
	static const char *const cp_codes[] = { "?", "NEAR-RET", "FAR-RET/IRET", "ENDBRANCH",
						"RSTORSSP", "SETSSBSY" };
	size_t n = 0;

	buf[0] = '\0';
	if (vector == X86_EXC_PF) {
		for (unsigned i = 0; i < ARRAY_SIZE(pf_bits); i++)
			if (ec & BIT(i))
				n += snprintf(buf + n, size - n, "%s%s", n ? " " : "", pf_bits[i]);
		if (!(ec & PF_EC_P))
			snprintf(buf + n, size - n, "%snot-present", n ? " " : "");
	} else if (vector == X86_EXC_CP) {
		unsigned code = ec & 0x7fff;
		snprintf(buf, size, "%s%s", code < ARRAY_SIZE(cp_codes) ? cp_codes[code] : "?",
			 ec & BIT(15) ? " ENCL" : "");
	} else if (ec && (vector == X86_EXC_GP || vector == X86_EXC_TS || vector == X86_EXC_NP ||
			  vector == X86_EXC_SS)) {
		snprintf(buf, size, "%s selector 0x%lx%s", ec & SEL_EC_IDT ? "IDT" : ec & SEL_EC_TI ? "LDT" : "GDT",
			 ec & SEL_EC_IDT ? (ec >> 3) : (ec & ~7UL), ec & SEL_EC_EXT ? " EXT" : "");
	}
}

static void backtrace_walk(void *arg)
{
	u64 rbp = *(u64 *)arg;

	for (int depth = 0; depth < 16 && rbp && !(rbp & 7); depth++) {
		if (rbp < KSTACK_REGION && rbp < KERNEL_VMA)
			break;
		u64 ret = ((u64 *)rbp)[1];
		if (ret < KERNEL_VMA)
			break;
		diag("  [%d] %016lx", depth, ret);
		rbp = ((u64 *)rbp)[0];
	}
}

void trap_dump(const struct trap_frame *f, u64 cr2)
{
	char ec[64];

	ec_decode(f->vector, f->error_code, ec, sizeof(ec));
	diag("exception: vector %lu %s, error code 0x%lx%s%s%s", f->vector,
	     x86_vector_name(f->vector), f->error_code, ec[0] ? " (" : "", ec, ec[0] ? ")" : "");
	diag("rip %04lx:%016lx rflags %016lx cr2 %016lx", f->cs, f->rip, f->rflags, cr2);
	diag("rsp %04lx:%016lx cr0 %08lx cr3 %016lx cr4 %08lx", f->ss, f->rsp, read_cr0(),
	     read_cr3(), read_cr4());
	diag("rax %016lx rbx %016lx rcx %016lx rdx %016lx", f->rax, f->rbx, f->rcx, f->rdx);
	diag("rsi %016lx rdi %016lx rbp %016lx r8  %016lx", f->rsi, f->rdi, f->rbp, f->r8);
	diag("r9  %016lx r10 %016lx r11 %016lx r12 %016lx", f->r9, f->r10, f->r11, f->r12);
	diag("r13 %016lx r14 %016lx r15 %016lx", f->r13, f->r14, f->r15);
	if ((f->cs & 3) == 0) {
		struct fault_catch c;
		u64 rbp = f->rbp;
		diag("backtrace (rbp chain; addr2line -e build/kernel.elf):");
		diag("  [-] %016lx", f->rip);
		if (fault_catch_call(&c, backtrace_walk, &rbp))
			diag("  (backtrace stopped by a fault at %016lx)", c.info.cr2);
	}
}

void trap_describe(const struct fault_info *fi, char *buf, size_t size)
{
	char ec[64];
	ec_decode(fi->vector, fi->error_code, ec, sizeof(ec));
	snprintf(buf, size, "%s error 0x%lx%s%s%s rip 0x%lx cr2 0x%lx", x86_vector_name(fi->vector),
		 fi->error_code, ec[0] ? " (" : "", ec, ec[0] ? ")" : "", fi->rip, fi->cr2);
}

/*
 * For tests of event delivery: a kernel-mode #BP, NMI or #MC handed to this hook
 * is handled and returned from with IRETQ, instead of being caught.
 */
void (*trap_test_hook)(struct trap_frame *f);
u64 trap_nmis;

/* The IRETQ of the trap path (kernel/entry.asm). */
extern char trap_iretq[];

/* Set by trap_iret32_fault: the trap path pops this many entries off SSP first. */
u8 trap_sss_drop;

/*
 * Remembers the frame the coming IRETQ loads when it returns to a 32-bit
 * code segment.  With user shadow stacks on, that IRETQ raises #GP(0) if
 * IA32_PL3_SSP[63:32] != 0 (SDM Vol. 2A, IRET: the check on returning to
 * compatibility mode; ERETU makes the same one).
 */
void trap_note_iret32(const struct trap_frame *f)
{
	struct task *t = current;

	if (!t)
		return;
	t->iret32_armed = f->cs == USER_CS32;
	if (t->iret32_armed) {
		t->iret32 = *f;
		t->iret32_ssp = cet_path != CET_PATH_NONE ? rdmsr(MSR_IA32_PL3_SSP) : 0;
	}
}

/*
 * The IRETQ at trap_iretq faulted on its way to a 32-bit code segment.  The
 * SDM takes that #GP with the state before the IRETQ: at CPL0, on this
 * stack, and with supervisor shadow stacks on, after pushing CS, LIP and
 * SSP onto the supervisor shadow stack; the trap path pops those three
 * again before it leaves, so that its IRETQ finds and frees the task's
 * token.  The fault is the program's: a #GP at the frame it did not reach
 * (what Linux's bad-IRET fixup reports), SIGSEGV for a Linux program.
 *
 * Bochs without supervisor shadow stacks loads CS, SS and CPL3 first and
 * delivers the #GP from CPL3 at this RIP, through TSS.RSP0, after saving
 * the SSP register in IA32_PL3_SSP (measured by tests/shstk_iret.c; README,
 * "Ring-3 programs and shadow stacks"): the saved frame and SSP put that
 * right too.
 */
static bool trap_iret32_fault(struct trap_frame *f)
{
	struct task *t = current;
	bool cpl3 = (f->cs & 3) == 3;

	if (!t || !t->iret32_armed || f->vector != X86_EXC_GP)
		return false;
	t->iret32_armed = false;
	if (cpl3) {
		diag("%s[%u]: the #GP of IRETQ to CS 0x%lx arrived with CS 0x%lx loaded; the SDM "
		     "takes it before any state changes", t->proc ? t->proc->prog->name : "kernel",
		     t->id, t->iret32.cs, f->cs);
		if (cet_path != CET_PATH_NONE)
			wrmsr(MSR_IA32_PL3_SSP, t->iret32_ssp);
	}
	f->rip = t->iret32.rip;
	f->cs = t->iret32.cs;
	f->rflags = t->iret32.rflags;
	f->rsp = t->iret32.rsp;
	f->ss = t->iret32.ss;
	uproc_fault(f, 0);
	/*
	 * Set only now: the program may have ended in uproc_fault, or blocked
	 * and let other tasks through this path meanwhile.
	 */
	if (kshstk_on && !cpl3)
		trap_sss_drop = 3;
	return true;
}

static void trap_dispatch(struct trap_frame *f)
{
	u64 cr2 = read_cr2();

	if (trap_test_hook && (f->cs & 3) == 0 &&
	    (f->vector == X86_EXC_BP || f->vector == X86_EXC_NMI || f->vector == X86_EXC_MC)) {
		trap_test_hook(f);
		return;
	}
	if (f->rip == (u64)trap_iretq && trap_iret32_fault(f))
		return;
	/* INT 0x80 from ring 3: a Linux program's ia32 system call. */
	if (f->vector == LX_IA32_VECTOR && (f->cs & 3) == 3) {
		if (lx_current())
			lx_ia32_syscall(f);
		else
			uproc_fault(f, cr2);
		return;
	}

	if (f->vector >= X86_NR_EXC) {
		if (timer_irq(f->vector)) {
			uproc_watchdog();
			lx_timer_wake();
			sched_tick(f);
			signal_check(f);
		} else {
			timer_unknown_irq(f->vector);
		}
		return;
	}
	/* An NMI is the machine's, not the running test's: logged, and the test goes on. */
	if (f->vector == X86_EXC_NMI) {
		trap_nmis++;
		diag("nmi: NMI %lu at %04lx:%016lx; the running code continues", trap_nmis, f->cs,
		     f->rip);
		return;
	}
	if ((f->cs & 3) == 3) {
		/*
		 * A CPL3 frame at a kernel RIP, or with no user program to blame:
		 * a kernel instruction faulted after loading CPL3 state, as an
		 * emulator's IRETQ may do (tests/shstk_iret.c).  An armed catch
		 * gets it; without one, uproc_fault() as before.
		 */
		if ((f->rip >> 63) || !current || !current->proc)
			fault_catch_deliver(f, cr2);
		uproc_fault(f, cr2);
		return;
	}
	/* The kernel writing a user page that is shared copy-on-write. */
	bool shstk;
	if (f->vector == X86_EXC_PF && cr2 < USER_TOP && current && current->mm &&
	    umem_cow_fault(current->mm, cr2, f->error_code, &shstk))
		return;
	if (f->vector != X86_EXC_DF && f->vector != X86_EXC_MC)
		fault_catch_deliver(f, cr2);
	diag("PANIC: unexpected exception in the kernel");
	trap_dump(f, cr2);
	panic("%s at rip 0x%lx", x86_vector_name(f->vector), f->rip);
}

void trap_handler(struct trap_frame *f);
void trap_handler(struct trap_frame *f)
{
	trap_dispatch(f);
	trap_note_iret32(f);
}
