/* Copies across the user boundary; a bad pointer is -EFAULT, never a kernel fault. */
#ifndef CETBED_MM_USERCOPY_H
#define CETBED_MM_USERCOPY_H

#include "types.h"

bool user_range_ok(u64 uaddr, size_t n);
int copy_from_user(void *dst, u64 usrc, size_t n);
int copy_to_user(u64 udst, const void *src, size_t n);

#endif
