/*
 * Range and count rules of munmap, mprotect, madvise, read and write that
 * the Linux-ABI fuzzer found broken, each from Linux's source:
 * mm/mmap.c do_vmi_munmap (a length that rounds up to 0 is -EINVAL),
 * mm/mprotect.c (an end at or below the start is -ENOMEM), mm/madvise.c
 * (a wrapping length is -EINVAL, a hole is -ENOMEM, whatever the advice),
 * fs/read_write.c (access_ok on the buffer first, -EFAULT; at most
 * MAX_RW_COUNT = INT_MAX & PAGE_MASK bytes per call).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lt.h"

#define TASK_SIZE_MAX 0x7ffffffff000UL
#define MAX_RW_COUNT 0x7ffff000L

static char low_buf[64]; /* in .bss, far below the top of the user half */

int lt_mm_range_rules(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	LT_CHECK(p != MAP_FAILED);

	LT_EQ(syscall(SYS_munmap, TASK_SIZE_MAX, ~0UL), -1);
	LT_EQ(errno, EINVAL);
	/* do_vmi_munmap: nothing at or past TASK_SIZE, nor reaching past it. */
	LT_EQ(syscall(SYS_munmap, 0xffff800000000000UL, 4096UL), -1);
	LT_EQ(errno, EINVAL);
	LT_EQ(syscall(SYS_munmap, TASK_SIZE_MAX - 4096, 8192UL), -1);
	LT_EQ(errno, EINVAL);
	LT_EQ(syscall(SYS_mprotect, p, ~0UL, PROT_READ), -1);
	LT_EQ(errno, ENOMEM);
	LT_EQ(syscall(SYS_mprotect, 0x8000000000000000UL, ~0UL, PROT_READ), -1);
	LT_EQ(errno, ENOMEM);
	LT_EQ(syscall(SYS_madvise, p, ~0UL, MADV_NORMAL), -1);
	LT_EQ(errno, EINVAL);
	LT_EQ(syscall(SYS_madvise, 0xffff800000000000UL, 4096UL, MADV_NORMAL), -1);
	LT_EQ(errno, ENOMEM);
	LT_EQ(syscall(SYS_madvise, p + 4096, 4096UL, MADV_WILLNEED), -1);
	LT_EQ(errno, ENOMEM);
	LT_EQ(syscall(SYS_madvise, p, 4096UL, MADV_WILLNEED), 0);

	int fd = open("/dev/null", O_RDWR);
	LT_CHECK(fd >= 0);
	LT_EQ(syscall(SYS_write, fd, low_buf, 1UL << 63), -1);
	LT_EQ(errno, EFAULT);
	LT_EQ(syscall(SYS_read, fd, low_buf, ~0UL), -1);
	LT_EQ(errno, EFAULT);
	/* A buffer that runs past the top of the user half, even for /dev/null. */
	LT_EQ(syscall(SYS_write, fd, TASK_SIZE_MAX - 8, 16UL), -1);
	LT_EQ(errno, EFAULT);
	LT_EQ(syscall(SYS_write, fd, low_buf, 0x80000000UL), MAX_RW_COUNT);
	LT_EQ(syscall(SYS_write, fd, low_buf, sizeof(low_buf)), (long)sizeof(low_buf));
	close(fd);
	munmap(p, 4096);
	return LT_RESULT();
}
