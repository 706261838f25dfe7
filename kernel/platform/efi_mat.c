/*
 * The EFI Memory Attributes Table (UEFI 2.10, 4.6.4): firmware's own split
 * of its runtime images into read-only code and non-executable data.
 * Where it is present the runtime address space follows it page by page,
 * so a firmware bug that writes its code or runs its data faults instead.
 */
#include "errno.h"
#include "kernel/platform/bootinfo.h"
#include "kernel/platform/efi.h"
#include "lib.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"

#define EFI_MEMORY_XP BIT(14)
#define EFI_MEMORY_RO BIT(17)
#define EFI_MAT_MAX_ENTRIES 4096

/* dcfa911d-26eb-469f-a220-38b7dc461220 */
static const struct efi_guid efi_mat_guid = {
	0xdcfa911d, 0x26eb, 0x469f, { 0xa2, 0x20, 0x38, 0xb7, 0xdc, 0x46, 0x12, 0x20 }
};

struct efi_mat_header {
	u32 version, nr_entries, desc_size, flags;
};

struct efi_mat_desc {
	u32 type, pad;
	u64 phys, virt, pages, attr;
};

const void *efi_mat_find(unsigned *nr, unsigned *desc_size)
{
	u64 pa = efi_config_table(&efi_mat_guid);
	if (!pa || !direct_map_covers(pa, sizeof(struct efi_mat_header)))
		return NULL;
	const struct efi_mat_header *h = phys_to_virt(pa);
	if (h->version < 1 || h->desc_size < sizeof(struct efi_mat_desc) ||
	    h->nr_entries > EFI_MAT_MAX_ENTRIES ||
	    !direct_map_covers(pa, sizeof(*h) + (u64)h->nr_entries * h->desc_size))
		return NULL;
	*nr = h->nr_entries;
	*desc_size = h->desc_size;
	return h + 1;
}

/* Inside one of the runtime regions the loader listed (and so identity-mapped)? */
static bool efi_mat_in_runtime(u64 pa, u64 pages)
{
	for (unsigned i = 0; i < boot.nr_efi_rt; i++) {
		const struct bootinfo_efi_rt *r = &boot.efi_rt[i];
		if (pa >= r->phys && pages <= r->pages &&
		    pa - r->phys <= (r->pages - pages) * PAGE_SIZE)
			return true;
	}
	return false;
}

int efi_mat_apply(u64 *pml4, unsigned *applied, unsigned *ignored)
{
	unsigned nr, size;
	const u8 *d = efi_mat_find(&nr, &size);

	*applied = *ignored = 0;
	if (!d)
		return -ENOENT;
	for (unsigned i = 0; i < nr; i++, d += size) {
		const struct efi_mat_desc *m = (const struct efi_mat_desc *)d;
		if ((m->phys & (PAGE_SIZE - 1)) || !m->pages || !efi_mat_in_runtime(m->phys, m->pages)) {
			(*ignored)++;
			continue;
		}
		for (u64 p = 0; p < m->pages; p++) {
			int level;
			u64 *pte = pt_walk(pml4, m->phys + p * PAGE_SIZE, &level);
			if (!pte || level != 1)
				return -EINVAL;
			u64 e = *pte & ~(PTE_W | PTE_NX);
			if (!(m->attr & EFI_MEMORY_RO))
				e |= PTE_W;
			if (m->attr & EFI_MEMORY_XP)
				e |= mm_nx();
			*pte = e;
		}
		(*applied)++;
	}
	return 0;
}
