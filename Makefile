# cetbed: build the kernel and ISO, run the suite on emulators, host tests.
#
#   make            build/kernel.elf and build/cetbed.iso
#   make run        build and run the suite on $(PLATFORM) (default bochs)
#   make test       host unit tests, then the suite on every platform (in parallel)
#   make bench-boot launch-to-verdict times (median of 5) and where they go
#   make bench-cet  CET cost microbenchmarks on every platform
#   make check-mutants  inject bugs one at a time; the tests must catch each
#   make usb DEV=/dev/sdX  write the ISO to a USB stick (scripts/usb-write.sh)

PLATFORM ?= bochs
PLATFORMS := bochs bochs3-tigerlake bochs3-sapphire-rapids bochs3-arrow-lake \
	qemu-bios qemu-uefi qemu-kernel

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

KERNEL_DIRS := kernel kernel/platform kernel/report kernel/lib kernel/linux kernel/bench
KERNEL_C := $(wildcard $(addsuffix /*.c,$(KERNEL_DIRS)) mm/*.c cet/*.c tests/*.c)
KERNEL_C := $(filter-out kernel/asm-offsets.c,$(KERNEL_C))
KERNEL_ASM := $(wildcard boot/*.asm $(addsuffix /*.asm,$(KERNEL_DIRS)) cet/*.asm tests/*.asm)
KERNEL_OBJ := $(patsubst %.c,$(B)/%.o,$(KERNEL_C)) $(patsubst %.asm,$(B)/%.o,$(KERNEL_ASM))

USER_LIB := $(B)/user/crt0.o $(B)/user/ulib.o $(B)/user/ulib_ctx.o $(B)/user/callchain.o \
	$(B)/user/klib_string.o
USER_PROGS := selftest shstk task sig ctx ibt bench notes_none notes_shstk notes_both
USER_ELF := $(patsubst %,$(B)/user/%.elf,$(USER_PROGS))

ASM_OFFSETS := $(B)/include/asm-offsets.inc

.PHONY: all run test host-test host-units bench-boot bench-cet bochs-fast deps clean list-platforms check-mutants usb
.DELETE_ON_ERROR:
.SECONDARY:

all: $(B)/kernel.elf $(B)/cetbed.iso

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

$(B)/cetbed.iso: $(B)/kernel-boot.elf iso/mkiso.sh $(wildcard iso/*.cfg)
	$(call say,ISO,$@)
	$(Q)iso/mkiso.sh $< $@

# Debian packages each platform needs; scripts/deps.sh installs them (as root)
# or prints the apt-get command, and for bochs3 makes the Debian 13 root
# ($(BOCHS3_ROOT)) with scripts/bochs3-root.sh.
deps_for = build $(if $(filter qemu-%,$(1)),qemu) $(if $(filter qemu-uefi,$(1)),uefi) \
	$(if $(filter bochs,$(1)),bochs) $(if $(filter bochs3-%,$(1)),bochs3)

deps:
	scripts/deps.sh $(sort $(call deps_for,$(PLATFORMS)))

run:
	scripts/deps.sh $(call deps_for,$(PLATFORM))
	$(MAKE) all
	$(HARNESS) run $(PLATFORM)

# Host programs built from kernel sources: unit tests, and the drivers
# tests/host/test_qr.py and test_summary.py run.
HOST_PROGS := kernel-unit qr-unit qr-render summary-tool fb-unit
host_src_kernel-unit := tests/host/kernel_unit.c kernel/lib/cmdline.c mm/memmap.c \
	kernel/platform/smbios_parse.c
host_src_qr-unit := tests/host/qr_unit.c kernel/report/qr.c kernel/report/qr_matrix.c
host_src_qr-render := tests/host/qr_render.c kernel/report/qr.c kernel/report/qr_matrix.c
host_src_summary-tool := tests/host/summary_tool.c kernel/report/summary.c kernel/lib/sha256.c
# The drawing code as the kernel has it; fb-unit also writes font.ppm and verdict.ppm.
host_src_fb-unit := tests/host/fb_unit.c kernel/platform/fb.c kernel/platform/fb_font.c \
	kernel/report/fbcon_grid.c kernel/report/fbcon_verdict.c

host-test: host-units
	$(PYTHON) -m unittest discover -s tests/host -p 'test_*.py'

host-units: $(patsubst %,$(B)/host/%,$(HOST_PROGS))
	$(B)/host/kernel-unit
	$(B)/host/qr-unit
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
#  host-py        the harness's unit tests; they mostly wait on fake
#                 emulators and timeouts, so they take no core of the bound
test:
	scripts/deps.sh $(sort $(call deps_for,$(PLATFORMS)) qr)
	$(MAKE) all
	$(MAKE) host-units
	$(HARNESS) matrix $(if $(JOBS),--jobs $(JOBS)) $(PLATFORMS) \
		--check watchdog-demo "$(HARNESS) run qemu-kernel --name watchdog-demo \
			--expect tests/expect/watchdog-demo.expect \
			--cmdline 'tests=task_spin_forever,user_exit_status timeout=1'" \
		--check qr-check "$(PYTHON) tests/harness/qr_check.py" \
		--check uart-bios "$(PYTHON) tests/harness/uart_check.py qemu-bios" \
		--check uart-uefi "$(PYTHON) tests/harness/uart_check.py qemu-uefi" \
		--check efivars-summary "$(PYTHON) tests/harness/efivars_check.py --part summary" \
		--check efivars-reset "$(PYTHON) tests/harness/efivars_check.py --part reset" \
		--light host-py "$(PYTHON) -m unittest discover -s tests/host -p 'test_*.py'"

bench-boot:
	scripts/deps.sh $(sort $(call deps_for,qemu-kernel qemu-bios qemu-uefi bochs))
	$(MAKE) all
	$(HARNESS) bench-boot

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

# Injects one bug at a time and checks that the tests catch it (QEMU, ~5 min).
check-mutants:
	scripts/deps.sh build qemu
	$(MAKE) all
	$(PYTHON) tools/mutants.py

# Writes the ISO raw to a whole USB stick; scripts/usb-write.sh refuses
# partitions, mounted or system disks and, without FORCE=1, anything over
# 64 GiB, and asks before writing (CONFIRM=1 skips the question).  CMDLINE
# bakes a kernel command line into a variant image, e.g. CMDLINE=efivars=off.
USB_ISO = $(if $(CMDLINE),$(B)/usb-cmdline.iso,$(B)/cetbed.iso)

usb:
	@test -n "$(DEV)" || { echo "usage: make usb DEV=/dev/sdX [CMDLINE='...'] [FORCE=1] [CONFIRM=1]" >&2; exit 2; }
	$(MAKE) all
	$(if $(CMDLINE),iso/mkiso.sh $(B)/kernel-boot.elf $(USB_ISO) '$(CMDLINE)')
	FORCE='$(FORCE)' CONFIRM='$(CONFIRM)' scripts/usb-write.sh '$(DEV)' $(USB_ISO)

list-platforms:
	@echo $(PLATFORMS)

clean:
	rm -rf $(addprefix $(B)/,boot kernel mm cet tests user include host kernel.elf cetbed.iso linker.ld asm-offsets.s usb-cmdline.iso)

# Only our own dependency files: build/ also holds the Debian 13 root.
-include $(KERNEL_OBJ:.o=.d) $(USER_LIB:.o=.d) $(USER_ELF:.elf=.d) $(USER_ELF:.elf=_probes.d)

# Flags live here: a changed Makefile rebuilds everything.
$(KERNEL_OBJ) $(ASM_OFFSETS) $(USER_LIB) $(USER_ELF): Makefile
