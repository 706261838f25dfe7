/*
 * cetbed's Linux test programs, one static binary, many cases: argv[0]
 * names the case (as a multi-call binary does).  Each case checks values
 * that Linux and the C library define and exits 0 when they hold, 1 with
 * a FAIL line when not, and 4 (kselftest's skip) with a SKIP line when the
 * CPU lacks what it needs.  Built with Debian's gcc -static.
 */
#include <stdio.h>
#include <string.h>
#include "lt.h"

static const struct lt_case cases[] = {
	{ "hello", lt_hello },
	{ "printf_float", lt_printf_float },
	{ "malloc_stress", lt_malloc_stress },
	{ "argv_auxv", lt_argv_auxv },
	{ "pthread_mutex", lt_pthread_mutex },
	{ "fork_wait", lt_fork_wait },
	{ "signal_siginfo", lt_signal_siginfo },
	{ "mmap_faults", lt_mmap_faults },
	{ "fork_bomb", lt_fork_bomb },
	{ "time_sleep", lt_time_sleep },
	{ "output_flood", lt_output_flood },
	{ "spin", lt_spin },
	{ "shstk_enable", lt_shstk_enable },
	{ "shstk_recursion", lt_shstk_recursion },
	{ "shstk_smashed_return", lt_shstk_smashed_return },
	{ "shstk_pivot", lt_shstk_pivot },
	{ "shstk_signal", lt_shstk_signal },
	{ "shstk_fork_threads", lt_shstk_fork_threads },
	{ "shstk_wrss", lt_shstk_wrss },
	{ "shstk_prctl_rules", lt_shstk_prctl_rules },
	{ "shstk_forced", lt_shstk_forced },
	{ "shstk_vfork", lt_shstk_vfork },
	{ "shstk_ptrace", lt_shstk_ptrace },
	{ "clone_bad_tls", lt_clone_bad_tls },
	{ "mm_range_rules", lt_mm_range_rules },
	{ "procmem_rules", lt_procmem_rules },
	{ "compat_int80_basics", lt_compat_int80_basics },
	{ "compat_handler_runs", lt_compat_handler_runs },
	{ "compat_sigreturn", lt_compat_sigreturn },
	{ "shstk_compat_gp", lt_shstk_compat_gp },
	{ "shstk_compat_gp_stale_ssp", lt_shstk_compat_gp_stale_ssp },
	{ "shstk_compat_low_ssp", lt_shstk_compat_low_ssp },
};

int lt_failures;

void lt_fail(const char *file, int line, const char *what)
{
	printf("FAIL: %s:%d: %s\n", file, line, what);
	fflush(stdout);
	lt_failures++;
}

int main(int argc, char **argv)
{
	const char *name = argv[0];
	const char *slash = strrchr(name, '/');

	if (slash)
		name = slash + 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(name, cases[i].name))
			return cases[i].fn(argc, argv);
	printf("FAIL: no case named '%s'; cases:", name);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		printf(" %s", cases[i].name);
	printf("\n");
	return 1;
}
