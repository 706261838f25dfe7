/*
 * The file table of a Linux process: an empty stdin, stdout and stderr on
 * the console, /dev/null, /proc/self/maps (a snapshot taken at open) and
 * /proc/self/mem.  Every other path is -ENOENT.
 */
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "mm/usercopy.h"
#include "syscall.h"
#include "x86/paging.h"

#define AT_FDCWD (-100)
#define AT_EMPTY_PATH 0x1000
#define O_ACCMODE 3
#define TCGETS 0x5401
#define S_IFCHR 0020000
#define S_IFREG 0100000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define IO_CHUNK 512
/* Linux's MAX_RW_COUNT: one read or write moves at most this much. */
#define LX_MAX_RW_COUNT 0x7ffff000UL

/*
 * vfs_read/vfs_write's first steps: the whole buffer must lie below the
 * top of the user half (access_ok), else -EFAULT, before any byte moves;
 * then the count is cut to LX_MAX_RW_COUNT, so that the result is a count.
 */
static long rw_prepare(u64 buf, u64 *len)
{
	if (*len > USER_TOP || buf > USER_TOP - *len)
		return -EFAULT;
	if (*len > LX_MAX_RW_COUNT)
		*len = LX_MAX_RW_COUNT;
	return 0;
}

struct lx_stat {
	u64 dev, ino, nlink;
	u32 mode, uid, gid, pad0;
	u64 rdev;
	s64 size, blksize, blocks;
	u64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	s64 reserved[3];
};

void lx_files_init(struct lx_proc *lp)
{
	memset(lp->files, 0, sizeof(lp->files));
	lp->files[0].kind = LX_FILE_STDIN;
	lp->files[1] = (struct lx_file){ .kind = LX_FILE_CONSOLE, .out_fd = 1 };
	lp->files[2] = (struct lx_file){ .kind = LX_FILE_CONSOLE, .out_fd = 2 };
}

static void file_close(struct lx_file *f)
{
	if (f->text)
		frame_free(virt_to_phys(f->text));
	*f = (struct lx_file){ 0 };
}

void lx_files_copy(struct lx_proc *dst, const struct lx_proc *src)
{
	for (unsigned i = 0; i < LX_FILES_MAX; i++) {
		dst->files[i] = src->files[i];
		/* A maps snapshot stays the parent's; the child's copy reads as empty. */
		if (dst->files[i].text) {
			dst->files[i].text = NULL;
			dst->files[i].len = 0;
		}
	}
}

void lx_files_close_all(struct lx_proc *lp)
{
	for (unsigned i = 0; i < LX_FILES_MAX; i++)
		file_close(&lp->files[i]);
}

static struct lx_file *file_get(u64 fd)
{
	struct lx_proc *lp = current->lx.proc;
	if (fd >= LX_FILES_MAX || lp->files[fd].kind == LX_FILE_NONE)
		return NULL;
	return &lp->files[fd];
}

/*
 * /proc/self/mem: the memory of the process that opened it (a child that
 * inherits the descriptor reaches its parent's), through that process's
 * page tables, as ptrace would: also pages it may only read.  A write
 * first gives a page shared copy-on-write a frame of its own, keeping it
 * read-only where the mapping is.  Once that process is gone: 0 bytes.
 */
static long mem_access(struct lx_file *f, u64 ubuf, u64 len, bool write)
{
	struct lx_proc *lp = lx_proc_by_pid(f->mem_pid);
	u8 chunk[IO_CHUNK];
	u64 done = 0;

	if (!lp)
		return 0;

	while (done < len) {
		u64 va = f->pos + done;
		u64 n = len - done;
		if (n > sizeof(chunk))
			n = sizeof(chunk);
		if (n > PAGE_SIZE - (va & (PAGE_SIZE - 1)))
			n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		int level;
		u64 *e = user_range_ok(va, n) && !lx_populate(lp, va, n, false)
				 ? pt_walk(lp->mm->pml4, va, &level) : NULL;
		if (!e)
			break;
		if (write && !umem_unshare(lp->mm, va))
			break;
		u8 *mem = (u8 *)phys_to_virt(pte_addr(*e)) + (va & (PAGE_SIZE - 1));
		if (write) {
			if (lx_copy_from_user(chunk, ubuf + done, n))
				return done ? (long)done : -EFAULT;
			memcpy(mem, chunk, n);
		} else {
			memcpy(chunk, mem, n);
			if (lx_copy_to_user(ubuf + done, chunk, n))
				return done ? (long)done : -EFAULT;
		}
		done += n;
	}
	f->pos += done;
	return done ? (long)done : -EIO;
}

long lx_sys_read(u64 fd, u64 buf, u64 len)
{
	struct lx_file *f = file_get(fd);

	if (!f)
		return -EBADF;
	if (f->kind != LX_FILE_CONSOLE && rw_prepare(buf, &len))
		return -EFAULT;
	switch (f->kind) {
	case LX_FILE_MAPS: {
		u64 n = f->pos < f->len ? f->len - f->pos : 0;
		if (n > len)
			n = len;
		if (n && lx_copy_to_user(buf, f->text + f->pos, n))
			return -EFAULT;
		f->pos += n;
		return (long)n;
	}
	case LX_FILE_MEM:
		return mem_access(f, buf, len, false);
	case LX_FILE_CONSOLE:
		return -EBADF;
	default:
		return 0; /* stdin and /dev/null are empty */
	}
}

long lx_sys_write(u64 fd, u64 buf, u64 len)
{
	struct lx_file *f = file_get(fd);
	char chunk[IO_CHUNK];

	if (!f)
		return -EBADF;
	bool writable = f->kind == LX_FILE_CONSOLE || f->kind == LX_FILE_NULL || f->kind == LX_FILE_MEM;
	if (writable && rw_prepare(buf, &len))
		return -EFAULT;
	switch (f->kind) {
	case LX_FILE_CONSOLE:
		if (lx_console_full()) {
			lx_console_write(current->proc, f->out_fd, NULL, len);
			return (long)len;
		}
		for (u64 done = 0; done < len;) {
			u64 n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
			if (lx_copy_from_user(chunk, buf + done, n))
				return done ? (long)done : -EFAULT;
			lx_console_write(current->proc, f->out_fd, chunk, n);
			done += n;
		}
		return (long)len;
	case LX_FILE_NULL:
		return (long)len;
	case LX_FILE_MEM:
		return mem_access(f, buf, len, true);
	default:
		return -EBADF;
	}
}

long lx_sys_writev(u64 fd, u64 iov, u64 cnt)
{
	long total = 0;

	if (cnt > 1024)
		return -EINVAL;
	for (u64 i = 0; i < cnt; i++) {
		u64 v[2];
		if (lx_copy_from_user(v, iov + i * 16, 16))
			return total ? total : -EFAULT;
		if (!v[1])
			continue;
		long r = lx_sys_write(fd, v[0], v[1]);
		if (r < 0)
			return total ? total : r;
		total += r;
	}
	return total;
}

static int get_path(u64 upath, char *path, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (lx_copy_from_user(&path[i], upath + i, 1))
			return -EFAULT;
		if (!path[i])
			return 0;
	}
	return -ENAMETOOLONG;
}

/* The text of /proc/self/maps: one line per mapping, Linux's format, at most a page. */
static long maps_text(struct lx_file *f)
{
	struct lx_proc *lp = current->lx.proc;
	u64 pa = frame_alloc();

	if (!pa)
		return -ENOMEM;
	char *t = phys_to_virt(pa);
	u64 n = 0;
	for (unsigned i = 0; i < lp->nr_vma && n + 100 < PAGE_SIZE; i++) {
		const struct lx_vma *v = &lp->vma[i];
		const char *what = v->flags & LX_VMA_STACK ? "[stack]"
				   : v->start >= lp->brk_start && !(v->flags & LX_VMA_ELF) &&
						   v->end <= ALIGN_UP(lp->brk, PAGE_SIZE)
					   ? "[heap]"
					   : "";
		n += snprintf(t + n, PAGE_SIZE - n, "%08lx-%08lx %c%c%cp 00000000 00:00 0 %s\n",
			      v->start, v->end, v->prot & PROT_READ ? 'r' : '-',
			      v->prot & PROT_WRITE ? 'w' : '-', v->prot & PROT_EXEC ? 'x' : '-',
			      what);
	}
	f->text = t;
	f->len = n;
	return 0;
}

long lx_sys_openat(u64 dirfd, u64 upath, u64 flags, u64 mode)
{
	struct lx_proc *lp = current->lx.proc;
	char path[128];
	enum lx_file_kind kind;
	int fd, err;

	(void)dirfd, (void)mode, (void)flags;
	if ((err = get_path(upath, path, sizeof(path))))
		return err;
	if (!strcmp(path, "/dev/null"))
		kind = LX_FILE_NULL;
	else if (!strcmp(path, "/proc/self/maps"))
		kind = LX_FILE_MAPS;
	else if (!strcmp(path, "/proc/self/mem"))
		kind = LX_FILE_MEM;
	else
		return -ENOENT;
	for (fd = 0; fd < LX_FILES_MAX && lp->files[fd].kind != LX_FILE_NONE; fd++)
		;
	if (fd == LX_FILES_MAX)
		return -EMFILE;
	struct lx_file *f = &lp->files[fd];
	*f = (struct lx_file){ .kind = kind, .mem_pid = lp->pid };
	if (kind == LX_FILE_MAPS && (err = (int)maps_text(f))) {
		*f = (struct lx_file){ 0 };
		return err;
	}
	return fd;
}

long lx_sys_close(u64 fd)
{
	struct lx_file *f = file_get(fd);
	if (!f)
		return -EBADF;
	file_close(f);
	return 0;
}

long lx_sys_lseek(u64 fd, u64 off, u64 whence)
{
	struct lx_file *f = file_get(fd);
	s64 base;

	if (!f)
		return -EBADF;
	if (f->kind == LX_FILE_CONSOLE || f->kind == LX_FILE_STDIN)
		return -ESPIPE;
	if (f->kind == LX_FILE_MEM) {
		/*
		 * Linux's mem_lseek: any address, the kernel half too (the result
		 * may look negative and is still no error); no SEEK_END.
		 */
		if (whence != SEEK_SET && whence != SEEK_CUR)
			return -EINVAL;
		f->pos = (whence == SEEK_CUR ? f->pos : 0) + off;
		return (long)f->pos;
	}
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (s64)f->pos;
		break;
	case SEEK_END:
		base = (s64)f->len;
		break;
	default:
		return -EINVAL;
	}
	s64 pos = base + (s64)off;
	if (pos < 0)
		return -EINVAL;
	f->pos = (u64)pos;
	return pos;
}

static long stat_kind(enum lx_file_kind kind, u64 len, u64 ust)
{
	struct lx_stat st = { .nlink = 1, .blksize = PAGE_SIZE };

	switch (kind) {
	case LX_FILE_CONSOLE:
	case LX_FILE_STDIN:
		st.mode = S_IFCHR | 0620;
		st.rdev = (136 << 8) | 0; /* a pseudo terminal, as a shell would give */
		st.ino = 3;
		break;
	case LX_FILE_NULL:
		st.mode = S_IFCHR | 0666;
		st.rdev = (1 << 8) | 3;
		st.ino = 4;
		break;
	default:
		st.mode = S_IFREG | 0444;
		st.size = (s64)len;
		st.ino = 5;
	}
	return lx_copy_to_user(ust, &st, sizeof(st)) ? -EFAULT : 0;
}

long lx_sys_fstat(u64 fd, u64 ust)
{
	struct lx_file *f = file_get(fd);
	if (!f)
		return -EBADF;
	return stat_kind(f->kind, f->len, ust);
}

long lx_sys_newfstatat(u64 dirfd, u64 upath, u64 ust, u64 flags)
{
	char path[128];
	int err;

	if ((err = get_path(upath, path, sizeof(path))))
		return err;
	if (!path[0]) {
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		return lx_sys_fstat(dirfd, ust);
	}
	if (!strcmp(path, "/dev/null"))
		return stat_kind(LX_FILE_NULL, 0, ust);
	if (!strcmp(path, "/proc/self/maps") || !strcmp(path, "/proc/self/mem"))
		return stat_kind(LX_FILE_MAPS, 0, ust);
	return -ENOENT;
}

long lx_sys_ioctl(u64 fd, u64 cmd, u64 arg)
{
	(void)arg;
	if (!file_get(fd))
		return -EBADF;
	/* Not a terminal: stdio then buffers whole blocks, as on a pipe. */
	if (cmd == TCGETS)
		return -ENOTTY;
	return -ENOTTY;
}

long lx_sys_readlink(u64 upath, u64 buf, u64 size)
{
	(void)upath, (void)buf, (void)size;
	return -ENOENT;
}
