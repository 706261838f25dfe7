/* General Linux behaviour a static glibc program relies on. */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lt.h"

int lt_hello(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* printf returns the number of bytes written: 14 for this line. */
	LT_EQ(printf("hello, world!\n"), 14);
	return LT_RESULT();
}

int lt_printf_float(int argc, char **argv)
{
	char buf[64];

	(void)argc, (void)argv;
	snprintf(buf, sizeof(buf), "%.3f %g %e %.0f", 3.14159265, 1e-5, 12345.678, 2.5);
	printf("%s\n", buf);
	/* C's rounding rules: round-half-even for %.0f of 2.5 under the default mode. */
	LT_CHECK(!strcmp(buf, "3.142 1e-05 1.234568e+04 2"));
	LT_CHECK(strtod("0x1.8p1", NULL) == 3.0);
	volatile double x = 1.0;
	for (int i = 0; i < 10; i++)
		x *= 1.5;
	snprintf(buf, sizeof(buf), "%.6f", x);
	LT_CHECK(!strcmp(buf, "57.665039"));
	return LT_RESULT();
}

int lt_malloc_stress(int argc, char **argv)
{
	enum { N = 60 };
	static unsigned char *p[N];
	static size_t len[N];
	unsigned seed = 12345;

	(void)argc, (void)argv;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			seed = seed * 1103515245 + 12345;
			/* Small blocks from brk, and a few past glibc's 128 KiB mmap threshold. */
			len[i] = i % 30 == 7 ? 200000 + (seed % 4096) : 1 + (seed >> 8) % 3000;
			p[i] = malloc(len[i]);
			if (!p[i]) {
				LT_CHECK(p[i] != NULL);
				return 1;
			}
			memset(p[i], (unsigned char)(i + round), len[i]);
		}
		for (int i = 0; i < N; i += 3) {
			p[i] = realloc(p[i], len[i] * 2);
			LT_CHECK(p[i] != NULL);
			memset(p[i] + len[i], (unsigned char)(i + round), len[i]);
			len[i] *= 2;
		}
		for (int i = 0; i < N; i++) {
			int k = (i * 7) % N;
			for (size_t b = 0; b < len[k]; b += 97)
				if (p[k][b] != (unsigned char)(k + round)) {
					LT_CHECK(p[k][b] == (unsigned char)(k + round));
					return 1;
				}
			free(p[k]);
		}
	}
	return LT_RESULT();
}

static long raw_syscall0(unsigned long nr)
{
	long ret;
	asm volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

extern const Elf64_Ehdr __ehdr_start;
extern char _start[];

int lt_argv_auxv(int argc, char **argv)
{
	LT_EQ(argc, 3);
	LT_CHECK(argc == 3 && !strcmp(argv[1], "one") && !strcmp(argv[2], "two"));
	LT_CHECK(argv[argc] == NULL);
	LT_CHECK(getenv("PATH") != NULL);
	LT_EQ(getauxval(AT_PAGESZ), 4096);
	LT_EQ(sysconf(_SC_PAGESIZE), 4096);
	/* The program headers as mapped: the ELF header's address plus e_phoff. */
	LT_EQ(getauxval(AT_PHDR), (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff);
	LT_EQ(getauxval(AT_PHNUM), __ehdr_start.e_phnum);
	LT_EQ(getauxval(AT_PHENT), sizeof(Elf64_Phdr));
	LT_EQ(getauxval(AT_ENTRY), (uintptr_t)_start);
	const unsigned char *rnd = (const void *)getauxval(AT_RANDOM);
	LT_CHECK(rnd != NULL);
	if (rnd) {
		int nonzero = 0;
		for (int i = 0; i < 16; i++)
			nonzero |= rnd[i];
		LT_CHECK(nonzero);
	}
	LT_CHECK(getauxval(AT_EXECFN) && !strcmp((const char *)getauxval(AT_EXECFN), argv[0]));
	LT_EQ(getauxval(AT_SECURE), 0);
	/* The initial stack is 16-byte aligned at argc: argv sits 8 above it. */
	LT_EQ(((uintptr_t)argv - 8) & 15, 0);
	/*
	 * The system-call number is EAX (entry_64.S sign-extends it; the upper
	 * half of RAX is ignored); the x32 bit and -1 are -ENOSYS.
	 */
	LT_EQ(raw_syscall0((1UL << 32) | 39), getpid());
	LT_EQ(raw_syscall0(0xdead00000000UL | 39), getpid());
	LT_EQ(raw_syscall0(0x40000000UL | 39), -ENOSYS);
	LT_EQ(raw_syscall0(~0UL), -ENOSYS);
	return LT_RESULT();
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long mine;

/*
 * Floating point kept in registers across preemptions: each thread's own.
 * It runs for 5 ms of the platform's time, some ten timer ticks, whatever
 * the emulator's speed; the count makes it repeatable.
 */
static double float_steps(long id, long n)
{
	double x = (double)id;
	for (long i = 0; i < n; i++)
		x = x * 0.999999 + 0.5;
	return x;
}

static double float_work(long id, long *steps)
{
	struct timespec a, b;
	double x = (double)id;
	long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 1000; i++)
			x = x * 0.999999 + 0.5;
		n += 1000;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 5000000L);
	*steps = n;
	return x;
}

static double float_result[5];
static long float_n[5];

static void *worker(void *arg)
{
	long id = (long)arg;
	mine = id;
	float_result[id] = float_work(id, &float_n[id]);
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		if (i % 125 == 0)
			sched_yield();
	}
	/* Thread-local storage through each thread's own FS base. */
	return (void *)(mine == id ? id : -1);
}

int lt_pthread_mutex(int argc, char **argv)
{
	pthread_t t[4];

	(void)argc, (void)argv;
	mine = 99;
	for (long i = 0; i < 4; i++)
		LT_EQ(pthread_create(&t[i], NULL, worker, (void *)(i + 1)), 0);
	for (long i = 0; i < 4; i++) {
		void *ret;
		LT_EQ(pthread_join(t[i], &ret), 0);
		LT_EQ((long)ret, i + 1);
	}
	LT_EQ(counter, 2000);
	LT_EQ(mine, 99);
	for (long i = 1; i <= 4; i++)
		LT_CHECK(float_result[i] == float_steps(i, float_n[i]));
	/* A timed wait on a condition variable: FUTEX_WAIT_BITSET, absolute time. */
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 20 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	LT_EQ(pthread_cond_timedwait(&cv, &lock, &until), ETIMEDOUT);
	pthread_mutex_unlock(&lock);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	LT_CHECK(now.tv_sec > until.tv_sec ||
		 (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec));
	return LT_RESULT();
}

static int shared_value = 1;
static volatile int chld_code, chld_pid, chld_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	chld_code = si->si_code;
	chld_pid = si->si_pid;
	chld_status = si->si_status;
}

int lt_fork_wait(int argc, char **argv)
{
	int status;

	struct sigaction sa = { 0 };

	(void)argc, (void)argv;
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		shared_value = 2; /* the child's own copy */
		_exit(42);
	}
	LT_CHECK(pid > 0);
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_CHECK(WIFEXITED(status));
	LT_EQ(WEXITSTATUS(status), 42);
	LT_EQ(shared_value, 1);
	/* SIGCHLD's siginfo: CLD_EXITED, the child's pid and exit status. */
	LT_EQ(chld_code, CLD_EXITED);
	LT_EQ(chld_pid, pid);
	LT_EQ(chld_status, 42);
	signal(SIGCHLD, SIG_DFL);
	/* A child killed by a signal reports it the way Linux encodes it. */
	pid = fork();
	if (pid == 0) {
		raise(SIGUSR1);
		_exit(0);
	}
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_CHECK(WIFSIGNALED(status));
	LT_EQ(WTERMSIG(status), SIGUSR1);
	LT_EQ(waitpid(-1, &status, 0), -1);
	LT_EQ(errno, ECHILD);
	return LT_RESULT();
}

static volatile int got_sig, got_code, got_pid;
static volatile uintptr_t got_sp;
static volatile int alt_flags;
static char altstack[64 * 1024];

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	stack_t cur;
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_sp = (uintptr_t)&cur;
	sigaltstack(NULL, &cur);
	alt_flags = cur.ss_flags;
}

int lt_signal_siginfo(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

	(void)argc, (void)argv;
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	LT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	LT_EQ(sigaltstack(&ss, NULL), 0);
	raise(SIGUSR1);
	LT_EQ(got_sig, SIGUSR1);
	LT_EQ(got_code, SI_TKILL); /* raise() is tgkill */
	LT_EQ(got_pid, getpid());
	LT_CHECK(got_sp >= (uintptr_t)altstack && got_sp < (uintptr_t)altstack + sizeof(altstack));
	LT_EQ(alt_flags, SS_ONSTACK);
	/* kill() of the own process: SI_USER. */
	got_sig = 0;
	kill(getpid(), SIGUSR1);
	LT_EQ(got_sig, SIGUSR1);
	LT_EQ(got_code, SI_USER);
	/* A blocked signal waits until it is unblocked. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	got_sig = 0;
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	LT_EQ(got_sig, 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	LT_EQ(got_sig, SIGUSR1);
	/*
	 * rt_sigaction in Linux's order (kernel/signal.c): the new action is
	 * read before the signal number is judged, and installed before the
	 * old one is written, so a bad oact fails the call but the action stays.
	 */
	struct sigaction probe = { .sa_handler = SIG_IGN }, now;
	void *bad = (void *)8;
	LT_EQ(syscall(SYS_rt_sigaction, 0, bad, NULL, 8) ? -errno : 0, -EFAULT);
	LT_EQ(syscall(SYS_rt_sigaction, SIGUSR2, &probe, bad, 8) ? -errno : 0, -EFAULT);
	LT_EQ(sigaction(SIGUSR2, NULL, &now), 0);
	LT_CHECK(now.sa_handler == SIG_IGN);
	return LT_RESULT();
}

static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(fault_jmp, 1);
}

/* Touches p; returns the signal it raised, 0 if none. */
static int touch(volatile char *p, int write)
{
	fault_sig = 0;
	if (!sigsetjmp(fault_jmp, 1)) {
		if (write)
			*p = 1;
		else
			(void)*p;
	}
	return fault_sig;
}

int lt_mmap_faults(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	long pg = 4096;

	(void)argc, (void)argv;
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	LT_CHECK(a != MAP_FAILED && b != MAP_FAILED);
	/* Linux places new mappings top-down: the second lies below the first. */
	LT_CHECK(b < a);
	LT_EQ(a[pg], 0); /* anonymous memory reads as zeroes */
	LT_EQ(touch(a + pg, 1), 0);
	LT_EQ(munmap(a + pg, pg), 0);
	LT_EQ(touch(a + pg + 5, 0), SIGSEGV);
	LT_EQ(fault_code, SEGV_MAPERR);
	LT_EQ(fault_addr, (uintptr_t)(a + pg + 5));
	LT_EQ(mprotect(a + 2 * pg, pg, PROT_READ), 0);
	LT_EQ(touch(a + 2 * pg + 8, 1), SIGSEGV);
	LT_EQ(fault_code, SEGV_ACCERR);
	LT_EQ(fault_addr, (uintptr_t)(a + 2 * pg + 8));
	LT_EQ(touch(a + 2 * pg + 8, 0), 0);
	LT_EQ(mprotect(a, pg, PROT_NONE), 0);
	LT_EQ(touch(a, 0), SIGSEGV);
	LT_EQ(fault_code, SEGV_ACCERR);
	LT_EQ(mprotect(a + pg, pg, PROT_READ), -1); /* a hole: ENOMEM */
	LT_EQ(errno, ENOMEM);
	void *r = mmap(a + 3 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	LT_CHECK(r == MAP_FAILED && errno == EEXIST);
	r = mmap(a + pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	LT_CHECK(r == a + pg);
	/* /proc/self/maps lists the mapping with its rights, as Linux prints them. */
	char want[64], maps[4096];
	snprintf(want, sizeof(want), "%08lx-%08lx rw-p", (unsigned long)b, (unsigned long)b + pg);
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = f ? fread(maps, 1, sizeof(maps) - 1, f) : 0;
	maps[n] = 0;
	if (f)
		fclose(f);
	LT_CHECK(strstr(maps, want) != NULL);
	/* MADV_DONTNEED: anonymous pages read back as zeroes. */
	b[10] = 7;
	LT_EQ(madvise(b, pg, MADV_DONTNEED), 0);
	LT_EQ(b[10], 0);
	return LT_RESULT();
}

int lt_time_sleep(int argc, char **argv)
{
	struct timespec a, b, d = { 0, 20 * 1000 * 1000 };

	(void)argc, (void)argv;
	LT_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	LT_EQ(nanosleep(&d, NULL), 0);
	LT_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	LT_CHECK(ns >= 20 * 1000 * 1000);
	LT_EQ(sched_yield(), 0);
	/* Past 2020, which any wall clock should be. */
	LT_CHECK(time(NULL) > 1577836800);
	return LT_RESULT();
}

int lt_fork_bomb(int argc, char **argv)
{
	pid_t kids[64];
	int n = 0, err = 0, status;

	(void)argc, (void)argv;
	while (n < 64) {
		pid_t pid = fork();
		if (pid == 0) {
			struct timespec ts = { 60, 0 };
			nanosleep(&ts, NULL);
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n++] = pid;
	}
	printf("forked %d children before fork failed\n", n);
	/* Linux's answer at a process limit. */
	LT_EQ(err, EAGAIN);
	LT_CHECK(n > 0);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++) {
		LT_EQ(waitpid(kids[i], &status, 0), kids[i]);
		LT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	/* Everything is free again: one more fork works. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	LT_EQ(waitpid(pid, &status, 0), pid);
	LT_EQ(WEXITSTATUS(status), 3);
	return LT_RESULT();
}

int lt_output_flood(int argc, char **argv)
{
	static char line[1024];

	(void)argc, (void)argv;
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	/* 1 MiB: far more than a console should carry. */
	for (int i = 0; i < 1024; i++)
		if (write(1, line, sizeof(line)) != (ssize_t)sizeof(line)) {
			LT_CHECK(!"write returned less than asked");
			break;
		}
	return LT_RESULT();
}

int lt_spin(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (volatile unsigned long i = 0;; i++)
		;
}
