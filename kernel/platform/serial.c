/*
 * Polled 16550 on COM1.  Bochs models the UART's timing, so every byte waits
 * for THRE and a flush waits for TEMT; otherwise the tail of the log is lost
 * when the machine powers off.
 */
#include "console.h"
#include "kernel/platform/uart.h"
#include "x86/cpu.h"

static bool serial_dead;

void serial_init(void)
{
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, 0x80);
	outb(COM1_PORT + UART_DLL, 1); /* 115200 baud */
	outb(COM1_PORT + UART_DLM, 0);
	outb(COM1_PORT + UART_LCR, 0x03); /* 8N1 */
	outb(COM1_PORT + UART_FCR, 0x07);
	outb(COM1_PORT + UART_MCR, 0x03);
	/* A floating bus reads 0xff: no UART there. */
	serial_dead = inb(COM1_PORT + UART_LSR) == 0xff;
}

static bool serial_wait(u8 bit)
{
	for (long i = 0; i < UART_SPIN_LIMIT; i++)
		if (inb(COM1_PORT + UART_LSR) & bit)
			return true;
	serial_dead = true;
	return false;
}

static void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n && !serial_dead; i++) {
		if (s[i] == '\n') {
			if (!serial_wait(UART_LSR_THRE))
				return;
			outb(COM1_PORT + UART_THR, '\r');
		}
		if (!serial_wait(UART_LSR_THRE))
			return;
		outb(COM1_PORT + UART_THR, (u8)s[i]);
	}
}

static void serial_flush(void)
{
	if (!serial_dead)
		serial_wait(UART_LSR_TEMT);
}

const struct console_sink serial_sink = {
	.name = "com1",
	.write = serial_write,
	.flush = serial_flush,
};
