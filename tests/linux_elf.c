/*
 * Bad input for the Linux personality's loader: every malformed file is
 * refused with its own one-line reason, and a well-formed one is accepted
 * (so that a refusal means something).  Images are built here, field by
 * field, after the ELF-64 specification.
 */
#include "elf.h"
#include "kernel/linux.h"
#include "lib.h"
#include "test.h"

#define PT_INTERP 3
#define IMG_SIZE 8192

static u8 img[IMG_SIZE] __aligned(8);

/* A minimal static executable: one R+X PT_LOAD of the first page at 0x400000. */
static size_t make_exec(void)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));

	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, "\177ELF", 4);
	eh->e_ident[4] = 2; /* ELFCLASS64 */
	eh->e_ident[5] = 1; /* ELFDATA2LSB */
	eh->e_ident[6] = 1; /* EV_CURRENT */
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = 1;
	eh->e_entry = 0x400100;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
			      .p_vaddr = 0x400000, .p_filesz = 0x1000, .p_memsz = 0x1000,
			      .p_align = 0x1000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x1000,
			      .p_vaddr = 0x401000, .p_filesz = 0x800, .p_memsz = 0x3000,
			      .p_align = 0x1000 };
	return IMG_SIZE;
}

static bool contains(const char *s, const char *what)
{
	size_t n = strlen(what);
	for (; *s; s++)
		if (!strncmp(s, what, n))
			return true;
	return false;
}

/* The loader must refuse the image with a reason that says `what`. */
static void expect_refused(struct test_case_run *t, size_t size, const char *what)
{
	char err[160] = "";
	bool ok = lx_elf_check(img, size, err, sizeof(err));

	diag("loader says: %s", ok ? "(accepted)" : err);
	CHECK(t, !ok, "the loader accepted an image it must refuse (%s)", what);
	CHECK(t, ok || contains(err, what), "the reason '%s' does not say '%s'", err, what);
	CHECK(t, !strchr(err, '\n'), "the reason is not one line");
}

static Elf64_Phdr *phdr(unsigned i)
{
	return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i;
}

TEST(linux_elf_accepts_static_exec, "linux")
{
	char err[160] = "";
	size_t n = make_exec();
	CHECK(t, lx_elf_check(img, n, err, sizeof(err)), "refused: %s", err);
}

TEST(linux_elf_rejects_not_elf, "linux")
{
	make_exec();
	memcpy(img, "#!/bin/sh\n", 10);
	expect_refused(t, IMG_SIZE, "not an ELF file");
}

TEST(linux_elf_rejects_wrong_class, "linux")
{
	make_exec();
	img[4] = 1; /* ELFCLASS32 */
	expect_refused(t, IMG_SIZE, "wrong ELF class");
}

TEST(linux_elf_rejects_wrong_machine, "linux")
{
	make_exec();
	((Elf64_Ehdr *)img)->e_machine = 183; /* EM_AARCH64 */
	expect_refused(t, IMG_SIZE, "wrong machine");
}

TEST(linux_elf_rejects_dynamic, "linux")
{
	make_exec();
	phdr(1)->p_type = PT_INTERP;
	expect_refused(t, IMG_SIZE, "link it with -static");
	make_exec();
	((Elf64_Ehdr *)img)->e_type = 3; /* ET_DYN: a PIE */
	expect_refused(t, IMG_SIZE, "link it with -static");
}

TEST(linux_elf_rejects_overlapping_segments, "linux")
{
	make_exec();
	phdr(1)->p_vaddr = 0x400800;
	expect_refused(t, IMG_SIZE, "overlap");
}

TEST(linux_elf_rejects_kernel_addresses, "linux")
{
	make_exec();
	phdr(1)->p_vaddr = 0xffffffff80000000UL;
	expect_refused(t, IMG_SIZE, "overlaps the kernel");
}

TEST(linux_elf_rejects_entry_outside, "linux")
{
	make_exec();
	/* Inside the data segment, which is not executable: no better. */
	((Elf64_Ehdr *)img)->e_entry = 0x401100;
	expect_refused(t, IMG_SIZE, "outside every executable segment");
	make_exec();
	((Elf64_Ehdr *)img)->e_entry = 0x900000;
	expect_refused(t, IMG_SIZE, "outside every executable segment");
}

TEST(linux_elf_rejects_truncated, "linux")
{
	make_exec();
	/* The data segment's file bytes end at 0x1800. */
	expect_refused(t, 0x1400, "truncated");
	make_exec();
	expect_refused(t, 40, "truncated");
}

TEST(linux_elf_rejects_larger_than_memory, "linux")
{
	make_exec();
	phdr(1)->p_memsz = 64UL << 30; /* 64 GiB of bss */
	expect_refused(t, IMG_SIZE, "too large");
}
