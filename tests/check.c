/* Exact fault expectations for kernel code and ring-3 programs. */
#include "cet.h"
#include "fault.h"
#include "lib.h"
#include "test.h"

static void describe_expect(const struct fault_expect *e, char *buf, size_t size)
{
	struct fault_info fi = { .vector = e->vector, .error_code = e->error_code, .rip = e->rip,
				 .cr2 = e->cr2 };
	trap_describe(&fi, buf, size);
}

bool check_fault(struct test_case_run *t, const struct fault_info *got,
		 const struct fault_expect *want)
{
	bool ok = got->vector == want->vector && got->error_code == want->error_code &&
		  got->rip == want->rip && (want->vector != X86_EXC_PF || got->cr2 == want->cr2);
	if (!ok) {
		char g[160], w[160];
		trap_describe(got, g, sizeof(g));
		describe_expect(want, w, sizeof(w));
		test_fail(t, "fault mismatch: expected %s; got %s", w, g);
	}
	return ok;
}

bool expect_kernel_fault(struct test_case_run *t, void (*fn)(void *), void *arg,
			 const struct fault_expect *want)
{
	struct fault_catch c;

	if (!fault_catch_call(&c, fn, arg)) {
		char w[160];
		describe_expect(want, w, sizeof(w));
		test_fail(t, "no exception; expected %s", w);
		return false;
	}
	return check_fault(t, &c.info, want);
}

bool expect_user_fault(struct test_case_run *t, const struct user_fault_expect *e)
{
	struct uproc p;
	bool ok = false;

	if (uproc_create(&p, e->prog)) {
		test_error(t, "cannot load %s: %s", e->prog, p.err);
		return false;
	}
	struct fault_expect want = { e->vector, e->error_code, uproc_symbol(&p, e->rip_sym),
				     e->cr2_sym ? uproc_symbol(&p, e->cr2_sym) : e->cr2 };
	if (!want.rip || (e->cr2_sym && !want.cr2)) {
		test_error(t, "%s has no symbol %s", e->prog, want.rip ? e->cr2_sym : e->rip_sym);
		goto out;
	}
	if (uproc_run(&p, e->arg0, e->arg1) == UPROC_EXITED) {
		test_fail(t, "%s case %lu exited with %ld instead of faulting", e->prog, e->arg0,
			  p.exit_code);
		goto out;
	}
	ok = check_fault(t, &p.fault, &want);
	if (!ok)
		trap_dump(&p.fault_frame, p.fault.cr2);
out:
	uproc_destroy(&p);
	return ok;
}

bool expect_exit(struct test_case_run *t, struct uproc *p, u64 arg0, u64 arg1, long code)
{
	enum uproc_state s = uproc_run(p, arg0, arg1);
	if (s == UPROC_FAULTED) {
		char f[160];
		trap_describe(&p->fault, f, sizeof(f));
		trap_dump(&p->fault_frame, p->fault.cr2);
		test_fail(t, "%s case %lu faulted: %s", p->prog->name, arg0, f);
		return false;
	}
	if (s == UPROC_TIMEOUT) {
		test_fail(t, "%s case %lu was stopped by the watchdog", p->prog->name, arg0);
		return false;
	}
	return CHECK_EQ(t, p->exit_code, code, "exit status");
}

bool test_need_shstk(struct test_case_run *t)
{
	if (cet_shstk_available())
		return true;
	test_skip(t, "%s", cet_shstk_missing_reason());
	return false;
}

u64 test_var(struct test_case_run *t, struct uproc *p, const char *name)
{
	u64 v = 0;
	if (!uproc_peek(p, uproc_symbol(p, name), &v))
		test_error(t, "cannot read %s", name);
	return v;
}

bool test_load(struct test_case_run *t, struct uproc *p, const char *prog, u64 start)
{
	if (uproc_create(p, prog)) {
		test_error(t, "cannot load %s: %s", prog, p->err);
		return false;
	}
	p->arg2 = start;
	return true;
}

bool test_run_exit(struct test_case_run *t, const char *prog, u64 which, u64 arg, u64 start,
		   long code)
{
	struct uproc p;
	bool ok = test_load(t, &p, prog, start) && expect_exit(t, &p, which, arg, code);
	uproc_destroy(&p);
	return ok;
}

bool run_user_expect_exit(struct test_case_run *t, struct uproc *p, const char *prog, u64 arg0,
			  u64 arg1, long code)
{
	if (uproc_create(p, prog)) {
		test_error(t, "cannot load %s: %s", prog, p->err);
		return false;
	}
	return expect_exit(t, p, arg0, arg1, code);
}
