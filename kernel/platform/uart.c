/*
 * UARTs beyond COM1 (include/kernel/platform/uart.h): polled 16550s at an I/O port
 * or in MMIO with 1-byte registers a stride apart, each one a console sink.
 * Like COM1, every byte waits for THRE and a UART that stops answering is
 * dropped rather than allowed to hang the run.
 */
#include "console.h"
#include "kernel/lib/cmdline.h"
#include "kernel/platform/pci.h"
#include "kernel/platform/uart.h"
#include "lib.h"
#include "mm/iomap.h"
#include "mm/mm.h"
#include "x86/cpu.h"

struct uart {
	bool mmio;
	bool dead;
	u8 stride;
	u64 phys; /* I/O port or physical MMIO address, as named */
	volatile u8 *regs; /* MMIO mapping */
};

static struct uart uarts[UART_MAX];
static unsigned nr_uarts;

static u8 uart_in(const struct uart *u, unsigned reg)
{
	if (u->mmio)
		return u->regs[reg * u->stride];
	return inb((u16)(u->phys + reg * u->stride));
}

static void uart_out(const struct uart *u, unsigned reg, u8 v)
{
	if (u->mmio)
		u->regs[reg * u->stride] = v;
	else
		outb((u16)(u->phys + reg * u->stride), v);
}

static bool uart_wait(struct uart *u, u8 bit)
{
	for (long i = 0; i < UART_SPIN_LIMIT; i++)
		if (uart_in(u, UART_LSR) & bit)
			return true;
	u->dead = true;
	return false;
}

static void uart_putc(struct uart *u, char c)
{
	if (uart_wait(u, UART_LSR_THRE))
		uart_out(u, UART_THR, (u8)c);
}

static void uart_write(struct uart *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !u->dead; i++) {
		if (s[i] == '\n')
			uart_putc(u, '\r');
		uart_putc(u, s[i]);
	}
}

static void uart_flush(struct uart *u)
{
	if (!u->dead)
		uart_wait(u, UART_LSR_TEMT);
}

/* Console sinks carry no context: one pair of functions per slot. */
#define UART_SINK(i)                                                                       \
	static void uart_write_##i(const char *s, size_t n)                                \
	{                                                                                  \
		uart_write(&uarts[i], s, n);                                               \
	}                                                                                  \
	static void uart_flush_##i(void)                                                   \
	{                                                                                  \
		uart_flush(&uarts[i]);                                                     \
	}
UART_SINK(0)
UART_SINK(1)
UART_SINK(2)
UART_SINK(3)

static const struct console_sink uart_sinks[UART_MAX] = {
	{ "uart0", uart_write_0, uart_flush_0 },
	{ "uart1", uart_write_1, uart_flush_1 },
	{ "uart2", uart_write_2, uart_flush_2 },
	{ "uart3", uart_write_3, uart_flush_3 },
};

static const char *uart_kind(bool mmio)
{
	return mmio ? "mmio" : "io";
}

/* 115200 baud 8N1, FIFOs on, as for COM1; then LSR must not float at 0xff. */
static bool uart_setup(struct uart *u, u64 clock_hz)
{
	u32 div = (u32)((clock_hz + 8 * UART_BAUD) / (16 * UART_BAUD));

	uart_out(u, UART_IER, 0);
	uart_out(u, UART_LCR, UART_LCR_DLAB);
	uart_out(u, UART_DLL, (u8)div);
	uart_out(u, UART_DLM, (u8)(div >> 8));
	uart_out(u, UART_LCR, UART_LCR_8N1);
	uart_out(u, UART_FCR, UART_FCR_ENABLE_CLEAR);
	uart_out(u, UART_MCR, UART_MCR_DTR_RTS);
	return uart_in(u, UART_LSR) != 0xff;
}

/*
 * Adds a UART as a sink; from says where it was found, clock_hz its input
 * clock and clock_from where that figure came from.
 */
static void uart_add(bool mmio, u64 addr, u8 stride, u64 clock_hz, const char *clock_from,
		     const char *from)
{
	if (!mmio && addr == COM1_PORT) {
		diag("uart: %s io:0x%lx is COM1, already a console", from, addr);
		return;
	}
	for (unsigned i = 0; i < nr_uarts; i++) {
		if (uarts[i].mmio == mmio && uarts[i].phys == addr) {
			diag("uart: %s %s:0x%lx is already uart%u", from, uart_kind(mmio), addr, i);
			return;
		}
	}
	if (nr_uarts == UART_MAX) {
		diag("uart: %s %s:0x%lx not added: at most %d UARTs besides COM1", from,
		     uart_kind(mmio), addr, UART_MAX);
		return;
	}
	struct uart *u = &uarts[nr_uarts];
	*u = (struct uart){ .mmio = mmio, .stride = stride, .phys = addr };
	if (mmio && !(u->regs = iomap_map(addr, 8 * stride, IOMAP_UC, NULL))) {
		diag("uart: %s mmio:0x%lx not added: no room to map it", from, addr);
		return;
	}
	if (!uart_setup(u, clock_hz)) {
		diag("uart: %s %s:0x%lx not added: nothing answers there (LSR reads 0xff)", from,
		     uart_kind(mmio), addr);
		return;
	}
	/* The diagnostic first, so that the new port's log shows it too. */
	diag("uart: uart%u: %s %s:0x%lx stride %u, clock %lu Hz (%s), divisor %lu for %u "
	     "baud: console output goes here too", nr_uarts, from, uart_kind(mmio), addr, stride,
	     clock_hz, clock_from, (clock_hz + 8 * UART_BAUD) / (16 * UART_BAUD), UART_BAUD);
	if (console_add_sink_replay(&uart_sinks[nr_uarts]))
		nr_uarts++;
	else
		diag("uart: no room for another console sink");
}

/*
 * The first decoding BAR: an I/O BAR is a 16550 at that port, a memory BAR
 * (32- or 64-bit) one in MMIO.  Decoding is switched on if firmware left
 * it off.  False if no BAR is assigned.
 */
static bool uart_pci_bar(const struct pci_dev *d, bool *mmio, u64 *addr)
{
	for (u8 i = 0; i < 6; i++) {
		u8 off = (u8)(PCI_BAR0 + 4 * i);
		u32 bar = pci_read32(d, off);
		u32 cmd = pci_read32(d, PCI_COMMAND);
		if (bar & PCI_BAR_IO) {
			*addr = bar & 0xfffc;
			*mmio = false;
			cmd |= PCI_COMMAND_IO;
		} else {
			*addr = bar & ~0xfUL;
			if ((bar & 0x6) == PCI_BAR_MEM_64 && i < 5)
				*addr |= (u64)pci_read32(d, (u8)(off + 4)) << 32;
			*mmio = true;
			cmd |= PCI_COMMAND_MEMORY;
		}
		if (!*addr) {
			if (*mmio && (bar & 0x6) == PCI_BAR_MEM_64)
				i++;
			continue;
		}
		pci_write32(d, PCI_COMMAND, cmd & 0xffff);
		return true;
	}
	return false;
}

/*
 * PCI UARTs whose input clock is not the 16550's usual 1.8432 MHz, from
 * Linux's 8250_pci board table (base_baud x 16).
 */
static const struct {
	u16 vendor, device;
	u32 clock_hz;
	const char *name;
} uart_pci_clocks[] = {
	{ 0x12d8, 0x7951, 14745600, "Pericom PI7C9X7951" },
	{ 0x12d8, 0x7952, 14745600, "Pericom PI7C9X7952" },
	{ 0x12d8, 0x7954, 14745600, "Pericom PI7C9X7954" },
	{ 0x12d8, 0x7958, 14745600, "Pericom PI7C9X7958" },
};

static void uart_pci_found(const struct pci_dev *d, void *ctx)
{
	unsigned *found = ctx;
	char from[48];
	bool mmio;
	u64 addr;

	if (d->class != PCI_CLASS_COMM || d->subclass != PCI_SUBCLASS_SERIAL)
		return;
	(*found)++;
	snprintf(from, sizeof(from), "pci %02x:%02x.%u %04x:%04x prog-if %02x", d->bus, d->dev,
		 d->fn, d->vendor, d->device, d->prog_if);
	if (!uart_pci_bar(d, &mmio, &addr)) {
		diag("uart: %s has no assigned BAR; not used", from);
		return;
	}
	u64 clock = UART_CLOCK_DEFAULT;
	const char *clock_from = "assumed: the usual 16550 clock; uart=...,clock=HZ overrides";
	for (unsigned i = 0; i < ARRAY_SIZE(uart_pci_clocks); i++)
		if (uart_pci_clocks[i].vendor == d->vendor && uart_pci_clocks[i].device == d->device) {
			clock = uart_pci_clocks[i].clock_hz;
			clock_from = uart_pci_clocks[i].name;
		}
	uart_add(mmio, addr, 1, clock, clock_from, from);
}

void uart_init(const struct cmdline *cl)
{
	unsigned found = 0;

	for (unsigned i = 0; i < cl->nr_uarts; i++)
		uart_add(cl->uarts[i].mmio, cl->uarts[i].addr, cl->uarts[i].stride,
			 cl->uarts[i].clock_hz ? cl->uarts[i].clock_hz : UART_CLOCK_DEFAULT,
			 cl->uarts[i].clock_hz ? "uart=...,clock=" : "assumed: the usual 16550 clock",
			 "uart=");
	unsigned buses = pci_scan(uart_pci_found, &found);
	if (!buses)
		diag("uart: PCI configuration ports do not answer; no PCI serial ports");
	else if (!found)
		diag("uart: no PCI serial ports (class 07/00) on %u PCI bus%s", buses,
		     buses == 1 ? "" : "es");
}
