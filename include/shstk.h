/* User shadow stacks: the SYS_SHSTK_CTL and SYS_MAP_SHADOW_STACK calls, WRUSS. */
#ifndef CETBED_SHSTK_H
#define CETBED_SHSTK_H

#include "types.h"

long sys_shstk_ctl(u64 op, u64 features);
long sys_map_shadow_stack(u64 addr, u64 size, u64 flags);
long sys_munmap(u64 addr, u64 size);
struct task;
/*
 * Turns on, for a task that has not run yet, what its ELF property note asks
 * for (SHSTK_FEAT_*) and the CPU has; returns what was turned on.
 */
unsigned shstk_apply_elf(struct task *t, unsigned wanted);
/* Writes a user shadow-stack slot with WRUSS; 0 or -EFAULT. */
int shstk_wruss(u64 uaddr, u64 value);
/* A restore token for a token slot at addr: (addr + 8) | mode64. */
static inline u64 shstk_restore_token(u64 addr)
{
	return (addr + 8) | 1;
}

#endif
