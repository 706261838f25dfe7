/* Loading the embedded ring-3 programs (static ELF64 executables). */
#include "elf.h"
#include "errno.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"

static const Elf64_Ehdr *ehdr(const struct elf_image *img)
{
	return (const Elf64_Ehdr *)img->data;
}

static bool in_image(const struct elf_image *img, u64 off, u64 len)
{
	return off <= img->size && len <= img->size - off;
}

bool elf_check(const struct elf_image *img, char *err, size_t errsize)
{
	const Elf64_Ehdr *eh = ehdr(img);

	if (img->size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4))
		return snprintf(err, errsize, "not an ELF file"), false;
	if (eh->e_ident[4] != 2 || eh->e_ident[5] != 1 || eh->e_machine != EM_X86_64)
		return snprintf(err, errsize, "not a little-endian x86-64 ELF64 file"), false;
	if (eh->e_type != ET_EXEC)
		return snprintf(err, errsize, "ELF type %u is not ET_EXEC", eh->e_type), false;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_image(img, eh->e_phoff, (u64)eh->e_phnum * sizeof(Elf64_Phdr)))
		return snprintf(err, errsize, "program headers out of bounds"), false;
	const Elf64_Phdr *ph = (const void *)(img->data + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		u64 va = ph[i].p_vaddr, end = va + ph[i].p_memsz;
		if (ph[i].p_filesz > ph[i].p_memsz || !in_image(img, ph[i].p_offset, ph[i].p_filesz) ||
		    va < USER_BASE || end < va || end > USER_TOP)
			return snprintf(err, errsize, "segment %u is out of bounds", i), false;
	}
	if (eh->e_entry < USER_BASE || eh->e_entry >= USER_TOP)
		return snprintf(err, errsize, "entry 0x%lx is not a user address", eh->e_entry),
		       false;
	return true;
}

int elf_load(const struct elf_image *img, u64 *pml4, char *err, size_t errsize)
{
	const Elf64_Ehdr *eh = ehdr(img);
	const Elf64_Phdr *ph = (const void *)(img->data + eh->e_phoff);

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		u64 flags = PTE_U | PTE_SW_OWNED;
		if (ph[i].p_flags & PF_W)
			flags |= PTE_W;
		if (!(ph[i].p_flags & PF_X))
			flags |= mm_nx();
		u64 va0 = ph[i].p_vaddr, fend = va0 + ph[i].p_filesz;
		for (u64 page = ALIGN_DOWN(va0, PAGE_SIZE); page < va0 + ph[i].p_memsz;
		     page += PAGE_SIZE) {
			int level;
			u64 *e = pt_walk(pml4, page, &level);
			u64 pa = e ? pte_addr(*e) : frame_alloc();
			if (!pa || (!e && pt_map(pml4, page, pa, flags))) {
				snprintf(err, errsize, "out of memory loading segment %u", i);
				return -ENOMEM;
			}
			if (e) /* shared with the previous segment: keep the wider rights */
				*e |= flags & PTE_W;
			u8 *dst = phys_to_virt(pa);
			/* Copy the file bytes that fall into this page. */
			u64 lo = page > va0 ? page : va0;
			u64 hi = page + PAGE_SIZE < fend ? page + PAGE_SIZE : fend;
			if (lo < hi)
				memcpy(dst + (lo - page), img->data + ph[i].p_offset + (lo - va0),
				       hi - lo);
		}
	}
	return 0;
}

u64 elf_symbol(const struct elf_image *img, const char *name)
{
	const Elf64_Ehdr *eh = ehdr(img);

	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_image(img, eh->e_shoff, (u64)eh->e_shnum * sizeof(Elf64_Shdr)))
		return 0;
	const Elf64_Shdr *sh = (const void *)(img->data + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *str = &sh[sh[i].sh_link];
		if (!in_image(img, sh[i].sh_offset, sh[i].sh_size) ||
		    !in_image(img, str->sh_offset, str->sh_size))
			return 0;
		const Elf64_Sym *sym = (const void *)(img->data + sh[i].sh_offset);
		const char *strtab = (const char *)img->data + str->sh_offset;
		for (u64 k = 0; k < sh[i].sh_size / sizeof(*sym); k++)
			if (sym[k].st_name < str->sh_size &&
			    !strncmp(strtab + sym[k].st_name, name, str->sh_size - sym[k].st_name))
				return sym[k].st_value;
	}
	return 0;
}

#define NT_GNU_PROPERTY_TYPE_0 5
#define GNU_PROPERTY_X86_FEATURE_1_AND 0xc0000002U

static const Elf64_Shdr *section_named(const struct elf_image *img, const char *name)
{
	const Elf64_Ehdr *eh = ehdr(img);

	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum ||
	    !in_image(img, eh->e_shoff, (u64)eh->e_shnum * sizeof(Elf64_Shdr)))
		return NULL;
	const Elf64_Shdr *sh = (const void *)(img->data + eh->e_shoff);
	const Elf64_Shdr *str = &sh[eh->e_shstrndx];
	if (!in_image(img, str->sh_offset, str->sh_size))
		return NULL;
	const char *names = (const char *)img->data + str->sh_offset;
	size_t len = strlen(name) + 1;
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_name + len <= str->sh_size && !memcmp(names + sh[i].sh_name, name, len))
			return in_image(img, sh[i].sh_offset, sh[i].sh_size) ? &sh[i] : NULL;
	return NULL;
}

u32 elf_x86_features(const struct elf_image *img)
{
	const Elf64_Shdr *sh = section_named(img, ".note.gnu.property");
	u32 features = 0;

	if (!sh)
		return 0;
	const u8 *p = img->data + sh->sh_offset, *end = p + sh->sh_size;
	while (p + 12 <= end) {
		u32 namesz = ((const u32 *)p)[0], descsz = ((const u32 *)p)[1];
		u32 type = ((const u32 *)p)[2];
		/* The name is padded to 4 bytes; 12 + 4 keeps the descriptor 8-aligned. */
		const u8 *name = p + 12, *desc = name + ALIGN_UP(namesz, 4);
		if (desc + descsz > end || desc < name)
			break;
		if (type == NT_GNU_PROPERTY_TYPE_0 && namesz == 4 && !memcmp(name, "GNU", 4)) {
			/* Properties: type, size, data padded to 8 bytes. */
			for (const u8 *q = desc; q + 8 <= desc + descsz;) {
				u32 pr_type = ((const u32 *)q)[0], pr_size = ((const u32 *)q)[1];
				if (q + 8 + pr_size > desc + descsz)
					break;
				if (pr_type == GNU_PROPERTY_X86_FEATURE_1_AND && pr_size >= 4)
					features |= *(const u32 *)(q + 8);
				q += 8 + ALIGN_UP(pr_size, 8);
			}
		}
		p = desc + ALIGN_UP(descsz, 8);
	}
	return features;
}
