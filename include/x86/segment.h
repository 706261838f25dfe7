/* GDT layout.  The order is fixed by SYSCALL/SYSRET (STAR). */
#ifndef CETBED_X86_SEGMENT_H
#define CETBED_X86_SEGMENT_H

#define GDT_NULL 0
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
/* SYSRET loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8. */
#define USER_CS32 (0x18 | 3)
#define USER_DS (0x20 | 3)
#define USER_CS (0x28 | 3)
#define TSS_SEL 0x30
#define GDT_ENTRIES 8

#endif
