/*
 * UEFI runtime services in physical mode (include/kernel/platform/efi.h).  GRUB has
 * exited boot services and nobody calls SetVirtualAddressMap, so firmware
 * still expects its runtime regions at their physical addresses: calls run
 * on a PML4 of their own that identity-maps them below the kernel half.
 */
#include "errno.h"
#include "fault.h"
#include "kernel/platform/bootinfo.h"
#include "kernel/cpu.h"
#include "kernel/platform/efi.h"
#include "lib.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/pt.h"
#include "x86/cpu.h"
#include "x86/msr.h"

#define EFI_SYSTAB_SIGNATURE 0x5453595320494249UL  /* "IBI SYST" */
#define EFI_RUNTIME_SIGNATURE 0x56524553544e5552UL /* "RUNTSERV" */

/* x64 layouts: EFI_SYSTEM_TABLE and EFI_RUNTIME_SERVICES (UEFI 2.10, 4.3 and 4.5). */
struct efi_table_header {
	u64 signature;
	u32 revision, header_size, crc32, reserved;
};

struct efi_systab {
	struct efi_table_header hdr;
	u64 fw_vendor; /* CHAR16 * */
	u32 fw_revision, pad;
	u64 con_in_handle, con_in, con_out_handle, con_out, stderr_handle, stderr;
	u64 runtime;
	u64 boot;
	u64 nr_tables, tables;
};

struct efi_runtime {
	struct efi_table_header hdr;
	u64 get_time, set_time, get_wakeup_time, set_wakeup_time;
	u64 set_virtual_address_map, convert_pointer;
	u64 get_variable, get_next_variable_name, set_variable;
	u64 get_next_high_mono_count, reset_system;
	u64 update_capsule, query_capsule_caps, query_variable_info;
};

STATIC_ASSERT(offsetof(struct efi_systab, runtime) == 88);
STATIC_ASSERT(offsetof(struct efi_runtime, get_variable) == 72);
STATIC_ASSERT(offsetof(struct efi_runtime, set_variable) == 88);

/* 94905237-3d58-4e8e-a27a-6c2433df019b: cetbed's vendor GUID (efi.h). */
static const struct efi_guid efi_cetbed_guid = {
	0x94905237, 0x3d58, 0x4e8e, { 0xa2, 0x7a, 0x6c, 0x24, 0x33, 0xdf, 0x01, 0x9b }
};

/*
 * Firmware gets a stack of its own, in the lower half of the runtime
 * address space, far above any physical address the identity map uses,
 * with an unmapped guard page below.  The kernel stacks are only 16 KiB.
 */
#define EFI_STACK_PAGES 8
#define EFI_STACK_TOP 0x00007f0000000000UL
#define EFI_STACK_BASE (EFI_STACK_TOP - EFI_STACK_PAGES * PAGE_SIZE)

#define EFI_VAR_ATTRS                                                                      \
	(EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |                     \
	 EFI_VARIABLE_RUNTIME_ACCESS)

/* kernel/platform/efi_call.asm: the Microsoft x64 call of fn(args[0..5]) on stack_top. */
u64 efi_thunk(u64 fn, const u64 *args, u64 stack_top);

static struct {
	bool ready;
	bool broken; /* a call faulted: no more calls this boot */
	u64 *pml4;
	u64 get_variable, set_variable;
	u64 reset_system, query_variable_info; /* 0 if not in runtime code */
	u64 last_status;
} efi;

bool efi_available(void)
{
	return efi.ready && !efi.broken;
}

u64 efi_config_table(const struct efi_guid *guid)
{
	struct efi_config_entry {
		struct efi_guid guid;
		u64 table;
	};
	if (!direct_map_covers(boot.efi_systab, sizeof(struct efi_systab)))
		return 0;
	const struct efi_systab *st = phys_to_virt(boot.efi_systab);
	if (st->nr_tables > 256 ||
	    !direct_map_covers(st->tables, st->nr_tables * sizeof(struct efi_config_entry)))
		return 0;
	const struct efi_config_entry *e = phys_to_virt(st->tables);
	for (u64 i = 0; i < st->nr_tables; i++)
		if (!memcmp(&e[i].guid, guid, sizeof(*guid)))
			return e[i].table;
	return 0;
}

u64 efi_last_status(void)
{
	return efi.last_status;
}

const char *efi_status_name(u64 status, char *buf, size_t size)
{
	static const struct {
		u64 status;
		const char *name;
	} names[] = {
		{ EFI_SUCCESS, "EFI_SUCCESS" },
		{ EFI_INVALID_PARAMETER, "EFI_INVALID_PARAMETER" },
		{ EFI_UNSUPPORTED, "EFI_UNSUPPORTED" },
		{ EFI_BUFFER_TOO_SMALL, "EFI_BUFFER_TOO_SMALL" },
		{ EFI_DEVICE_ERROR, "EFI_DEVICE_ERROR" },
		{ EFI_WRITE_PROTECTED, "EFI_WRITE_PROTECTED" },
		{ EFI_OUT_OF_RESOURCES, "EFI_OUT_OF_RESOURCES" },
		{ EFI_NOT_FOUND, "EFI_NOT_FOUND" },
		{ EFI_SECURITY_VIOLATION, "EFI_SECURITY_VIOLATION" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].status == status)
			return names[i].name;
	snprintf(buf, size, "EFI status 0x%lx", status);
	return buf;
}

/* The runtime region holding [pa, pa + len), or NULL. */
static const struct bootinfo_efi_rt *efi_region_of(u64 pa, u64 len)
{
	for (unsigned i = 0; i < boot.nr_efi_rt; i++) {
		const struct bootinfo_efi_rt *r = &boot.efi_rt[i];
		if (pa >= r->phys && pa + len >= pa && pa + len <= r->phys + r->pages * PAGE_SIZE)
			return r;
	}
	return NULL;
}

/*
 * Runtime code is writable too: a firmware driver's PE image keeps its
 * .data inside the EFI_RUNTIME_SERVICES_CODE pages it was loaded into.
 * Device memory, and memory firmware says is not write-back, is uncached.
 */
static u64 efi_region_flags(const struct bootinfo_efi_rt *r)
{
	u64 flags = PTE_W;

	if (r->type != EFI_RUNTIME_SERVICES_CODE)
		flags |= mm_nx();
	if (r->type == EFI_MEMORY_MAPPED_IO || r->type == EFI_MEMORY_MAPPED_IO_PORT_SPACE ||
	    !(r->attr & EFI_MEMORY_WB))
		flags |= PTE_PCD | PTE_PWT;
	return flags;
}

static int efi_map_region(const struct bootinfo_efi_rt *r, bool small)
{
	u64 pa = r->phys, end = r->phys + r->pages * PAGE_SIZE, flags = efi_region_flags(r);

	if (pa & (PAGE_SIZE - 1) || end < pa || end > EFI_STACK_BASE - PAGE_SIZE)
		return -EINVAL;
	while (pa < end) {
		int err;
		if (!small && !(pa & (LARGE_PAGE_SIZE - 1)) && end - pa >= LARGE_PAGE_SIZE) {
			err = pt_map_large(efi.pml4, pa, pa, flags);
			pa += LARGE_PAGE_SIZE;
		} else {
			err = pt_map(efi.pml4, pa, pa, flags);
			pa += PAGE_SIZE;
		}
		if (err)
			return err;
	}
	return 0;
}

/* The runtime PML4 with the shared kernel half and the firmware stack. */
static int efi_build_base(void)
{
	u64 pa = frame_alloc();

	if (!pa)
		return -ENOMEM;
	efi.pml4 = phys_to_virt(pa);
	for (unsigned k = PML4_KERNEL_FIRST; k < PT_ENTRIES; k++)
		efi.pml4[k] = kernel_pml4[k];
	for (u64 va = EFI_STACK_BASE; va < EFI_STACK_TOP; va += PAGE_SIZE) {
		u64 frame = frame_alloc();
		if (!frame || pt_map(efi.pml4, va, frame, PTE_W | mm_nx())) {
			efi.pml4 = NULL; /* a few frames leak; the boot goes on */
			return -ENOMEM;
		}
	}
	return 0;
}

static int efi_map_regions(u64 *mapped_kib)
{
	unsigned nr, size;
	/* The attributes table works page by page: no 2 MiB pages then. */
	bool small = efi_mat_find(&nr, &size) != NULL;

	*mapped_kib = 0;
	for (unsigned i = 0; i < boot.nr_efi_rt; i++) {
		const struct bootinfo_efi_rt *r = &boot.efi_rt[i];
		int err = efi_map_region(r, small);
		if (err) {
			diag("efi: cannot identity-map runtime region 0x%lx (+%lu pages, type %u): %s",
			     r->phys, r->pages, r->type,
			     err == -ENOMEM ? "out of memory" : "outside the mappable range");
			return err;
		}
		*mapped_kib += r->pages * (PAGE_SIZE >> 10);
	}
	return 0;
}

struct efi_call {
	u64 fn;
	u64 args[6];
	u64 status;
	void *dst; /* efi_copy_in: a copy instead of a call */
	u64 src, len;
};

static void efi_call_body(void *arg)
{
	struct efi_call *c = arg;

	if (c->dst)
		memcpy(c->dst, (const void *)c->src, c->len);
	else
		c->status = efi_thunk(c->fn, c->args, EFI_STACK_TOP);
}

/*
 * Runs c in the runtime address space with interrupts off and CET off:
 * firmware is not CET-aware (no ENDBR64 at its branch targets, returns that
 * do not match a shadow stack).  IA32_S_CET exists wherever CPUID
 * enumerates CET; CR4.CET is cleared only if it was set (QEMU's TCG hangs on
 * any write of it).  CR0 comes back first: CR4.CET needs CR0.WP.  A fault
 * in firmware is caught, reported, and ends runtime services for this boot.
 */
static void efi_run(struct efi_call *c)
{
	struct fault_catch fc;
	u64 rflags = read_rflags();
	bool has_cet = cpu.shstk || cpu.ibt;
	u64 s_cet = 0;

	cli();
	u64 cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	if (has_cet) {
		s_cet = rdmsr(MSR_IA32_S_CET);
		wrmsr(MSR_IA32_S_CET, 0);
	}
	if (cr4 & X86_CR4_CET)
		write_cr4(cr4 & ~X86_CR4_CET);
	write_cr3(virt_to_phys(efi.pml4));

	bool faulted = fault_catch_call(&fc, efi_call_body, c);

	/* Whatever firmware changed in CR0 and CR4 comes back too. */
	write_cr3(cr3);
	if (read_cr0() != cr0)
		write_cr0(cr0);
	if (read_cr4() != cr4)
		write_cr4(cr4);
	if (has_cet)
		wrmsr(MSR_IA32_S_CET, s_cet);
	if (rflags & X86_RFLAGS_IF)
		asm volatile("sti" ::: "memory");

	if (faulted) {
		efi.broken = true;
		c->status = EFI_DEVICE_ERROR;
		diag("efi: %s faulted: %s error 0x%lx at rip 0x%lx (cr2 0x%lx); no more runtime "
		     "service calls this boot",
		     c->dst ? "reading firmware memory" : "a runtime service call",
		     x86_vector_name(fc.info.vector), fc.info.error_code, fc.info.rip,
		     fc.info.cr2);
	}
}

/* Copies firmware memory (identity-mapped only in the runtime address space). */
static bool efi_copy_in(void *dst, u64 pa, u64 len)
{
	struct efi_call c = { .dst = dst, .src = pa, .len = len };

	if (!efi_region_of(pa, len))
		return false;
	efi_run(&c);
	return !efi.broken;
}

bool efi_call_probe(u64 fn, const u64 *args, u64 *ret)
{
	struct efi_call c = { .fn = fn };

	if (!efi.pml4 || efi.broken)
		return false;
	memcpy(c.args, args, sizeof(c.args));
	efi_run(&c);
	*ret = c.status;
	return !efi.broken;
}

u64 efi_space_phys(void)
{
	return efi.pml4 ? virt_to_phys(efi.pml4) : 0;
}

static u64 efi_call5(u64 fn, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	struct efi_call c = { .fn = fn, .args = { a0, a1, a2, a3, a4, 0 } };

	efi_run(&c);
	efi.last_status = c.status;
	return c.status;
}

static void efi_vendor(const struct efi_systab *st, char *out, size_t size)
{
	u16 wide[32];
	size_t n = 0;

	out[0] = '\0';
	if (!st->fw_vendor || !efi_copy_in(wide, st->fw_vendor, sizeof(wide)))
		return;
	for (; n + 1 < size && n < ARRAY_SIZE(wide) && wide[n]; n++)
		out[n] = wide[n] >= 0x20 && wide[n] < 0x7f ? (char)wide[n] : '?';
	out[n] = '\0';
}

static const char *efi_find_services(struct efi_systab *st, char *vendor, size_t vsize)
{
	struct efi_runtime rt;

	if (!efi_region_of(boot.efi_systab, sizeof(*st)))
		return "the system table lies outside the runtime regions";
	if (!efi_copy_in(st, boot.efi_systab, sizeof(*st)))
		return "reading the system table faulted";
	if (st->hdr.signature != EFI_SYSTAB_SIGNATURE)
		return "the system table has a bad signature";
	if (!st->runtime || !efi_region_of(st->runtime, sizeof(rt)))
		return "RuntimeServices lies outside the runtime regions";
	if (!efi_copy_in(&rt, st->runtime, sizeof(rt)))
		return "reading RuntimeServices faulted";
	if (rt.hdr.signature != EFI_RUNTIME_SIGNATURE || rt.hdr.header_size < sizeof(rt))
		return "RuntimeServices has a bad signature or is too short";
	const struct bootinfo_efi_rt *g = efi_region_of(rt.get_variable, 1);
	const struct bootinfo_efi_rt *s = efi_region_of(rt.set_variable, 1);
	if (!g || !s || g->type != EFI_RUNTIME_SERVICES_CODE ||
	    s->type != EFI_RUNTIME_SERVICES_CODE)
		return "GetVariable/SetVariable are not in runtime code";
	efi.get_variable = rt.get_variable;
	efi.set_variable = rt.set_variable;
	/* Optional ones: used only where they point into runtime code too. */
	const struct bootinfo_efi_rt *r = efi_region_of(rt.reset_system, 1);
	efi.reset_system = r && r->type == EFI_RUNTIME_SERVICES_CODE ? rt.reset_system : 0;
	r = efi_region_of(rt.query_variable_info, 1);
	if (rt.hdr.revision >= (2 << 16) && r && r->type == EFI_RUNTIME_SERVICES_CODE)
		efi.query_variable_info = rt.query_variable_info;
	efi_vendor(st, vendor, vsize);
	return NULL;
}

void efi_init(void)
{
	struct efi_systab st;
	char vendor[33];
	u64 kib;

	/* Built on every boot path: tests call through it without firmware too. */
	if (efi_build_base()) {
		diag("efi: no memory for the runtime address space: runtime services not used");
		return;
	}
	if (!boot.efi_systab) {
		diag("efi: no UEFI system table from the loader (BIOS boot or multiboot1): no "
		     "runtime services, results are not kept in UEFI variables");
		return;
	}
	if (!boot.efi_mmap || !boot.nr_efi_rt) {
		diag("efi: system table at 0x%lx but %s: runtime services not used", boot.efi_systab,
		     boot.efi_mmap ? "no runtime regions in the EFI memory map"
				   : "no EFI memory map (multiboot2 tag 17)");
		return;
	}
	if (boot.efi_rt_dropped) {
		diag("efi: %u runtime regions beyond the %d cetbed keeps: runtime services not used",
		     boot.efi_rt_dropped, BOOT_EFI_RT_MAX);
		return;
	}
	if (efi_map_regions(&kib)) {
		diag("efi: runtime services not used");
		return;
	}
	unsigned applied, ignored;
	int mat = efi_mat_apply(efi.pml4, &applied, &ignored);
	if (mat == -ENOENT)
		diag("efi: no memory attributes table: runtime code is mapped writable and "
		     "executable, data non-executable");
	else if (mat)
		diag("efi: memory attributes table could not be applied; runtime regions keep "
		     "their default mapping");
	else
		diag("efi: memory attributes table: %u entries applied (read-only code, "
		     "non-executable data), %u outside the runtime regions ignored", applied,
		     ignored);
	const char *why = efi_find_services(&st, vendor, sizeof(vendor));
	if (why) {
		diag("efi: system table at 0x%lx: %s: runtime services not used", boot.efi_systab,
		     why);
		return;
	}
	efi.ready = true;
	/* The minor revision counts in tenths: 2.70 is (2 << 16) | 70. */
	u32 minor = st.hdr.revision & 0xffff;
	char sub[8] = "";
	if (minor % 10)
		snprintf(sub, sizeof(sub), ".%u", minor % 10);
	diag("efi: runtime services of '%s' rev 0x%x, UEFI %u.%u%s: %u runtime regions "
	     "(%lu KiB) identity-mapped, physical-mode calls with CET off",
	     vendor, st.fw_revision, st.hdr.revision >> 16, minor / 10, sub, boot.nr_efi_rt,
	     kib);
}

/* UCS-2 of an ASCII name; false if it does not fit. */
static bool efi_name(const char *name, u16 *wide)
{
	size_t n = strnlen(name, EFI_VAR_NAME_MAX + 1);

	if (!n || n > EFI_VAR_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++)
		wide[i] = (u8)name[i];
	return true;
}

static int efi_errno(u64 status)
{
	switch (status) {
	case EFI_SUCCESS:
		return 0;
	case EFI_NOT_FOUND:
		return -ENOENT;
	case EFI_BUFFER_TOO_SMALL:
		return -E2BIG;
	case EFI_OUT_OF_RESOURCES:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

int efi_var_set(const char *name, const void *data, size_t len)
{
	u16 wide[EFI_VAR_NAME_MAX + 1];

	if (!efi_available())
		return -ENODEV;
	if (!efi_name(name, wide))
		return -EINVAL;
	return efi_errno(efi_call5(efi.set_variable, (u64)wide, (u64)&efi_cetbed_guid,
				   EFI_VAR_ATTRS, len, (u64)data));
}

bool efi_rt_call(enum efi_rt_service which, u64 a0, u64 a1, u64 a2, u64 a3, u64 *status)
{
	u64 fn = which == EFI_RT_RESET_SYSTEM ? efi.reset_system : efi.query_variable_info;

	if (!efi_available() || !fn)
		return false;
	*status = efi_call5(fn, a0, a1, a2, a3, 0);
	return !efi.broken;
}

int efi_var_get(const char *name, void *buf, size_t *len)
{
	u16 wide[EFI_VAR_NAME_MAX + 1];
	u32 attrs = 0;
	u64 size = *len;

	if (!efi_available())
		return -ENODEV;
	if (!efi_name(name, wide))
		return -EINVAL;
	int err = efi_errno(efi_call5(efi.get_variable, (u64)wide, (u64)&efi_cetbed_guid,
				      (u64)&attrs, (u64)&size, (u64)buf));
	if (!err || err == -E2BIG)
		*len = size;
	return err;
}
