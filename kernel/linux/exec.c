/*
 * Starting a static Linux executable from a boot module: the runs the
 * module command lines describe, the checks that turn bad files into one
 * clear line, the address space, and the initial stack (argc, argv, envp,
 * auxv) that Linux's ELF loader builds.
 */
#include "elf.h"
#include "errno.h"
#include "kernel/linux.h"
#include "kernel/task.h"
#include "lib.h"
#include "splitmix.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "mm/umem.h"
#include "syscall.h"
#include "x86/cpu.h"
#include "x86/segment.h"

struct lx_run lx_runs[LX_RUNS_MAX];
unsigned lx_nr_runs;
static struct userprog lx_progs[LX_RUNS_MAX];

#define PT_INTERP 3
#define PT_PHDR 6
#define ET_DYN 3

/* Linux's stack: 8 MiB reserved under the top, pages appear on first touch. */
#define LX_STACK_SIZE (8UL << 20)
#define LX_STACK_EAGER (4 * PAGE_SIZE)

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * One run per ';'-separated group of words after the word "--"; the test
 * is named after argv[0].  Loaders differ in whether the module's own path
 * leads its command line (QEMU's and GRUB's multiboot 1 put it there), so
 * cetbed's tools always write "--" first.  Without one, the whole line counts.
 */
/* Words that set a run's options: true (and the flag set) if w is one. */
static bool run_option(const char *w, size_t n, bool *shstk, bool *ibt)
{
	if (n == 8 && !memcmp(w, "shstk=on", 8))
		return *shstk = true;
	if (n == 6 && !memcmp(w, "ibt=on", 6))
		return *ibt = true;
	return false;
}

static void add_runs(const struct boot_module *m)
{
	const char *s = m->cmdline;
	bool mod_shstk = false, mod_ibt = false;

	for (const char *w = s; *w; w++)
		if ((w == s || is_space(w[-1])) && w[0] == '-' && w[1] == '-' &&
		    (!w[2] || is_space(w[2]))) {
			/* Options before "--" hold for every run of the module. */
			for (const char *o = s; o < w;) {
				while (o < w && is_space(*o))
					o++;
				const char *e = o;
				while (e < w && !is_space(*e))
					e++;
				run_option(o, (size_t)(e - o), &mod_shstk, &mod_ibt);
				o = e;
			}
			s = w + 2;
			break;
		}

	while (*s && lx_nr_runs < LX_RUNS_MAX) {
		struct lx_run *r = &lx_runs[lx_nr_runs];
		size_t n = 0;
		*r = (struct lx_run){ .mod = m };
		while (*s && *s != ';' && n < sizeof(r->words) - 1)
			r->words[n++] = *s++;
		if (*s == ';')
			s++;
		char *w = r->words;
		while (*w && r->argc < LX_ARGS_MAX) {
			while (is_space(*w))
				*w++ = '\0';
			if (!*w)
				break;
			r->argv[r->argc++] = w;
			while (*w && !is_space(*w))
				w++;
		}
		r->force_shstk = mod_shstk;
		r->force_ibt = mod_ibt;
		/* Leading option words of a run are its own. */
		int skip = 0;
		while (skip < r->argc && run_option(r->argv[skip], strlen(r->argv[skip]),
						    &r->force_shstk, &r->force_ibt))
			skip++;
		for (int i = skip; i <= r->argc; i++)
			r->argv[i - skip] = i < r->argc ? r->argv[i] : NULL;
		r->argc -= skip;
		if (!r->argc)
			continue;
		const char *base = r->argv[0];
		for (const char *c = base; *c; c++)
			if (*c == '/')
				base = c + 1;
		int k = snprintf(r->name, sizeof(r->name), "linux_");
		for (; *base && k < (int)sizeof(r->name) - 1; base++, k++) {
			char c = *base;
			bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '_';
			r->name[k] = ok ? c : '_';
		}
		r->name[k] = '\0';
		lx_progs[lx_nr_runs] = (struct userprog){ r->name, NULL, NULL };
		lx_nr_runs++;
	}
}

unsigned lx_runs_collect(void)
{
	lx_nr_runs = 0;
	for (unsigned i = 0; i < boot.nr_mods; i++)
		add_runs(&boot.mods[i]);
	return lx_nr_runs;
}

static bool in_file(size_t size, u64 off, u64 len)
{
	return off <= size && len <= size - off;
}

bool lx_elf_check(const u8 *data, size_t size, char *err, size_t errsize)
{
	const Elf64_Ehdr *eh = (const void *)data;

	if (size < 4 || memcmp(data, "\177ELF", 4))
		return snprintf(err, errsize, "not an ELF file"), false;
	if (size < sizeof(*eh))
		return snprintf(err, errsize, "truncated: %lu bytes, shorter than an ELF header",
				size), false;
	if (eh->e_ident[4] != 2)
		return snprintf(err, errsize, "wrong ELF class %u: not a 64-bit (ELFCLASS64) file",
				eh->e_ident[4]), false;
	if (eh->e_ident[5] != 1 || eh->e_machine != EM_X86_64)
		return snprintf(err, errsize, "wrong machine %u: not a little-endian x86-64 file",
				eh->e_machine), false;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum)
		return snprintf(err, errsize, "no usable program headers"), false;
	if (!in_file(size, eh->e_phoff, (u64)eh->e_phnum * sizeof(Elf64_Phdr)))
		return snprintf(err, errsize, "truncated: program headers end past the file's %lu "
				"bytes", size), false;
	const Elf64_Phdr *ph = (const void *)(data + eh->e_phoff);
	bool entry_ok = false;
	u64 need = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP || eh->e_type == ET_DYN)
			return snprintf(err, errsize, "a dynamic executable (%s): link it with -static",
					eh->e_type == ET_DYN ? "ET_DYN" : "PT_INTERP"), false;
	if (eh->e_type != ET_EXEC)
		return snprintf(err, errsize, "ELF type %u is not an executable", eh->e_type),
		       false;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		u64 va = ph[i].p_vaddr, end = va + ph[i].p_memsz;
		if (ph[i].p_filesz > ph[i].p_memsz || end < va)
			return snprintf(err, errsize, "segment %u: bad sizes", i), false;
		if (va < USER_BASE || end > USER_MMAP_BASE)
			return snprintf(err, errsize, "segment %u [0x%lx, 0x%lx) overlaps the kernel "
					"or the stack and mmap area (user programs load in "
					"[0x%lx, 0x%lx))", i, va, end, USER_BASE, USER_MMAP_BASE),
			       false;
		if (!in_file(size, ph[i].p_offset, ph[i].p_filesz))
			return snprintf(err, errsize, "truncated: segment %u needs bytes up to %lu, "
					"the file has %lu", i, ph[i].p_offset + ph[i].p_filesz,
					size), false;
		for (unsigned j = 0; j < i; j++) {
			if (ph[j].p_type != PT_LOAD)
				continue;
			if (va < ph[j].p_vaddr + ph[j].p_memsz && ph[j].p_vaddr < end)
				return snprintf(err, errsize, "segments %u and %u overlap at 0x%lx", j,
						i, va > ph[j].p_vaddr ? va : ph[j].p_vaddr), false;
		}
		if ((ph[i].p_flags & PF_X) && eh->e_entry >= va && eh->e_entry < end)
			entry_ok = true;
		need += ALIGN_UP(end, PAGE_SIZE) - ALIGN_DOWN(va, PAGE_SIZE);
	}
	if (!entry_ok)
		return snprintf(err, errsize, "entry point 0x%lx is outside every executable segment",
				eh->e_entry), false;
	/* Page tables and the first stack pages come on top. */
	u64 have = frame_free_count() * PAGE_SIZE;
	if (need + 64 * PAGE_SIZE > have)
		return snprintf(err, errsize, "too large: its segments need %lu KiB, %lu KiB are "
				"free", need >> 10, have >> 10), false;
	return true;
}

/* Where the program headers are in memory, for AT_PHDR. */
static u64 phdr_addr(const Elf64_Ehdr *eh, const Elf64_Phdr *ph)
{
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			return ph[i].p_vaddr;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && eh->e_phoff >= ph[i].p_offset &&
		    eh->e_phoff < ph[i].p_offset + ph[i].p_filesz)
			return ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset);
	return 0;
}

static u64 random_u64(void)
{
	static u64 state;
	state ^= rdtsc();
	return splitmix64(&state);
}

void lx_random_bytes(void *buf, size_t n);
void lx_random_bytes(void *buf, size_t n)
{
	u8 *b = buf;
	for (size_t i = 0; i < n; i += 8) {
		u64 r = random_u64();
		memcpy(b + i, &r, n - i < 8 ? n - i : 8);
	}
}

/* Builds the initial stack through the kernel's view of the pages. */
struct stack_builder {
	u64 sp;
	bool failed;
};

static u64 push_bytes(struct stack_builder *b, const void *data, size_t n)
{
	b->sp -= n;
	if (lx_copy_to_user(b->sp, data, n))
		b->failed = true;
	return b->sp;
}

static const char *const lx_envp[] = { "PATH=/usr/bin:/bin", "HOME=/", "TERM=dumb", NULL };

static int build_stack(struct uproc *p, const struct lx_run *r, u64 *rsp)
{
	const Elf64_Ehdr *eh = (const void *)p->img.data;
	const Elf64_Phdr *ph = (const void *)(p->img.data + eh->e_phoff);
	struct stack_builder b = { USER_STACK_TOP, false };
	u64 argv[LX_ARGS_MAX + 1], envp[ARRAY_SIZE(lx_envp)];
	unsigned nenv = ARRAY_SIZE(lx_envp) - 1;
	u8 rnd[16];

	u64 execfn = push_bytes(&b, r->argv[0], strlen(r->argv[0]) + 1);
	for (int i = r->argc - 1; i >= 0; i--)
		argv[i] = push_bytes(&b, r->argv[i], strlen(r->argv[i]) + 1);
	for (int i = (int)nenv - 1; i >= 0; i--)
		envp[i] = push_bytes(&b, lx_envp[i], strlen(lx_envp[i]) + 1);
	u64 platform = push_bytes(&b, "x86_64", 7);
	lx_random_bytes(rnd, sizeof(rnd));
	b.sp = ALIGN_DOWN(b.sp, 16);
	u64 random = push_bytes(&b, rnd, sizeof(rnd));
	u64 aux[] = {
		AT_PHDR, phdr_addr(eh, ph), AT_PHENT, sizeof(Elf64_Phdr), AT_PHNUM, eh->e_phnum,
		AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, eh->e_entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0,
		AT_HWCAP, cpuid(1, 0).edx, AT_HWCAP2, 0, AT_CLKTCK, 100,
		AT_RANDOM, random, AT_EXECFN, execfn, AT_PLATFORM, platform, AT_NULL, 0,
	};
	/* argc, argv..., 0, envp..., 0, auxv: argc lands 16-byte aligned. */
	u64 words = 1 + r->argc + 1 + nenv + 1 + ARRAY_SIZE(aux);
	b.sp = ALIGN_DOWN(b.sp - words * 8, 16) + words * 8;
	push_bytes(&b, aux, sizeof(aux));
	u64 zero = 0, argc = r->argc;
	push_bytes(&b, &zero, 8);
	for (int i = (int)nenv - 1; i >= 0; i--)
		push_bytes(&b, &envp[i], 8);
	push_bytes(&b, &zero, 8);
	for (int i = r->argc - 1; i >= 0; i--)
		push_bytes(&b, &argv[i], 8);
	push_bytes(&b, &argc, 8);
	*rsp = b.sp;
	return b.failed ? -EFAULT : 0;
}

static int load_segments(struct uproc *p, struct lx_proc *lp)
{
	const Elf64_Ehdr *eh = (const void *)p->img.data;
	const Elf64_Phdr *ph = (const void *)(p->img.data + eh->e_phoff);
	u64 top = 0;

	if (elf_load(&p->img, p->pml4, p->err, sizeof(p->err)))
		return -ENOMEM;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		u32 prot = (ph[i].p_flags & PF_R ? PROT_READ : 0) |
			   (ph[i].p_flags & PF_W ? PROT_WRITE : 0) |
			   (ph[i].p_flags & PF_X ? PROT_EXEC : 0);
		u64 start = ALIGN_DOWN(ph[i].p_vaddr, PAGE_SIZE);
		u64 end = ALIGN_UP(ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE);
		/* A page two segments share is already in the previous one. */
		struct lx_vma *prev = lx_vma_find(lp, start);
		if (prev)
			start = prev->end;
		if (start < end && lx_vma_add(lp, start, end, prot, LX_VMA_ELF))
			return -ENOMEM;
		if (end > top)
			top = end;
	}
	lp->brk_start = lp->brk = top;
	return 0;
}

int lx_exec(struct uproc *p, const struct lx_run *r)
{
	unsigned idx = (unsigned)(r - lx_runs);
	const struct boot_module *m = r->mod;
	struct lx_proc *lp;
	u64 rsp;

	memset(p, 0, sizeof(*p));
	p->prog = &lx_progs[idx];
	p->img = (struct elf_image){ phys_to_virt(m->phys), m->size };
	if (!lx_elf_check(p->img.data, p->img.size, p->err, sizeof(p->err)))
		return -EINVAL;
	lp = lx_proc_alloc();
	p->mm = umem_create();
	if (!lp || !p->mm)
		goto oom;
	p->pml4 = p->mm->pml4;
	lp->mm = p->mm;
	umem_get(p->mm);
	if (load_segments(p, lp))
		goto oom;
	if (lx_vma_add(lp, USER_STACK_TOP - LX_STACK_SIZE, USER_STACK_TOP,
		       PROT_READ | PROT_WRITE, LX_VMA_STACK))
		goto oom;
	p->entry = ((const Elf64_Ehdr *)p->img.data)->e_entry;
	struct trap_frame tf = { .rip = p->entry, .cs = USER_CS, .rflags = 0x202,
				 .rsp = USER_STACK_TOP, .ss = USER_DS };
	p->main = task_create_user(p, p->mm, NULL, &tf);
	if (!p->main)
		goto oom;
	p->main->state = TASK_BLOCKED;
	p->main->lx.proc = lp;
	lp->leader = p->main;
	lp->pid = p->main->id;
	lp->threads = 1;
	lx_files_init(lp);
	/* The stack is written through this program's page tables. */
	u64 cr3 = read_cr3();
	struct task *saved = current;
	write_cr3(virt_to_phys(p->pml4));
	struct lx_proc *cur_lp = current->lx.proc;
	current->lx.proc = lp;
	int err = lx_populate(lp, USER_STACK_TOP - LX_STACK_EAGER, LX_STACK_EAGER, true) ?:
		  build_stack(p, r, &rsp);
	saved->lx.proc = cur_lp;
	write_cr3(cr3);
	if (err)
		goto oom;
	struct trap_frame *mtf = (struct trap_frame *)(p->main->kstack_top - sizeof(*mtf));
	mtf->rsp = rsp;
	p->stack_top = rsp;
	if (r->force_shstk || r->force_ibt)
		lx_force_cet(p->main, r->force_shstk, r->force_ibt);
	return 0;
oom:
	snprintf(p->err, sizeof(p->err), "out of memory loading it");
	if (p->main)
		p->main->lx.proc = NULL;
	if (lp) {
		lx_files_close_all(lp);
		lx_proc_free(lp);
	}
	uproc_destroy(p);
	return -ENOMEM;
}
