/*
 * In-kernel tests.  TEST(name, area) declares a test; registration is the
 * .tests linker section, so adding a test touches one file.  Four outcomes,
 * most severe wins: PASS < SKIP < FAIL < ERROR.
 */
#ifndef CETBED_TEST_H
#define CETBED_TEST_H

#include "kernel/uproc.h"
#include "x86/trap.h"

enum test_outcome { TEST_PASS, TEST_SKIP, TEST_FAIL, TEST_ERROR };

struct test_case_run;

struct test_case {
	const char *name;
	const char *area;
	void (*body)(struct test_case_run *t);
	bool optin; /* runs only when tests= names it exactly */
};

struct test_case_run {
	const struct test_case *tc;
	unsigned number;
	enum test_outcome outcome;
	bool timeout; /* FAIL because the watchdog stopped it */
	char reason[160];
};

#define TEST_DEFINE(tname, tarea, topt)                                                     \
	static void test_body_##tname(struct test_case_run *t);                            \
	static const struct test_case test_case_##tname __section(".tests") __used         \
		__aligned(8) = { #tname, tarea, test_body_##tname, topt };                 \
	static void test_body_##tname(struct test_case_run *t)
#define TEST(tname, tarea) TEST_DEFINE(tname, tarea, false)
/* A demonstration that is meant to fail; it runs only when named exactly. */
#define TEST_OPTIN(tname, tarea) TEST_DEFINE(tname, tarea, true)

/* SKIP: only for what the CPU or platform lacks; name the CPUID bit. */
void test_skip(struct test_case_run *t, const char *fmt, ...) __printf(2, 3);
void test_fail_at(struct test_case_run *t, const char *file, int line, const char *fmt, ...)
	__printf(4, 5);
/* ERROR: the test or its environment broke, not the behaviour under test. */
void test_error(struct test_case_run *t, const char *fmt, ...) __printf(2, 3);

#define test_fail(t, ...) test_fail_at(t, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK(t, cond, fmt, ...)                                                           \
	((cond) ? true                                                                     \
		: (test_fail_at(t, __FILE__, __LINE__, "%s: " fmt, #cond, ##__VA_ARGS__), false))
#define CHECK_EQ(t, got, want, what)                                                       \
	({                                                                                 \
		u64 got_ = (u64)(got), want_ = (u64)(want);                                \
		if (got_ != want_)                                                         \
			test_fail_at(t, __FILE__, __LINE__, "%s: got 0x%lx, expected 0x%lx", \
				     what, got_, want_);                                   \
		got_ == want_;                                                             \
	})

/* An exact fault: vector, error code, faulting rip, and cr2 for #PF. */
struct fault_expect {
	u64 vector;
	u64 error_code;
	u64 rip;
	u64 cr2;
};

/* Compares a fault with the expectation; every mismatch is a FAIL line. */
bool check_fault(struct test_case_run *t, const struct fault_info *got,
		 const struct fault_expect *want);
/* Runs fn(arg) at CPL0 and expects exactly the described fault. */
bool expect_kernel_fault(struct test_case_run *t, void (*fn)(void *), void *arg,
			 const struct fault_expect *want);

/*
 * A user program case expected to fault.  rip_sym names the program's symbol
 * at the faulting instruction; cr2 is cr2_sym's value if given, else cr2.
 */
struct user_fault_expect {
	const char *prog;
	u64 arg0, arg1;
	u64 vector, error_code;
	const char *rip_sym;
	const char *cr2_sym;
	u64 cr2;
};

bool expect_user_fault(struct test_case_run *t, const struct user_fault_expect *e);
/* Runs an already created program (uproc_create) and expects exit status `code`. */
bool expect_exit(struct test_case_run *t, struct uproc *p, u64 arg0, u64 arg1, long code);
/* Creates and runs a user program case, expecting exit status `code`; p is left loaded. */
bool run_user_expect_exit(struct test_case_run *t, struct uproc *p, const char *prog, u64 arg0,
			  u64 arg1, long code);

/* The value of a loaded program's variable, by symbol; ERROR if unreadable. */
u64 test_var(struct test_case_run *t, struct uproc *p, const char *name);
/* SKIPs with the CPUID reason unless the CPU has shadow stacks. */
bool test_need_shstk(struct test_case_run *t);
/* Loads a user program with crt0 start flags (UPROC_START_*); ERROR if it cannot. */
bool test_load(struct test_case_run *t, struct uproc *p, const char *prog, u64 start);
/* Loads prog, runs case `which`, expects exit status `code`, unloads. */
bool test_run_exit(struct test_case_run *t, const char *prog, u64 which, u64 arg, u64 start,
		   long code);

/* The runner. */
struct cmdline;
void tests_run(const struct cmdline *cl);
/* For the panic path: the running test, or NULL. */
const struct test_case_run *test_running(void);
/* The watchdog stopped the running test's program: not ok ... # TIMEOUT. */
void test_note_timeout(const char *fmt, ...) __printf(1, 2);
/* The per-run watchdog from the command line, in ms (0: the default). */
extern u64 test_timeout_ms;
/* The whole command line, for tests with options of their own (fuzz_*). */
extern const struct cmdline *test_cmdline;

#endif
