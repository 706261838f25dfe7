/* The ring-3 selftest program: one case per run, chosen by the kernel's test. */
#include "errno.h"
#include "lib.h"
#include "mm/layout.h"
#include "user/selftest.h"
#include "user/usys.h"

void u_read_null(void);
void u_write_addr(u64 addr);
u64 u_read_addr(u64 addr);
void u_call_addr(u64 addr);
void u_ud(void);
void u_int3(void);
void u_int_gate(void);
void u_hlt(void);
void u_sgdt(void);
void u_write_text(void);
long u_syscall_regs(void);
extern char u_nx_data[];

#define USER_STACK_TOP 0x00007fffffff0000UL
#define USER_STACK_PAGES 4

static int bad_write(u64 ptr, u64 len, long want)
{
	long got = sys_write((const void *)ptr, len);
	if (got == want)
		return 0;
	uput_hex("write() unexpected result for buffer", ptr);
	uput_hex("  length", len);
	uput_hex("  result", (u64)got);
	return 1;
}

static int bad_uname(u64 ptr, long want)
{
	long got = sys_uname((void *)ptr, 64);
	if (got == want)
		return 0;
	uput_hex("uname() unexpected result for buffer", ptr);
	uput_hex("  result", (u64)got);
	return 1;
}

/* Every bad user buffer must come back as an error, never as a kernel fault. */
static long bad_pointers(u64 kernel_addr)
{
	char buf[16];
	int misses = 0;

	misses += bad_write(0, 8, -EFAULT);
	misses += bad_write(0xff8, 16, -EFAULT);		/* page 0 and the next, unmapped */
	misses += bad_write(kernel_addr, 8, -EFAULT);
	misses += bad_write(PHYS_MAP_BASE, 8, -EFAULT);
	misses += bad_write(0x0000800000000000UL, 8, -EFAULT); /* first non-canonical */
	misses += bad_write(0x8000000000000000UL, 8, -EFAULT);
	misses += bad_write(USER_STACK_TOP - 4, 8, -EFAULT);	/* runs off the stack's top */
	misses += bad_write(USER_STACK_TOP - USER_STACK_PAGES * 4096 - 8, 16, -EFAULT); /* guard */
	misses += bad_write((u64)buf, ~0UL, -EINVAL);
	misses += bad_write((u64)buf, 1UL << 63, -EINVAL);
	misses += bad_uname(0, -EFAULT);
	misses += bad_uname(kernel_addr, -EFAULT);
	misses += bad_uname((u64)u_read_null, -EFAULT);	/* read-only text: CR0.WP holds */
	/* A good call still works after all that. */
	long n = sys_uname(buf, sizeof(buf));
	if (n != 7 || memcmp(buf, "cetbed", 7)) {
		uput_hex("uname() into a good buffer returned", (u64)n);
		misses++;
	}
	return misses;
}

long main(long which, u64 arg);
long main(long which, u64 arg)
{
	switch (which) {
	case ST_EXIT:
		return (long)arg;
	case ST_WRITE: {
		static const char line[] = ST_WRITE_TEXT_LINE "\n";
		return sys_write(line, sizeof(line) - 1) == sizeof(line) - 1 ? 0 : 1;
	}
	case ST_BAD_POINTERS:
		return bad_pointers(arg);
	case ST_ENOSYS:
		return syscall3(0x7fffffff, 0, 0, 0) == -ENOSYS &&
			       syscall3(-1L, 0, 0, 0) == -ENOSYS ? 0 : 1;
	case ST_READ_NULL:
		u_read_null();
		break;
	case ST_WRITE_KERNEL:
		u_write_addr(arg);
		break;
	case ST_READ_KERNEL:
		u_read_addr(arg);
		break;
	case ST_EXEC_NX:
		u_call_addr((u64)u_nx_data);
		break;
	case ST_UD:
		u_ud();
		break;
	case ST_INT3:
		u_int3();
		break;
	case ST_INT_GATE:
		u_int_gate();
		break;
	case ST_HLT:
		u_hlt();
		break;
	case ST_SGDT:
		u_sgdt();
		break;
	case ST_WRITE_TEXT:
		u_write_text();
		break;
	case ST_STACK_GUARD:
		u_write_addr(USER_STACK_TOP - USER_STACK_PAGES * 4096 - 8);
		break;
	case ST_SYSCALL_REGS:
		return u_syscall_regs();
	default:
		return 255;
	}
	return 254; /* the case above should have faulted */
}
