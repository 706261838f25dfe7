/* ELF64 structures the loader reads. */
#ifndef CETBED_ELF_H
#define CETBED_ELF_H

#include "types.h"

typedef struct {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf64_Phdr;

typedef struct {
	u32 sh_name, sh_type;
	u64 sh_flags, sh_addr, sh_offset, sh_size;
	u32 sh_link, sh_info;
	u64 sh_addralign, sh_entsize;
} Elf64_Shdr;

typedef struct {
	u32 st_name;
	u8 st_info, st_other;
	u16 st_shndx;
	u64 st_value, st_size;
} Elf64_Sym;

#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define SHT_SYMTAB 2

struct elf_image {
	const u8 *data;
	size_t size;
};

/* Checks an image; on failure returns false with a reason in err. */
bool elf_check(const struct elf_image *img, char *err, size_t errsize);
/* Maps the PT_LOAD segments into the lower half of pml4 (owned frames). */
int elf_load(const struct elf_image *img, u64 *pml4, char *err, size_t errsize);
/* A symbol's value from .symtab, 0 if absent. */
u64 elf_symbol(const struct elf_image *img, const char *name);

/* GNU_PROPERTY_X86_FEATURE_1_AND bits of .note.gnu.property (0 without one). */
#define ELF_X86_FEATURE_IBT (1U << 0)
#define ELF_X86_FEATURE_SHSTK (1U << 1)
u32 elf_x86_features(const struct elf_image *img);

#endif
