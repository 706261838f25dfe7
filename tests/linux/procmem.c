/*
 * /proc/self/mem under Linux's rules (fs/proc/base.c mem_rw, mm/gup.c with
 * FOLL_FORCE): reads and writes go through the page tables of the process,
 * also into pages the process itself may not write; where nothing is mapped
 * the call fails with EIO, or stops short at the first unmapped byte; and a
 * page shared copy-on-write since fork is copied before it is written, so
 * that one process's write never reaches the other.  That last rule holds
 * for shadow-stack pages too (checked where the CPU has shadow stacks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lt.h"
#include "lt_cet.h"

#define PAGE 4096UL

static int mem_fd;

/* One read or write at addr through /proc/self/mem: bytes moved, or -errno. */
static long mem_rw(int write, uintptr_t addr, void *buf, size_t len)
{
	if (lseek(mem_fd, (off_t)addr, SEEK_SET) != (off_t)addr)
		return -1000 - errno;
	long n = write ? syscall(SYS_write, mem_fd, buf, len) : syscall(SYS_read, mem_fd, buf, len);
	return n < 0 ? -errno : n;
}

/* Reads, writes and EIO where nothing is mapped. */
static void procmem_bounds(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[16];

	LT_CHECK(p != MAP_FAILED);
	memset(p, 'a', 3 * PAGE);
	LT_EQ(mem_rw(1, (uintptr_t)p + 5, "XY", 2), 2);
	LT_EQ(p[5], 'X');
	LT_EQ(p[6], 'Y');
	LT_EQ(mem_rw(0, (uintptr_t)p + 5, buf, 2), 2);
	LT_EQ(buf[0], 'X');

	/* A page the process may only read: FOLL_FORCE writes it anyway. */
	LT_EQ(mprotect(p + PAGE, PAGE, PROT_READ), 0);
	LT_EQ(mem_rw(1, (uintptr_t)p + PAGE, "R", 1), 1);
	LT_EQ(p[PAGE], 'R');

	/* Nothing mapped: EIO, and a transfer that runs into a hole stops there. */
	LT_EQ(munmap(p + 2 * PAGE, PAGE), 0);
	LT_EQ(mem_rw(0, (uintptr_t)p + 2 * PAGE, buf, 8), -EIO);
	LT_EQ(mem_rw(1, (uintptr_t)p + 2 * PAGE, "Z", 1), -EIO);
	LT_EQ(mem_rw(0, (uintptr_t)p + 2 * PAGE - 8, buf, 16), 8);
	LT_EQ(mem_rw(0, 0, buf, 8), -EIO);
	/* The kernel half is nobody's user memory. */
	LT_EQ(mem_rw(0, 0xffffffff80000000UL, buf, 8), -EIO);
	LT_EQ(mem_rw(1, 0xffffffff80000000UL, "K", 1), -EIO);
	munmap(p, 2 * PAGE);
}

/*
 * A page shared copy-on-write since fork: the child's write through its own
 * /proc/self/mem lands in its own copy; *word in the parent keeps before.
 * (The descriptor the child inherits names the parent's memory: mem_open
 * takes the mm once.)
 */
static void procmem_cow(const char *what, uint64_t *word, uint64_t before)
{
	uint64_t v = 0x5eedc0de5eedc0deULL;
	pid_t pid = fork();

	if (pid == 0) {
		uint64_t got = 0;
		close(mem_fd);
		mem_fd = open("/proc/self/mem", O_RDWR);
		int ok = mem_fd >= 0 && mem_rw(1, (uintptr_t)word, &v, 8) == 8 &&
			 mem_rw(0, (uintptr_t)word, &got, 8) == 8 && got == v && *word == v;
		_exit(ok ? 0 : 1);
	}
	int st = 0;
	LT_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("FAIL: %s: the child's write through /proc/self/mem did not take (status 0x%x)\n",
		       what, st);
		lt_failures++;
	}
	if (*word != before) {
		printf("FAIL: %s: the child's write reached the parent: 0x%llx, was 0x%llx\n", what,
		       (unsigned long long)*word, (unsigned long long)before);
		lt_failures++;
	}
}

/*
 * The descriptor a child inherits still names the parent's memory (mem_open
 * takes the mm once): a write through it reaches the parent, not the child.
 */
static void procmem_inherited_fd(void)
{
	uint64_t *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t v = 0x3333;

	*w = 0x2222;
	pid_t pid = fork();
	if (pid == 0)
		_exit(mem_rw(1, (uintptr_t)w, &v, 8) == 8 && *w == 0x2222 ? 0 : 1);
	int st = 0;
	LT_EQ(waitpid(pid, &st, 0), pid);
	LT_EQ(st, 0);
	LT_EQ(*w, 0x3333);
	munmap(w, PAGE);
}

static sigjmp_buf write_env;

static void write_segv(int sig)
{
	(void)sig;
	siglongjmp(write_env, 1);
}

/* Whether a plain store to p takes SIGSEGV (p keeps its contents either way). */
static int write_faults(uint64_t *p)
{
	struct sigaction sa = { .sa_handler = write_segv }, old;
	volatile int faulted = 0;

	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(write_env, 1))
		*(volatile uint64_t *)p = *p;
	else
		faulted = 1;
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

/* Made read-only after fork, a page still shared copy-on-write stays read-only. */
static void cow_then_readonly(void)
{
	uint64_t *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	*w = 0x4444;
	pid_t keeper = fork(); /* holds the page shared until it is killed */
	if (keeper == 0) {
		pause();
		_exit(0);
	}
	LT_EQ(mprotect(w, PAGE, PROT_READ), 0);
	pid_t pid = fork();
	if (pid == 0) {
		*(volatile uint64_t *)w = 0x5555;
		_exit(0);
	}
	int st = 0;
	LT_EQ(waitpid(pid, &st, 0), pid);
	LT_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	/* Nor may the kernel write it for the process: getrandom into it is EFAULT. */
	LT_EQ(syscall(SYS_getrandom, w, 8, 0) < 0 ? -errno : 0, -EFAULT);
	LT_EQ(*w, 0x4444);
	/* A forced write gives this process a copy of its own, and a read-only one. */
	uint64_t v = 0x6666;
	LT_EQ(mem_rw(1, (uintptr_t)w, &v, 8), 8);
	LT_EQ(*w, 0x6666);
	LT_CHECK(write_faults(w));
	kill(keeper, SIGKILL);
	waitpid(keeper, &st, 0);
	LT_EQ(*w, 0x6666);
	munmap(w, PAGE);
}

int lt_procmem_rules(int argc, char **argv)
{
	(void)argc, (void)argv;
	mem_fd = open("/proc/self/mem", O_RDWR);
	LT_CHECK(mem_fd >= 0);
	if (mem_fd < 0)
		return LT_RESULT();
	procmem_bounds();
	procmem_inherited_fd();
	cow_then_readonly();

	uint64_t *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*w = 0x1111;
	procmem_cow("an anonymous page", w, 0x1111);
	LT_EQ(mprotect(w, PAGE, PROT_READ), 0);
	procmem_cow("a read-only anonymous page", w, 0x1111);

	if (cpu_has_shstk()) {
		/* The kernel wrote its restore token, so the page is there before fork. */
		long s = syscall(NR_map_shadow_stack, 0, PAGE, SHADOW_STACK_SET_TOKEN);
		if (s < 0 && (errno == EOPNOTSUPP || errno == ENOSYS))
			printf("# shadow-stack page: map_shadow_stack gives %s, not checked\n",
			       errno == ENOSYS ? "ENOSYS" : "EOPNOTSUPP");
		else
			LT_CHECK(s > 0);
		if (s > 0) {
			uint64_t *token = (uint64_t *)(s + PAGE - 8);
			/* A restore token: the address above it, bit 0 for 64-bit mode (SDM). */
			LT_EQ(*token, (s + PAGE) | 1);
			procmem_cow("a shadow-stack page", token, (uint64_t)(s + PAGE) | 1);
		}
	} else {
		printf("# shadow-stack page: CPUID.(7,0):ECX[7] CET_SS not enumerated, not checked\n");
	}
	close(mem_fd);
	return LT_RESULT();
}
