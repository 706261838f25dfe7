/* Shared by the ia32 cases (compat.c, compat_shstk.c). */
#ifndef CETBED_COMPAT_H
#define CETBED_COMPAT_H

#include <stddef.h>
#include <stdint.h>
#include "lt_cet.h"

#define NR32_exit 1
#define NR32_write 4
#define NR32_getpid 20
#define NR32_kill 37
#define NR32_sigaction 67
#define NR32_rt_sigaction 174
#define NR32_exit_group 252
#define NR32_break 17 /* in syscall_32.tbl without an entry point */

#define SA_RESTORER_LINUX 0x04000000
#define SA_UNSUPPORTED_LINUX 0x00000400
#define SI_KERNEL_LINUX 0x80
#define X86_TRAP_GP 13

#define SZ_1G 0x40000000UL
#define SZ_2G 0x80000000UL
#define SZ_4G 0x100000000UL
#define ALTSTACK_SIZE 0x10000

/* include/linux/compat.h's compat_old_sigaction: what number 67 reads and writes. */
struct compat_old_sigaction {
	uint32_t handler, mask, flags, restorer;
};

/* Its compat_sigaction: number 174's, with a two-word mask. */
struct compat_sigaction {
	uint32_t handler, flags, restorer, mask[2];
};

static inline __attribute__((always_inline)) long int80_4(long nr, long b, long c, long d, long s)
{
	long ret;
	/* r8-r11 listed as Linux's own selftest does: not what this file checks. */
	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(b), "c"(c), "d"(d), "S"(s)
		     : "r8", "r9", "r10", "r11", "memory");
	return ret;
}
#define int80(nr, b, c, d) int80_4(nr, b, c, d, 0)

uint32_t install_handler32(int sig);
void *map32(size_t len, int prot);
int in_map32_window(const void *p, size_t len);
void expect_child(int (*body)(void), int want, const char *what);
extern uintptr_t altstack_base;

#endif
