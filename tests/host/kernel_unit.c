/*
 * Host unit tests for kernel code that touches no hardware: command-line
 * parsing (tests=, timeout=, list, screen=, efivars=, uart=, clearcpuid=) and globbing,
 * memory-map sanitizing, page-table entry helpers.
 * Built with the host compiler against the kernel's own sources.
 */
#include <stdio.h>

#include "expect.h"
#include "kernel/lib/cmdline.h"
#include "kernel/platform/smbios.h"
#include "mm/memmap.h"
#include "mm/pt.h"
#include "x86/paging.h"


static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void test_glob(void)
{
	EXPECT(glob_match("*", ""));
	EXPECT(glob_match("*", "shstk_call_ret"));
	EXPECT(glob_match("shstk_*", "shstk_call_ret"));
	EXPECT(!glob_match("shstk_*", "mm_page0"));
	EXPECT(glob_match("*_ret", "shstk_call_ret"));
	EXPECT(glob_match("s?stk_*_ret", "shstk_call_ret"));
	EXPECT(!glob_match("s?stk", "shstk_call"));
	EXPECT(glob_match("mm_*_*", "mm_page0_unmapped"));
	EXPECT(!glob_match("mm_*_x", "mm_page0_unmapped"));
	EXPECT(glob_match("exact", "exact"));
	EXPECT(!glob_match("exact", "exactly"));
	EXPECT(!glob_match("", "a"));
	EXPECT(glob_match("**a", "ba"));
}

static void test_cmdline(void)
{
	struct cmdline c;

	cmdline_parse(&c, "");
	EXPECT(!c.tests_given && c.nr_patterns == 0 && c.nr_unknown == 0);
	EXPECT(cmdline_selects(&c, "anything", false));
	EXPECT(!cmdline_selects(&c, "anything", true));

	/* QEMU -kernel and GRUB's multiboot1 put the kernel path first. */
	cmdline_parse(&c, "build/kernel.elf tests=shstk_*,mm_*");
	EXPECT(c.tests_given && c.nr_patterns == 2 && c.nr_unknown == 0);
	EXPECT(str_eq(c.patterns[0], "shstk_*") && str_eq(c.patterns[1], "mm_*"));
	EXPECT(cmdline_selects(&c, "mm_page0_unmapped", false));
	EXPECT(!cmdline_selects(&c, "user_exit_status", false));
	/* Opt-in tests need their exact name. */
	EXPECT(!cmdline_selects(&c, "mm_demo", true));
	cmdline_parse(&c, "tests=mm_*,mm_demo");
	EXPECT(cmdline_selects(&c, "mm_demo", true));

	cmdline_parse(&c, "/boot/kernel.elf");
	EXPECT(c.nr_unknown == 0 && !c.tests_given);

	/* An explicit empty selection selects nothing. */
	cmdline_parse(&c, "tests=");
	EXPECT(c.tests_given && c.nr_patterns == 0 && !cmdline_selects(&c, "mm_x", false));

	/* timeout=SECONDS, and malformed values are flagged. */
	cmdline_parse(&c, "timeout=15");
	EXPECT(c.timeout_s == 15 && !c.nr_invalid && !c.nr_unknown);
	const char *bad[] = { "timeout=", "timeout=0", "timeout=1x", "timeout=-3" };
	for (unsigned i = 0; i < 4; i++) {
		cmdline_parse(&c, bad[i]);
		EXPECT(c.nr_invalid == 1 && c.timeout_s == 0);
	}

	/* The fuzzer's options: decimal or hex, bounded, nothing trailing. */
	cmdline_parse(&c, "fuzz_seed=0x1234abcd fuzz_calls=1000000 fuzz_secs=600");
	EXPECT(c.fuzz_seed_given && c.fuzz_seed == 0x1234abcd && c.fuzz_calls == 1000000 &&
	       c.fuzz_secs == 600 && !c.nr_invalid && !c.nr_unknown);
	cmdline_parse(&c, "fuzz_seed=0");
	EXPECT(c.fuzz_seed_given && c.fuzz_seed == 0 && !c.nr_invalid);
	const char *bad_fuzz[] = { "fuzz_seed=", "fuzz_seed=12z", "fuzz_calls=0",
				   "fuzz_calls=2147483649", "fuzz_secs=0", "fuzz_secs=86401",
				   "fuzz_seed=0x10000000000000000" };
	for (unsigned i = 0; i < 7; i++) {
		cmdline_parse(&c, bad_fuzz[i]);
		EXPECT(c.nr_invalid == 1 && !c.fuzz_seed_given && !c.fuzz_calls && !c.fuzz_secs);
	}

	/* Unknown words are collected, never dropped silently. */
	cmdline_parse(&c, "  test=mm_*   verbose\tlist ");
	EXPECT(c.nr_unknown == 2 && str_eq(c.unknown[0], "test=mm_*") &&
	       str_eq(c.unknown[1], "verbose") && c.list);
	/* Only the first word can be the kernel path. */
	cmdline_parse(&c, "tests=a /x/y");
	EXPECT(c.nr_unknown == 1 && str_eq(c.unknown[0], "/x/y"));

	/* Empty list members are ignored; several tests= options add up. */
	cmdline_parse(&c, "tests=a,,b, tests=c");
	EXPECT(c.nr_patterns == 3 && str_eq(c.patterns[2], "c"));

	/* screen= holds the verdict screen; off (the default) and 0 do not. */
	cmdline_parse(&c, "");
	EXPECT(c.screen_seconds == 0 && c.nr_invalid == 0);
	cmdline_parse(&c, "screen=30");
	EXPECT(c.screen_seconds == 30 && c.nr_invalid == 0 && c.nr_unknown == 0);
	cmdline_parse(&c, "screen=30 screen=off");
	EXPECT(c.screen_seconds == 0 && c.nr_invalid == 0);
	/* timer= forces a clock or TSC-deadline mode; apic=x2apic the x2APIC. */
	cmdline_parse(&c, "");
	EXPECT(c.timer == CMDLINE_TIMER_AUTO && !c.apic_x2apic);
	cmdline_parse(&c, "timer=hpet apic=x2apic");
	EXPECT(c.timer == CMDLINE_TIMER_HPET && c.apic_x2apic && !c.nr_invalid);
	cmdline_parse(&c, "timer=tsc-deadline");
	EXPECT(c.timer == CMDLINE_TIMER_TSC_DEADLINE && !c.nr_invalid);
	cmdline_parse(&c, "timer=pit timer=cpuid");
	EXPECT(c.timer == CMDLINE_TIMER_CPUID && !c.nr_invalid);
	cmdline_parse(&c, "timer=rtc timer= apic=xapic");
	EXPECT(c.nr_invalid == 3 && c.timer == CMDLINE_TIMER_AUTO && !c.apic_x2apic);
	cmdline_parse(&c, "screen=0");
	EXPECT(c.screen_seconds == 0 && c.nr_invalid == 0);
	cmdline_parse(&c, "screen=3600");
	EXPECT(c.screen_seconds == CMDLINE_SCREEN_MAX && c.nr_invalid == 0);
	/* Bad values are reported, never read as off or as a number. */
	cmdline_parse(&c, "screen= screen=3601 screen=on screen=1s screen=-1 screen=99999999999");
	EXPECT(c.nr_invalid == 6 && c.screen_seconds == 0 && c.nr_unknown == 0);
	EXPECT(str_eq(c.invalid[0], "screen=") && str_eq(c.invalid[3], "screen=1s"));
	cmdline_parse(&c, "screen");
	EXPECT(c.nr_unknown == 1 && c.nr_invalid == 0);
	cmdline_parse(&c, "screen=5 screen=bad");
	EXPECT(c.screen_seconds == 5 && c.nr_invalid == 1);

	/* Overflow is counted, not lost without a trace. */
	char line[400] = "tests=";
	for (int i = 0; i < 40; i++)
		snprintf(line + 6 + 2 * i, sizeof(line) - 6 - 2 * i, "x,");
	cmdline_parse(&c, line);
	EXPECT(c.nr_patterns == CMDLINE_MAX_PATTERNS && c.nr_dropped == 40 - CMDLINE_MAX_PATTERNS);
}

/* clearcpuid= lists are kept whole; the kernel checks the names against its table. */
static void test_cmdline_clearcpuid(void)
{
	struct cmdline c;

	cmdline_parse(&c, "clearcpuid=ibt,xss_cet_u tests=shstk_* clearcpuid=smap");
	EXPECT(c.nr_clearcpuid == 2 && str_eq(c.clearcpuid[0], "ibt,xss_cet_u") &&
	       str_eq(c.clearcpuid[1], "smap") && c.nr_patterns == 1 && !c.nr_invalid);
	cmdline_parse(&c, "clearcpuid=");
	EXPECT(c.nr_clearcpuid == 0 && c.nr_invalid == 1 && str_eq(c.invalid[0], "clearcpuid="));
	cmdline_parse(&c, "clearcpuid");
	EXPECT(c.nr_clearcpuid == 0 && c.nr_unknown == 1);
	cmdline_parse(&c, "clearcpuid=a clearcpuid=b clearcpuid=c clearcpuid=d clearcpuid=e");
	EXPECT(c.nr_clearcpuid == CMDLINE_MAX_CLEARCPUID && c.nr_dropped == 1);
}

static void test_cmdline_efivars_uart(void)
{
	struct cmdline c;

	/* UEFI variables are written unless efivars=off. */
	cmdline_parse(&c, "tests=mm_*");
	EXPECT(!c.efivars_off && !c.nr_invalid);
	cmdline_parse(&c, "efivars=off tests=mm_*");
	EXPECT(c.efivars_off && !c.nr_invalid && !c.nr_unknown && c.nr_patterns == 1);
	cmdline_parse(&c, "efivars=off efivars=on");
	EXPECT(!c.efivars_off && !c.nr_invalid);
	const char *bad_efi[] = { "efivars=", "efivars=no", "efivars=OFF", "efivars=off," };
	for (unsigned i = 0; i < 4; i++) {
		cmdline_parse(&c, bad_efi[i]);
		EXPECT(c.nr_invalid == 1 && str_eq(c.invalid[0], bad_efi[i]) && !c.efivars_off);
	}
	cmdline_parse(&c, "efivars");
	EXPECT(c.nr_unknown == 1);

	/* uart=io:PORT and uart=mmio:ADDR[,stride=N], hex or decimal. */
	cmdline_parse(&c, "uart=io:0x2f8");
	EXPECT(c.nr_uarts == 1 && !c.uarts[0].mmio && c.uarts[0].addr == 0x2f8 &&
	       c.uarts[0].stride == 1 && !c.nr_invalid);
	cmdline_parse(&c, "uart=mmio:0xFE030000,stride=4 uart=io:760");
	EXPECT(c.nr_uarts == 2 && c.uarts[0].mmio && c.uarts[0].addr == 0xfe030000 &&
	       c.uarts[0].stride == 4 && !c.uarts[1].mmio && c.uarts[1].addr == 760 &&
	       c.uarts[1].stride == 1 && !c.nr_invalid);
	cmdline_parse(&c, "uart=mmio:0x4000000000,stride=2");
	EXPECT(c.nr_uarts == 1 && c.uarts[0].addr == 0x4000000000UL && c.uarts[0].stride == 2 &&
	       !c.uarts[0].clock_hz);
	/* ,clock=HZ: the UART's input clock, at least 16 x 115200 Hz. */
	cmdline_parse(&c, "uart=mmio:0xfe030000,stride=4,clock=48000000 uart=io:0x2f8,clock=1843200");
	EXPECT(c.nr_uarts == 2 && c.uarts[0].clock_hz == 48000000 && c.uarts[0].stride == 4 &&
	       c.uarts[1].clock_hz == 1843200 && !c.nr_invalid);
	const char *bad_uart[] = {
		"uart=", "uart=io:", "uart=io:0", "uart=pio:0x2f8", "uart=io:0x2f8,stride=3",
		"uart=io:0x2f8,stride=", "uart=io:0x2f8x", "uart=io:0xfffc", "uart=io:0x2f8,",
		"uart=mmio:0x10000000000000", "uart=mmio:0xffffffffffffffffff", "uart=io:0x",
		"uart=io:0x2f8,clock=", "uart=io:0x2f8,clock=1000000", "uart=io:0x2f8,clock=1e9",
		"uart=io:0x2f8,clock=1843200,stride=4", "uart=io:0x2f8,clock=200000000000",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad_uart); i++) {
		cmdline_parse(&c, bad_uart[i]);
		EXPECT(c.nr_invalid == 1 && str_eq(c.invalid[0], bad_uart[i]) && c.nr_uarts == 0);
	}
	/* More UARTs than kept are counted, not dropped silently. */
	cmdline_parse(&c, "uart=io:0x2f8 uart=io:0x3e8 uart=io:0x2e8 uart=io:0x100 uart=io:0x200");
	EXPECT(c.nr_uarts == CMDLINE_MAX_UARTS && c.nr_dropped == 1);
}

static void test_memmap(void)
{
	struct memmap m;

	/* Unsorted, overlapping, unaligned usable ranges merge and trim inward. */
	memmap_init(&m);
	memmap_add(&m, 0x200000, 0x100000, MEM_USABLE);
	memmap_add(&m, 0x100800, 0x100000, MEM_USABLE);
	memmap_add(&m, 0x250000, 0x200000, MEM_USABLE);
	memmap_finish(&m);
	EXPECT(m.nr_usable == 1);
	EXPECT(m.usable[0].base == 0x101000 && m.usable[0].end == 0x450000);

	/* Reserved wins every overlap and splits ranges. */
	memmap_init(&m);
	memmap_add(&m, 0, 0x1000000, MEM_USABLE);
	memmap_add(&m, 0x400000, 0x1000, MEM_RESERVED);
	memmap_add(&m, 0, 0x100000, MEM_RESERVED);
	memmap_add(&m, 0xfff000, 0x10000, MEM_RESERVED);
	memmap_finish(&m);
	EXPECT(m.nr_usable == 2);
	EXPECT(m.usable[0].base == 0x100000 && m.usable[0].end == 0x400000);
	EXPECT(m.usable[1].base == 0x401000 && m.usable[1].end == 0xfff000);
	EXPECT(memmap_top(&m) == 0xfff000);
	EXPECT(memmap_usable_bytes(&m) == 0x300000 + 0xbfe000);

	/* A reserved range that only partly covers a page takes the whole page. */
	memmap_init(&m);
	memmap_add(&m, 0x100000, 0x10000, MEM_USABLE);
	memmap_add(&m, 0x104800, 0x10, MEM_RESERVED);
	memmap_finish(&m);
	EXPECT(m.nr_usable == 2 && m.usable[0].end == 0x104000 && m.usable[1].base == 0x105000);

	/* Zero length, sub-page and wrapping entries. */
	memmap_init(&m);
	memmap_add(&m, 0x100000, 0, MEM_USABLE);
	memmap_add(&m, 0x200100, 0x800, MEM_USABLE);
	memmap_add(&m, 0xfffffffffffff000UL, 0x2000, MEM_USABLE);
	memmap_finish(&m);
	EXPECT(m.dropped_empty == 1 && m.clipped_wrap == 1);
	EXPECT(m.nr_usable == 0);

	/* Adjacent halves of a page are merged before trimming, so the page survives. */
	memmap_init(&m);
	memmap_add(&m, 0x100000, 0x800, MEM_USABLE);
	memmap_add(&m, 0x100800, 0x800, MEM_USABLE);
	memmap_finish(&m);
	EXPECT(m.nr_usable == 1 && m.usable[0].end - m.usable[0].base == 0x1000);

	/* Above 4 GiB works like anywhere else. */
	memmap_init(&m);
	memmap_add(&m, 0x100000000UL, 0x40000000UL, MEM_USABLE);
	memmap_add(&m, 0x100000, 0x1000000, MEM_USABLE);
	memmap_finish(&m);
	EXPECT(m.nr_usable == 2 && m.usable[1].base == 0x100000000UL &&
	       memmap_top(&m) == 0x140000000UL);

	/* Too many entries: the excess is counted. */
	memmap_init(&m);
	for (int i = 0; i < MEMMAP_MAX + 5; i++)
		memmap_add(&m, 0x100000UL * (i + 1), 0x1000, MEM_USABLE);
	EXPECT(m.dropped_overflow == 5);
	memmap_finish(&m);
	EXPECT(m.nr_usable == MEMMAP_MAX);

	/* Neighbours of one kind share a slot: a long EFI-style map fits. */
	memmap_init(&m);
	for (int i = 0; i < 4 * MEMMAP_MAX; i++)
		memmap_add(&m, 0x100000UL + 0x1000UL * i, 0x1000, MEM_USABLE);
	EXPECT(m.nr_usable == 1 && m.merged == 4 * MEMMAP_MAX - 1 && !m.dropped_overflow);
	memmap_add(&m, 0x100000UL - 0x1000, 0x1000, MEM_USABLE);
	EXPECT(m.nr_usable == 1 && m.usable[0].base == 0xff000);

	/* Reservations past the list are never lost: taken from usable at once. */
	memmap_init(&m);
	memmap_add(&m, 0, 0x10000000, MEM_USABLE);
	for (int i = 0; i < MEMMAP_MAX; i++)
		memmap_add(&m, 0x100000000UL + 0x100000UL * i, 0x1000, MEM_RESERVED);
	for (u64 k = MEMMAP_MAX + 1; k <= MEMMAP_MAX + 2; k++)
		memmap_add(&m, 0x100000UL * k, 0x1000, MEM_RESERVED);
	EXPECT(m.reserved_overflow == 2 && m.nr_reserved == MEMMAP_MAX);
	memmap_finish(&m);
	EXPECT(m.nr_usable == 3 && !m.dropped_overflow);
	for (unsigned i = 0; i < m.nr_usable; i++)
		for (u64 k = MEMMAP_MAX + 1; k <= MEMMAP_MAX + 2; k++)
			EXPECT(m.usable[i].end <= 0x100000UL * k ||
			       m.usable[i].base >= 0x100000UL * k + 0x1000);
}

static void test_paging(void)
{
	u64 va = 0x00007fffffffe123UL;
	EXPECT(pt_index(va, 4) == 255 && pt_index(va, 3) == 511 && pt_index(va, 2) == 511 &&
	       pt_index(va, 1) == 510);
	EXPECT(pt_index(0xffffffff80200000UL, 4) == 511 && pt_index(0xffffffff80200000UL, 3) == 510 &&
	       pt_index(0xffffffff80200000UL, 2) == 1);
	EXPECT(va_is_canonical(0x00007fffffffffffUL) && !va_is_canonical(0x0000800000000000UL));
	EXPECT(va_is_canonical(0xffff800000000000UL) && !va_is_canonical(0xffff7fffffffffffUL));
	u64 pte = pte_make(0x123456789abcdefUL, PTE_P | PTE_W | PTE_NX);
	EXPECT(pte_addr(pte) == 0x0003456789abc000UL);
	EXPECT(pte_flags(pte) == (PTE_P | PTE_W | PTE_NX));
	/* The shadow-stack type: present, W=0, D=1; nothing else qualifies. */
	EXPECT(pte_is_shstk_type(PTE_P | PTE_D));
	EXPECT(pte_is_shstk_type(PTE_P | PTE_D | PTE_U | PTE_A | PTE_NX));
	EXPECT(!pte_is_shstk_type(PTE_P | PTE_W | PTE_D));
	EXPECT(!pte_is_shstk_type(PTE_P));
	EXPECT(!pte_is_shstk_type(PTE_D));
	EXPECT(!pte_is_shstk_type(PTE_P | PTE_SW_SAVED_DIRTY));

	/* Write-protecting a dirty page never yields W=0,D=1. */
	u64 dirty = PTE_P | PTE_W | PTE_U | PTE_A | PTE_D;
	u64 ro = pte_wrprotect(dirty);
	EXPECT(!pte_is_shstk_type(ro) && !(ro & PTE_W) && !(ro & PTE_D));
	EXPECT(ro & PTE_SW_SAVED_DIRTY);
	EXPECT(pte_mkwrite(ro) == dirty);
	u64 clean = PTE_P | PTE_W | PTE_U;
	EXPECT(pte_wrprotect(clean) == (PTE_P | PTE_U));
	EXPECT(pte_mkwrite(pte_wrprotect(clean)) == clean);
	EXPECT(pte_wrprotect(pte_wrprotect(dirty)) == ro);
	/* Shadow-stack copy-on-write: not a shadow stack until restored. */
	u64 ss = PTE_P | PTE_U | PTE_A | PTE_D | PTE_SW_SHSTK | PTE_NX;
	u64 cow = pte_shstk_cow(ss);
	EXPECT(!pte_is_shstk_type(cow) && !(cow & PTE_W) && (cow & PTE_SW_COW));
	EXPECT(pte_shstk_restore(cow) == ss);
	EXPECT(pte_is_shstk_type(pte_shstk_restore(cow)));
	EXPECT(pte_stray_shstk(PTE_P | PTE_D) && !pte_stray_shstk(ss) && !pte_stray_shstk(ro));
}

static unsigned naive_next_present(const u64 *t, unsigned i, unsigned end)
{
	while (i < end && !(t[i] & PTE_P))
		i++;
	return i;
}

/* The grouped scan finds exactly what an entry-by-entry scan finds. */
static void test_pt_next_present(void)
{
	static u64 t[512];
	u64 seed = 12345;
	int mismatches = 0, cases = 0;
	for (int round = 0; round < 400; round++) {
		/* Sparse to dense; non-present entries keep other bits set. */
		unsigned density = 1 + round % 40;
		for (unsigned k = 0; k < 512; k++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			u64 r = seed >> 33;
			t[k] = (r % 400 < density) ? (r << 12) | PTE_P : (r << 12) & ~(u64)PTE_P;
		}
		for (unsigned end = 0; end <= 512; end += (end < 20 ? 1 : 61)) {
			for (unsigned i = 0; i <= end; i += (i < 20 ? 1 : 7)) {
				cases++;
				if (pt_next_present(t, i, end) != naive_next_present(t, i, end))
					mismatches++;
			}
		}
	}
	EXPECT(cases > 10000);
	EXPECT(mismatches == 0);
	for (unsigned k = 0; k < 512; k++)
		t[k] = 0;
	EXPECT(pt_next_present(t, 0, 512) == 512);
	t[511] = PTE_P;
	EXPECT(pt_next_present(t, 0, 512) == 511);
	EXPECT(pt_next_present(t, 0, 511) == 511);
	t[9] = PTE_P | PTE_W;
	EXPECT(pt_next_present(t, 3, 512) == 9);
	EXPECT(pt_next_present(t, 10, 512) == 511);
	t[7] = ~(u64)PTE_P; /* every other bit set: still not present */
	EXPECT(pt_next_present(t, 0, 9) == 9);
}

static size_t put(u8 *t, size_t at, const void *src, size_t n)
{
	const u8 *b = src;
	for (size_t i = 0; i < n; i++)
		t[at + i] = b[i];
	return at + n;
}

static void fix_sum(u8 *p, size_t n, size_t at)
{
	u8 sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		sum += p[i];
	p[at] = (u8)-sum;
}

static void test_smbios(void)
{
	struct smbios_entry e;
	u8 ep[32] = { 0 };

	/* SMBIOS 3: 24 bytes, checksum at 5, table at 0x10. */
	put(ep, 0, "_SM3_", 5);
	ep[6] = 24, ep[7] = 3, ep[8] = 5;
	u32 max = 0x1234;
	u64 table = 0x7f00000;
	put(ep, 0x0c, &max, 4);
	put(ep, 0x10, &table, 8);
	fix_sum(ep, 24, 5);
	EXPECT(smbios_entry_parse(ep, 24, &e) == NULL);
	EXPECT(e.major == 3 && e.minor == 5 && e.table == table && e.table_len == 0x1234);
	EXPECT(smbios_entry_parse(ep, 23, &e) != NULL); /* runs past what is there */
	ep[0x11] ^= 1;
	EXPECT(smbios_entry_parse(ep, 24, &e) != NULL); /* checksum */
	ep[0x11] ^= 1;
	ep[6] = 20;
	EXPECT(smbios_entry_parse(ep, 24, &e) != NULL); /* too short */

	/* SMBIOS 2: "_SM_" (checksum at 4) and "_DMI_" from 0x10 (checksum at 0x15). */
	u8 e2[32] = { 0 };
	put(e2, 0, "_SM_", 4);
	e2[5] = 0x1f, e2[6] = 2, e2[7] = 8;
	put(e2, 0x10, "_DMI_", 5);
	u16 tlen = 388, count = 9;
	u32 t32 = 0xf5a10;
	put(e2, 0x16, &tlen, 2);
	put(e2, 0x18, &t32, 4);
	put(e2, 0x1c, &count, 2);
	fix_sum(e2 + 0x10, 15, 5);
	fix_sum(e2, 0x1f, 4);
	EXPECT(smbios_entry_parse(e2, 31, &e) == NULL);
	EXPECT(e.major == 2 && e.minor == 8 && e.table == 0xf5a10 && e.table_len == 388 &&
	       e.count == 9);
	e2[0x1a] = 1; /* the table address, under the _DMI_ checksum only */
	fix_sum(e2, 0x1f, 4);
	EXPECT(smbios_entry_parse(e2, 31, &e) != NULL);
	EXPECT(smbios_entry_parse((const u8 *)"_SX_ and nothing else at all...", 31, &e) != NULL);

	/* A table: type 0 with a string, type 1, end (127). */
	u8 t[256] = { 0 };
	size_t at = 0;
	u8 bios[] = { 0, 4, 0, 0 };
	at = put(t, at, bios, 4);
	at = put(t, at, "Vendor\0\0", 8);
	size_t type1 = at;
	u8 sys[8] = { 1, 8, 1, 0, 1, 2, 0, 0 };
	at = put(t, at, sys, 8);
	at = put(t, at, "ACME  \0Laptop\t9\0\0", 17);
	u8 end[4] = { 127, 4, 2, 0 };
	at = put(t, at, end, 4);
	at = put(t, at, "\0\0", 2);
	char out[65];
	EXPECT(smbios_system_model(t, at, out, sizeof(out)) == NULL);
	EXPECT(str_eq(out, "ACME Laptop?9"));
	EXPECT(smbios_system_model(t, at, out, 9) == NULL && str_eq(out, "ACME Lap"));
	t[type1 + 4] = 0; /* no manufacturer */
	EXPECT(smbios_system_model(t, at, out, sizeof(out)) == NULL && str_eq(out, "Laptop?9"));
	t[type1 + 5] = 0; /* nor product: Bochs's BIOS */
	EXPECT(smbios_system_model(t, at, out, sizeof(out)) != NULL && out[0] == 0);
	t[type1 + 4] = 1, t[type1 + 5] = 7; /* a string that is not there */
	EXPECT(smbios_system_model(t, at, out, sizeof(out)) == NULL && str_eq(out, "ACME"));
	t[type1 + 5] = 2;
	EXPECT(smbios_system_model(t, type1 + 12, out, sizeof(out)) != NULL); /* strings cut */
	EXPECT(smbios_system_model(t, type1 + 6, out, sizeof(out)) != NULL);  /* area cut */
	t[1] = 2; /* a formatted area shorter than its header */
	EXPECT(smbios_system_model(t, at, out, sizeof(out)) != NULL);
	t[1] = 4;
	t[type1] = 2; /* no type 1 before the end */
	EXPECT(smbios_system_model(t, at, out, sizeof(out)) != NULL);
}

int main(void)
{
	test_glob();
	test_cmdline();
	test_cmdline_clearcpuid();
	test_cmdline_efivars_uart();
	test_memmap();
	test_paging();
	test_pt_next_present();
	test_smbios();
	return expect_summary("kernel-unit");
}
