/* The IDT: every vector points at its stub in kernel/entry.asm. */
#include "kernel/cpu.h"
#include "kernel/linux.h"
#include "lib.h"
#include "x86/cpu.h"
#include "x86/segment.h"
#include "x86/trap.h"

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type_attr;
	u16 off_mid;
	u32 off_hi, reserved;
} __packed;

extern const u64 idt_stub_table[256];
static struct idt_gate idt[256] __aligned(16);

static void idt_set(unsigned v, unsigned dpl, unsigned ist)
{
	u64 off = idt_stub_table[v];
	idt[v] = (struct idt_gate){
		.off_lo = off & 0xffff,
		.sel = KERNEL_CS,
		.ist = ist,
		.type_attr = 0x80 | (dpl << 5) | 0xe, /* present interrupt gate */
		.off_mid = (off >> 16) & 0xffff,
		.off_hi = off >> 32,
	};
}

/* The legacy PICs are remapped off the exception vectors and masked. */
static void pic_disable(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void idt_init(void)
{
	pic_disable();
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, 0, 0);
	/* INT3 and INTO are meant to be usable from ring 3. */
	idt_set(X86_EXC_BP, 3, 0);
	idt_set(X86_EXC_OF, 3, 0);
	/* INT 0x80: the Linux personality's ia32 system calls (others: a fault). */
	idt_set(LX_IA32_VECTOR, 3, 0);
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };
	asm volatile("lidt %0" ::"m"(idtr));
}

/* Called once the IST stacks exist. */
void idt_use_ist(void)
{
	idt_set(X86_EXC_DF, 0, IST_DF);
	idt_set(X86_EXC_NMI, 0, IST_NMI);
	idt_set(X86_EXC_MC, 0, IST_MC);
}
