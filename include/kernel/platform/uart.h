/*
 * 16550-compatible UARTs beyond COM1 (kernel/platform/uart.c): PCI class 0x07/0x00
 * serial controllers (Intel AMT Serial-over-LAN appears as one) and ports
 * named with uart= on the command line.  Each one becomes another console
 * sink, so the whole KTAP stream reaches all of them.
 */
#ifndef CETBED_KERNEL_UART_H
#define CETBED_KERNEL_UART_H

#include "types.h"

/* 16550 registers, in units of the register stride. */
#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
/* Polls before a missing or wedged UART is given up, so output never hangs. */
#define UART_SPIN_LIMIT 10000000

#define UART_MAX 4
#define UART_BAUD 115200U
#define UART_CLOCK_DEFAULT 1843200UL /* 16 x 115200: divisor 1 */
#define COM1_PORT 0x3f8

struct cmdline;

/* The command line's uart= ports, then a PCI scan.  After mm_init. */
void uart_init(const struct cmdline *cl);

#endif
