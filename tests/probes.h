/* Kernel fault probes (tests/probes.asm); each takes its argument in rdi. */
#ifndef CETBED_TESTS_PROBES_H
#define CETBED_TESTS_PROBES_H

#include "types.h"

void kp_div0(void *);
void kp_ud(void *);
void kp_int3(void *);
void kp_read(void *addr);
void kp_read_stac(void *addr);
void kp_write_zero(void *addr);
void kp_rewrite(void *addr);
void kp_rewrite_stac(void *addr);
void kp_call(void *addr);
void kp_load_fs(void *selector);
void kp_wruss(void *addr_value);
void kp_wrss_supervisor(void *addr_token);
void kp_wrmsr(void *msr_value);
void kp_xrstors(void *area);
void kp_no_endbr(void *);
void kp_int3_resume(void *);
void kp_int2(void *);
void kp_ist_nmi(void *ssp);
void kp_ist_mc(void *ssp);
extern char kp_ist_nmi_lip[], kp_ist_mc_lip[];
void kp_smash(void *);
void kp_setssbsy(void *token);
void kp_iret_on_token(void *restore_token);
/* An IRETQ frame for kp_iret_compat; iret_rsp and iret_ss are written by it. */
struct kp_iret_frame {
	u64 rip, cs, rflags, rsp, ss;
	u64 iret_rsp, iret_ss;
};
void kp_iret_compat(void *frame);
extern char kp_iret_compat_rip[];
extern char kp_int2_rip[], kp_smash_ret[], kp_setssbsy_rip[], trap_iretq[];
extern char kp_wruss_rip[], kp_wrss_supervisor_rip[], kp_wrmsr_rip[], kp_xrstors_rip[];
extern char kp_div0_rip[], kp_ud_rip[], kp_int3_next[], kp_read_rip[], kp_rewrite_rip[];
extern char kp_rewrite_stac_rip[], kp_load_fs_rip[], kp_write_zero_rip[];

#endif
