/* Error numbers returned (negated) by cetbed system calls and kernel services. */
#ifndef CETBED_ERRNO_H
#define CETBED_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ENOSYS 38
#define EOPNOTSUPP 95

#endif
