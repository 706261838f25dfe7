/* System calls: bad user pointers and numbers get errors, never kernel faults. */
#include "mm/mm.h"
#include "test.h"
#include "user/selftest.h"

TEST(sys_bad_pointers_efault, "sys")
{
	struct uproc p;
	/* The program reports each miss on the console and exits with their count. */
	run_user_expect_exit(t, &p, "selftest", ST_BAD_POINTERS, (u64)__data_start, 0);
	uproc_destroy(&p);
}

TEST(sys_unknown_number_enosys, "sys")
{
	struct uproc p;
	run_user_expect_exit(t, &p, "selftest", ST_ENOSYS, 0, 0);
	uproc_destroy(&p);
}
