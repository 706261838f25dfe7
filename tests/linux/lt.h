/* Shared by cetbed's Linux test programs (tests/linux/). */
#ifndef CETBED_LT_H
#define CETBED_LT_H

#include <stdio.h>

struct lt_case {
	const char *name;
	int (*fn)(int argc, char **argv);
};

#define LT_SKIP 4 /* kselftest's skip code */

extern int lt_failures;
void lt_fail(const char *file, int line, const char *what);

/* Records a failed check with its expression; the case goes on. */
#define LT_CHECK(cond)                                                                     \
	do {                                                                               \
		if (!(cond))                                                               \
			lt_fail(__FILE__, __LINE__, #cond);                                \
	} while (0)
#define LT_EQ(got, want)                                                                   \
	do {                                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);                   \
		if (g_ != w_) {                                                            \
			char m_[200];                                                      \
			snprintf(m_, sizeof(m_), "%s = %lld (0x%llx), expected %s = %lld", \
				 #got, g_, (unsigned long long)g_, #want, w_);             \
			lt_fail(__FILE__, __LINE__, m_);                                   \
		}                                                                          \
	} while (0)
#define LT_RESULT() (lt_failures ? 1 : 0)

int lt_hello(int argc, char **argv);
int lt_printf_float(int argc, char **argv);
int lt_malloc_stress(int argc, char **argv);
int lt_argv_auxv(int argc, char **argv);
int lt_pthread_mutex(int argc, char **argv);
int lt_fork_wait(int argc, char **argv);
int lt_signal_siginfo(int argc, char **argv);
int lt_mmap_faults(int argc, char **argv);
int lt_fork_bomb(int argc, char **argv);
int lt_time_sleep(int argc, char **argv);
int lt_output_flood(int argc, char **argv);
int lt_spin(int argc, char **argv);
int lt_shstk_enable(int argc, char **argv);
int lt_shstk_recursion(int argc, char **argv);
int lt_shstk_smashed_return(int argc, char **argv);
int lt_shstk_pivot(int argc, char **argv);
int lt_shstk_signal(int argc, char **argv);
int lt_shstk_fork_threads(int argc, char **argv);
int lt_shstk_wrss(int argc, char **argv);
int lt_shstk_prctl_rules(int argc, char **argv);
int lt_shstk_forced(int argc, char **argv);
int lt_shstk_vfork(int argc, char **argv);
int lt_shstk_ptrace(int argc, char **argv);
int lt_clone_bad_tls(int argc, char **argv);
int lt_mm_range_rules(int argc, char **argv);
int lt_procmem_rules(int argc, char **argv);
int lt_compat_int80_basics(int argc, char **argv);
int lt_compat_handler_runs(int argc, char **argv);
int lt_compat_sigreturn(int argc, char **argv);
int lt_shstk_compat_gp(int argc, char **argv);
int lt_shstk_compat_gp_stale_ssp(int argc, char **argv);
int lt_shstk_compat_low_ssp(int argc, char **argv);

#endif
