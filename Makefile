# cetbed: build the kernel and ISO, run the suite on emulators, host tests.
#
#   make            build/kernel.elf and build/cetbed.iso
#   make help       this list
#   make list       every test and its area, read from the image (no boot)
#   make run        build and run the suite on $(PLATFORM) (default bochs);
#                   TESTS=GLOB[,GLOB...] and CMDLINE='...' reach the kernel
#   make run PROG=path/to/static-elf [ARGS="..."] [PLATFORM=...]
#                   run a static Linux x86-64 program under CET enforcement
#   make test       host unit tests, then the suite on every platform, the
#                   conformance report and the parser and LAVA checks (in parallel)
#   make report     build/results/index.html and summary.md from the logs there
#   make gdb        QEMU -kernel stopped for gdb, symbols loaded (CMDLINE, TESTS)
#   make lava-run   the LAVA QEMU job through Debian's lava-run, here (root)
#   make bench-boot launch-to-verdict times (min/median/max of 5) and where they go
#   make bench-cet  CET cost microbenchmarks on every platform
#   make bench-elf  boot-to-exit of a static hello world, next to an empty run
#   make check-mutants  inject bugs one at a time; the tests must catch each
#   make test-matrix  CPU models, memory sizes, -smp, chipsets, firmware (~4 min)
#   make fuzz       the system-call fuzzer, 10^6 calls or FUZZ_SECS (600) of platform time
#   make fuzz-linux the Linux-ABI fuzzer (tests/linux/fuzz), same FUZZ_* knobs
#   make usb DEV=/dev/sdX  write the ISO to a USB stick (scripts/usb-write.sh)

PLATFORM ?= bochs
PLATFORMS := bochs bochs-amd-like bochs3-tigerlake bochs3-sapphire-rapids bochs3-arrow-lake \
	qemu-bios qemu-uefi qemu-kernel qemu-kernel-qemu64 qemu-kernel-m8g-smp4
# Laptop hazards imitated: no PIT, each timer path forced, x2APIC, UEFI
# ResetSystem power-off (tests/harness/platforms.py).  Each a full suite.
VARIANTS := qemu-bios-nopit qemu-bios-timer-pit qemu-bios-timer-hpet qemu-bios-timer-pmtmr \
	bochs-x2apic-timer-pit bochs3-tigerlake-x2apic qemu-uefi-nopit-reset qemu-bios-reloc64

B := build
CC := gcc
LD := ld
NASM := nasm
PYTHON := /usr/bin/python3
HARNESS := $(PYTHON) tests/harness/cetbed.py
BOCHS3_ROOT := $(B)/bochs3-root
export BOCHS3_ROOT := $(abspath $(BOCHS3_ROOT))

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-pic -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fcf-protection=full -fno-strict-aliasing \
	-fno-toplevel-reorder -fno-jump-tables -Wall -Wextra -Werror -Wno-address-of-packed-member \
	-Iinclude -I$(B)/include -DCETBED_VERSION='"$(VERSION)"' -MMD -MP
UCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-pic -static \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=full -fno-jump-tables \
	-fno-builtin -mno-red-zone -Wall -Wextra -Werror -Iinclude -I. -MMD -MP
NASMFLAGS := -f elf64 -g -I$(B)/include/ -I./

KERNEL_DIRS := kernel kernel/platform kernel/report kernel/lib kernel/linux kernel/time kernel/bench
KERNEL_C := $(wildcard $(addsuffix /*.c,$(KERNEL_DIRS)) mm/*.c cet/*.c tests/*.c)
KERNEL_C := $(filter-out kernel/asm-offsets.c,$(KERNEL_C))
KERNEL_ASM := $(wildcard boot/*.asm $(addsuffix /*.asm,$(KERNEL_DIRS)) cet/*.asm tests/*.asm)
KERNEL_OBJ := $(patsubst %.c,$(B)/%.o,$(KERNEL_C)) $(patsubst %.asm,$(B)/%.o,$(KERNEL_ASM))

USER_LIB := $(B)/user/crt0.o $(B)/user/ulib.o $(B)/user/ulib_ctx.o $(B)/user/callchain.o \
	$(B)/user/klib_string.o
USER_PROGS := selftest shstk task sig ctx ibt fuzz bench notes_none notes_shstk notes_both
USER_ELF := $(patsubst %,$(B)/user/%.elf,$(USER_PROGS))

ASM_OFFSETS := $(B)/include/asm-offsets.inc

# tests/linux: one static glibc program, one run per case (argv[0] names it),
# carried as a boot module of the default image and run by the Linux personality.
LINUX_PROG := $(B)/linux/cetbed-linux
# The Linux-ABI system-call fuzzer (tests/linux/fuzz), a module of its own boots.
LXFUZZ := $(B)/linux/lxfuzz
LINUX_CFLAGS := -std=gnu11 -static -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
	-MMD -MP
LINUX_RUNS := hello;printf_float;malloc_stress;argv_auxv one two;pthread_mutex;fork_wait;\
	signal_siginfo;mmap_faults;fork_bomb;time_sleep;output_flood;clone_bad_tls;mm_range_rules;procmem_rules;\
	compat_int80_basics;compat_handler_runs;compat_sigreturn;\
	shstk_enable;shstk_recursion;\
	shstk_smashed_return;shstk_pivot;shstk_signal;shstk_fork_threads;shstk_vfork;shstk_wrss;\
	shstk_prctl_rules;shstk_ptrace;shstk_compat_gp;shstk_compat_gp_stale_ssp;shstk_compat_low_ssp;shstk=on shstk_forced
LINUX_RUNS := $(subst ; ,;,$(LINUX_RUNS))
# Linux's own shadow-stack selftest, fetched and built by 'make selftest'
# (make test does it first); the image carries it once it is there.
SELFTEST := $(B)/selftest/test_shadow_stack
SELFTEST_BOOT := $(wildcard $(SELFTEST).boot)

.PHONY: all run test host-test bench-boot bench-elf deps clean list-platforms check-mutants usb \
	selftest reloc test-matrix help list report gdb lava-run fuzz fuzz-linux host-units bench-cet \
	bochs-fast

# TESTS=GLOB[,GLOB...] and CMDLINE='...' make the kernel command line of
# make run, make gdb and make usb alike.
KCMDLINE = $(strip $(CMDLINE) $(if $(TESTS),tests=$(TESTS)))
.DELETE_ON_ERROR:
.SECONDARY:

all: $(B)/kernel.elf $(B)/cetbed.iso $(LXFUZZ)

$(ASM_OFFSETS): kernel/asm-offsets.c $(wildcard include/*.h include/*/*.h include/*/*/*.h)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)$(CC) $(filter-out -MMD -MP,$(KCFLAGS)) -S -o $(B)/asm-offsets.s $<
	$(Q)sed -n 's/.*->\([A-Za-z0-9_]*\) \$$\{0,1\}\(-\{0,1\}[0-9][0-9]*\).*/%define \1 \2/p' \
		$(B)/asm-offsets.s > $@.tmp
	$(Q)test -s $@.tmp && mv $@.tmp $@

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

# Ring 3 uses the kernel's string functions, built with the user flags.
$(B)/user/klib_string.o: kernel/lib/string.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/user/%.o: user/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/user/%.o: user/%.asm $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(B)/user/$*.d -o $@ $<

$(B)/%.o: %.asm $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(B)/$*.d -o $@ $<

$(B)/user/%.elf: $(B)/user/%.o $(B)/user/%_probes.o $(USER_LIB) user/user.ld
	$(call say,LD,$@)
	$(Q)$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack -T user/user.ld -o $@ \
		$(USER_LIB) $(B)/user/$*_probes.o $<
	@# Embedded in the kernel: symbols stay (tests look labels up), debug info goes.
	$(Q)objcopy --strip-debug $@

# One program, three property notes: ld's -z shstk / -z ibt set the
# GNU_PROPERTY_X86_FEATURE_1_AND bits whatever the inputs say.
$(B)/user/notes_none.elf: NOTE_FLAGS :=
$(B)/user/notes_shstk.elf: NOTE_FLAGS := -z shstk
$(B)/user/notes_both.elf: NOTE_FLAGS := -z shstk -z ibt
$(B)/user/notes_%.elf: $(B)/user/notes.o $(B)/user/notes_probes.o $(USER_LIB) user/user.ld
	$(call say,LD,$@)
	$(Q)$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack $(NOTE_FLAGS) \
		-T user/user.ld -o $@ $(USER_LIB) $(B)/user/notes_probes.o $(B)/user/notes.o
	$(Q)objcopy --strip-debug $@

# The embedded programs are part of the kernel image.
$(B)/kernel/userprogs.o: $(USER_ELF)

$(B)/linker.ld: linker.ld include/mm/layout.h
	@mkdir -p $(dir $@)
	$(Q)cpp -P -D__ASSEMBLER__ -Iinclude $< -o $@

# .boot holds the trampoline code and its GDT: RWX on purpose, used only before mm_init.
$(B)/kernel.elf: $(KERNEL_OBJ) $(B)/linker.ld tools/check-image.py
	$(call say,LD,$@)
	$(Q)$(LD) -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T $(B)/linker.ld -o $@ $(KERNEL_OBJ)
	$(Q)$(PYTHON) tools/check-image.py $@

# The ISO carries a copy without debug info or symbols (nothing at run time
# reads them): same code and addresses, less for GRUB to read through BIOS
# disk calls, at about 12 Bochs instructions a byte (the symbols alone were
# 0.7 M of the 30.5 M before the kernel's first line).  build/kernel.elf
# keeps both for addr2line.
$(B)/kernel-boot.elf: $(B)/kernel.elf
	$(Q)objcopy --strip-all $< $@
	$(Q)$(PYTHON) tools/check-image.py $@

$(LINUX_PROG): $(wildcard tests/linux/*.c) Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(LINUX_CFLAGS) -o $@ $(filter %.c,$^) -lpthread

# IBT needs ENDBR64 everywhere, which Debian's glibc lacks: no libc at all.
$(B)/linux/ibt: tests/linux/ibt/ibt.c Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -static -nostdlib -O2 -g -fcf-protection=full -Wall -Wextra -Werror -o $@ $<

# The Linux-ABI system-call fuzzer: raw system calls, no libc, so that every
# call the kernel sees is one it chose.  make test and make fuzz-linux give it
# to the kernel as a module of their own boots.
$(LXFUZZ): $(wildcard tests/linux/fuzz/*.c tests/linux/fuzz/*.h tests/linux/fuzz/*.S) include/splitmix.h \
	  Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie -O2 -g \
		-Wall -Wextra -Werror -Iinclude -o $@ $(filter %.c %.S,$^)
	$(Q)strip -o $@.boot $@

$(B)/linux/hello: tests/linux/hello/hello.c Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -static -O2 -g -o $@ $<

# The image carries a stripped copy; the ELF with symbols stays for addr2line.
$(LINUX_PROG).boot: $(LINUX_PROG)
	$(Q)strip -o $@ $<

$(B)/linux/runs: Makefile
	@mkdir -p $(dir $@)
	$(Q)printf '%s\n' '$(LINUX_RUNS)' > $@

# The boot modules every image carries (the default ISO, the relocated one
# and make usb's): the Linux programs and, once fetched, Linux's selftest.
ISO_MODULE_DEPS := $(LINUX_PROG).boot $(B)/linux/runs $(B)/linux/ibt $(SELFTEST_BOOT)
ISO_MODULES = $(LINUX_PROG).boot '$(LINUX_RUNS)' $(B)/linux/ibt 'ibt=on ibt' \
	$(if $(SELFTEST_BOOT),$(SELFTEST_BOOT) test_shadow_stack)

$(B)/cetbed.iso: $(B)/kernel-boot.elf iso/mkiso.sh $(wildcard iso/*.cfg) $(ISO_MODULE_DEPS)
	$(call say,ISO,$@)
	$(Q)iso/mkiso.sh $< $@ '' $(ISO_MODULES)

# Debian's linux-source-6.12 package (apt-get download, ~150 MB, cached in
# build/selftest): tools/testing/selftests/x86/test_shadow_stack.c, gcc -static.
selftest:
	scripts/linux-selftest.sh $(B)/selftest

# The same kernel with a multiboot2 relocatable tag asking for 64 MiB or
# above: GRUB must relocate it, and the qemu-bios-reloc64 platform checks
# that it runs there and says where it was loaded.
RELOC_MIN := 0x4000000
RELOC_OBJ := $(filter-out $(B)/boot/boot.o,$(KERNEL_OBJ)) $(B)/reloc/boot.o

$(B)/reloc/boot.o: boot/boot.asm $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(call say,NASM,$@)
	$(Q)$(NASM) $(NASMFLAGS) -DMB2_RELOC_MIN=$(RELOC_MIN) -o $@ $<

$(B)/reloc/kernel.elf: $(RELOC_OBJ) $(B)/linker.ld tools/check-image.py
	$(call say,LD,$@)
	$(Q)$(LD) -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T $(B)/linker.ld -o $@ $(RELOC_OBJ)
	$(Q)objcopy --strip-all $@ $(B)/reloc/kernel-boot.elf
	$(Q)$(PYTHON) tools/check-image.py $(B)/reloc/kernel-boot.elf

$(B)/reloc/cetbed.iso: $(B)/reloc/kernel.elf iso/mkiso.sh $(wildcard iso/*.cfg) $(ISO_MODULE_DEPS)
	$(call say,ISO,$@)
	$(Q)iso/mkiso.sh $(B)/reloc/kernel-boot.elf $@ '' $(ISO_MODULES)

reloc: $(B)/reloc/cetbed.iso

# Debian packages each platform needs; scripts/deps.sh installs them (as root)
# or prints the apt-get command, and for bochs3 makes the Debian 13 root
# ($(BOCHS3_ROOT)) with scripts/bochs3-root.sh.
deps_for = build $(if $(filter qemu-%,$(1)),qemu) $(if $(filter qemu-uefi%,$(1)),uefi) \
	$(if $(filter bochs bochs-%,$(1)),bochs) $(if $(filter bochs3-%,$(1)),bochs3)

deps:
	scripts/deps.sh $(sort $(call deps_for,$(PLATFORMS)))

run:
	scripts/deps.sh $(call deps_for,$(PLATFORM))
	$(MAKE) all
ifeq ($(PROG),)
	$(HARNESS) run $(PLATFORM) $(if $(KCMDLINE),--cmdline '$(KCMDLINE)')
else
	$(HARNESS) run-elf --platform $(PLATFORM) $(RUN_ELF_FLAGS) '$(PROG)' $(ARGS)
endif

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' Makefile

list: $(B)/kernel.elf
	@$(HARNESS) list-tests $(if $(KCMDLINE),--cmdline '$(KCMDLINE)')

report:
	$(HARNESS) report

gdb:
	scripts/deps.sh build qemu
	$(MAKE) all
	scripts/gdb.sh '$(KCMDLINE)'

# Needs lava-dispatcher (about 100 Debian packages) and root: it keeps its
# files in /var/lib/lava.  make test only validates the jobs.
lava-run:
	scripts/deps.sh build qemu lava-run
	$(MAKE) all
	$(PYTHON) tests/harness/lava_run.py

# Host programs built from kernel sources: unit tests, and the drivers
# tests/host/test_qr.py and test_summary.py run.
HOST_PROGS := kernel-unit qr-unit qr-render summary-tool fb-unit cpu-feat-unit cmdline-check
host_src_kernel-unit := tests/host/kernel_unit.c kernel/lib/cmdline.c mm/memmap.c \
	kernel/platform/smbios_parse.c
# The feature table on the host's own CPUID: masking, dependencies, reasons.
host_src_cpu-feat-unit := tests/host/cpu_feat_unit.c kernel/cpu_feat.c
host_src_cmdline-check := tests/host/cmdline_check.c kernel/lib/cmdline.c
host_src_qr-unit := tests/host/qr_unit.c kernel/report/qr.c kernel/report/qr_matrix.c
host_src_qr-render := tests/host/qr_render.c kernel/report/qr.c kernel/report/qr_matrix.c
host_src_summary-tool := tests/host/summary_tool.c kernel/report/summary.c kernel/lib/sha256.c
# The drawing code as the kernel has it; fb-unit also writes font.ppm and verdict.ppm.
host_src_fb-unit := tests/host/fb_unit.c kernel/platform/fb.c kernel/platform/fb_font.c \
	kernel/report/fbcon_grid.c kernel/report/fbcon_verdict.c

host-test: host-units $(B)/kernel.elf
	$(PYTHON) -m unittest discover -s tests/host -p 'test_*.py'

host-units: $(patsubst %,$(B)/host/%,$(HOST_PROGS))
	$(B)/host/kernel-unit
	$(B)/host/qr-unit
	$(B)/host/cpu-feat-unit
	$(B)/host/fb-unit $(B)/host

.SECONDEXPANSION:
$(B)/host/%: $$(host_src_%) $(wildcard include/*.h include/*/*.h include/*/*/*.h tests/host/*.h) Makefile
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-builtin -Iinclude -o $@ \
		$(host_src_$*)

# Every platform and end-to-end check side by side, at most JOBS (default:
# the number of cores) CPU-bound ones at a time, the longest first; one live
# line per job, each job's whole output in build/results/JOB.out.
#  watchdog-demo  a spinning task is stopped by the watchdog, reported
#                 TIMEOUT, and the run goes on
#  qr-check       the verdict screen's QR code, read by zbarimg, is the
#                 run's summary
#  uart-*         PCI and command-line UARTs carry the whole KTAP stream
#  efivars-*      UEFI variables survive into the next boot (two OVMF boots
#                 in a row), also after a reset (three: the longest job)
#  module-cmdline a boot module's command line: 2047 bytes kept, a longer
#                 one a boot error naming the module (two qemu-kernel boots)
#  host-py        the harness's unit tests; they mostly wait on fake
#                 emulators and timeouts, so they take no core of the bound
test:
	scripts/deps.sh $(sort $(call deps_for,$(PLATFORMS) $(VARIANTS)) qr report lava parsers)
	$(MAKE) selftest
	$(MAKE) all reloc
	$(MAKE) host-units
	@# The report is written whatever the platforms said: it shows why.
	$(HARNESS) matrix $(if $(JOBS),--jobs $(JOBS)) $(PLATFORMS) $(VARIANTS) \
		--check watchdog-demo "$(HARNESS) run qemu-kernel --name watchdog-demo \
			--expect tests/expect/watchdog-demo.expect \
			--cmdline 'tests=task_spin_forever,user_exit_status,linux_spin,linux_hello timeout=1' \
			--module '$(LINUX_PROG).boot:spin;hello'" \
		--check qr-check "$(PYTHON) tests/harness/qr_check.py" \
		--check fuzz-qemu-kernel "$(HARNESS) run qemu-kernel --name fuzz-qemu-kernel \
			--expect tests/expect/fuzz.expect --cmdline 'tests=sys_fuzz_native'" \
		--check fuzz-bochs "$(HARNESS) run bochs --name fuzz-bochs \
			--expect tests/expect/fuzz.expect --cmdline 'tests=sys_fuzz_native'" \
		--check fuzz-linux-qemu-kernel "$(HARNESS) run qemu-kernel --name fuzz-linux-qemu-kernel \
			--expect tests/expect/fuzz-linux.expect --cmdline 'tests=linux_lxfuzz timeout=60' \
			--module '$(LXFUZZ).boot:lxfuzz $(LXFUZZ_TEST_SEED) 10000'" \
		--check fuzz-linux-bochs "$(HARNESS) run bochs --name fuzz-linux-bochs \
			--expect tests/expect/fuzz-linux.expect --cmdline 'tests=linux_lxfuzz timeout=60' \
			--module '$(LXFUZZ).boot:lxfuzz $(LXFUZZ_TEST_SEED) 10000'" \
		--check uart-bios "$(PYTHON) tests/harness/uart_check.py qemu-bios" \
		--check uart-uefi "$(PYTHON) tests/harness/uart_check.py qemu-uefi" \
		--check efivars-summary "$(PYTHON) tests/harness/efivars_check.py --part summary" \
		--check efivars-reset "$(PYTHON) tests/harness/efivars_check.py --part reset" \
		--check parsers "$(PYTHON) tests/harness/parsers_check.py" \
		--check module-cmdline "$(PYTHON) tests/harness/module_cmdline_check.py" \
		--light host-py "$(PYTHON) -m unittest discover -s tests/host -p 'test_*.py'" \
		|| { $(HARNESS) report; exit 1; }
	@# index.html rendered in headless Chromium: DOM counts against the logs,
	@# build/results/report.png kept.
	$(PYTHON) tests/harness/report_check.py
	@# The LAVA jobs pass lava-common's schema; their monitors read the log.
	$(PYTHON) tests/harness/lava_check.py

# The platform table's matrix configurations (tests/harness/platforms.py),
# then a UEFI run with no serial port, read back from screen and variable.
test-matrix:
	scripts/deps.sh build qemu uefi bochs bochs3 qr
	$(MAKE) all
	$(HARNESS) matrix $(if $(JOBS),--jobs $(JOBS)) $$($(HARNESS) list --matrix --names) \
		--check noserial "$(PYTHON) tests/harness/noserial_check.py"

bench-boot:
	scripts/deps.sh $(sort $(call deps_for,qemu-kernel qemu-bios qemu-uefi bochs))
	$(MAKE) all
	$(HARNESS) bench-boot

# Boot-to-exit of a static hello world next to an empty run (median of 5).
bench-elf:
	scripts/deps.sh $(sort $(call deps_for,qemu-kernel bochs))
	$(MAKE) all $(B)/linux/hello
	$(HARNESS) bench-elf $(B)/linux/hello

# The long fuzzer run: FUZZ_CALLS calls (10^6) or FUZZ_SECS seconds of platform
# time, whichever ends first, from FUZZ_SEED (a new one each run unless given).
# Prints calls per second and the calls per system-call number.
FUZZ_PLATFORM ?= qemu-kernel
FUZZ_CALLS ?= 1000000
FUZZ_SECS ?= 600
FUZZ_SEED ?= $(shell date +%s)
# make test's Linux-ABI fuzzer boots: a fixed seed, 10^4 calls.
LXFUZZ_TEST_SEED := 0x6c78667a7a000001

fuzz:
	scripts/deps.sh $(call deps_for,$(FUZZ_PLATFORM))
	$(MAKE) all
	$(PYTHON) tests/harness/fuzz_run.py $(FUZZ_PLATFORM) --seed $(FUZZ_SEED) \
		--calls $(FUZZ_CALLS) --secs $(FUZZ_SECS)

# The Linux-ABI fuzzer's long run (tests/linux/fuzz): FUZZ_CALLS calls from
# FUZZ_SEED on FUZZ_PLATFORM, under a watchdog of FUZZ_SECS of platform time.
fuzz-linux:
	scripts/deps.sh $(call deps_for,$(FUZZ_PLATFORM))
	$(MAKE) all
	$(PYTHON) tests/harness/fuzz_run.py $(FUZZ_PLATFORM) --linux $(LXFUZZ).boot \
		--seed $(FUZZ_SEED) --calls $(FUZZ_CALLS) --secs $(FUZZ_SECS)

# CET cost microbenchmarks (the opt-in test bench_cet) on every emulator,
# side by side; emulators' figures are labelled as not meaningful.
bench-cet:
	scripts/deps.sh $(sort $(call deps_for,$(PLATFORMS)))
	$(MAKE) all
	$(HARNESS) bench-cet --platforms $(PLATFORMS)

# Optional: an optimised Bochs 3.0 from Debian 13's source package
# (scripts/bochs-fast.sh; CPU-heavy, built once and kept).  The bochs3-*
# platforms use it when CETBED_BOCHS3 names it:
#   CETBED_BOCHS3=$(CURDIR)/build/bochs-fast/bin/bochs make test
bochs-fast:
	scripts/bochs-fast.sh $(B)/bochs-fast $(BOCHS_SRC)

# Injects one bug at a time and checks that the tests catch it (QEMU and Bochs,
# only the tests named for each mutant; ~15 min on a loaded 2-core machine).
check-mutants:
	scripts/deps.sh build qemu
	$(MAKE) all
	$(PYTHON) tools/mutants.py

# Writes the ISO raw to a whole USB stick; scripts/usb-write.sh refuses
# partitions, mounted or system disks and, without FORCE=1, anything over
# 64 GiB, and asks before writing (CONFIRM=1 skips the question).  CMDLINE
# bakes a kernel command line into a variant image, e.g. CMDLINE=efivars=off.
# A stick holds the verdict screen (and its QR code) for USB_HOLD seconds or
# until a key is pressed: on a laptop the screen may be the only record.
# CMDLINE and TESTS come after it, so CMDLINE=screen=off still wins.
USB_HOLD ?= 3600
USB_ISO = $(B)/usb.iso
USB_CMDLINE = $(strip screen=$(USB_HOLD) $(KCMDLINE))

usb:
	@test -n "$(DEV)" || { echo "usage: make usb DEV=/dev/sdX [TESTS=GLOB,...] [CMDLINE='...'] [USB_HOLD=SECONDS] [FORCE=1] [CONFIRM=1]" >&2; exit 2; }
	$(MAKE) all $(B)/host/cmdline-check
	@# The kernel's own parser checks the line before anything is written.
	$(HARNESS) list-tests --names | $(B)/host/cmdline-check '$(USB_CMDLINE)'
	iso/mkiso.sh $(B)/kernel-boot.elf $(USB_ISO) '$(USB_CMDLINE)' $(ISO_MODULES)
	FORCE='$(FORCE)' CONFIRM='$(CONFIRM)' scripts/usb-write.sh '$(DEV)' $(USB_ISO)

list-platforms:
	@echo $(PLATFORMS) $(VARIANTS)

clean:
	rm -rf $(addprefix $(B)/,boot kernel mm cet tests user include host linux kernel.elf cetbed.iso linker.ld asm-offsets.s usb.iso usb-cmdline.iso reloc)

# Only our own dependency files: build/ also holds the Debian 13 root.
-include $(KERNEL_OBJ:.o=.d) $(USER_LIB:.o=.d) $(USER_ELF:.elf=.d) $(USER_ELF:.elf=_probes.d) \
	$(LINUX_PROG).d

# Flags live here: a changed Makefile rebuilds everything.
$(KERNEL_OBJ) $(ASM_OFFSETS) $(USER_LIB) $(USER_ELF): Makefile
