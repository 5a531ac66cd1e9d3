# uvmrun build.
#   make          build everything (installs missing Debian build packages when root)
#   make test     run every test: unit tests under ASan+UBSan, then the end-to-end
#                 tests through the KVM harness; ends with "N passed, N failed"
#   make bench    print benchmark figures
#   make demo     run a container in its own utility VM (examples/demo.sh)
#   make clean

CC       ?= gcc
BUILD    := build
WARN     := -Wall -Wextra -Werror
CFLAGS_COMMON := -std=gnu11 -D_GNU_SOURCE $(WARN) -g -MMD -MP
CFLAGS   := $(CFLAGS_COMMON) -O2
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS   := -lpthread -lz -ljansson -laio

# Debian packages: to build, and what the tests use as equipment.
BUILD_PKGS := gcc make libc6-dev libfdt-dev zlib1g-dev libjansson-dev libaio-dev crun kmod e2fsprogs
TEST_PKGS  := busybox-static kmod e2fsprogs qemu-utils clang libclang-rt-14-dev

LIB_SRCS := $(filter-out vmm/main.c,$(wildcard vmm/*.c)) $(wildcard boot/*.c) \
            $(wildcard devices/*.c) $(filter-out hcs-api/uvmrun.c,$(wildcard hcs-api/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
SAN_OBJS := $(LIB_SRCS:%.c=$(BUILD)/san/%.o)

UNIT_SRCS  := $(wildcard tests/unit/test-*.c)
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOLS      := $(BUILD)/tests/mkcpio $(BUILD)/tests/kvm-probe $(BUILD)/tests/boot-bench \
              $(BUILD)/tests/blkbench $(BUILD)/tests/vsock-tool $(BUILD)/tests/fsbench \
              $(BUILD)/tests/gcs-e2e $(BUILD)/tests/virtio-chaos

PROGRAMS := $(BUILD)/uvmrun $(BUILD)/uvmrun-vmm

.PHONY: all deps test unit e2e bench demo fuzz clean
.SECONDARY:
all: $(BUILD)/.deps $(PROGRAMS) $(TOOLS) $(UNIT_TESTS)

# Install what is missing (as root), or say which command would.
$(BUILD)/.deps: Makefile
	@mkdir -p $(BUILD)
	@bash tests/lib/install-deps.sh $(BUILD_PKGS) $(TEST_PKGS)
	@touch $@
deps: $(BUILD)/.deps

# `make V=1` shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/libuvm.a: $(LIB_OBJS)
	$(Q)ar rcs $@ $^
$(BUILD)/libuvm-san.a: $(SAN_OBJS)
	$(Q)ar rcs $@ $^

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/san/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC-SAN  $<")
	$(Q)$(CC) $(CFLAGS_COMMON) -O1 $(SANFLAGS) -c $< -o $@

$(BUILD)/uvmrun: $(BUILD)/obj/hcs-api/uvmrun.o $(BUILD)/libuvm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/uvmrun-vmm: $(BUILD)/obj/vmm/main.o $(BUILD)/libuvm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the sanitized library.
$(BUILD)/tests/test-%: $(BUILD)/san/tests/unit/test-%.o $(BUILD)/libuvm-san.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_COMMON) $(SANFLAGS) -o $@ $^ $(LDLIBS)
# Static: these also run inside the test guest, which has no C library.
$(BUILD)/tests/blkbench $(BUILD)/tests/vsock-tool $(BUILD)/tests/fsbench $(BUILD)/tests/virtio-chaos: $(BUILD)/tests/%: tests/tools/%.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -static -o $@ $<
$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libuvm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The guest agent: a static program for the utility VM, not part of LIB_SRCS.
# Its unit tests (test-gcs-*) also link its objects, all but main.c, and run it.
AGENT_SRCS     := $(wildcard guest-agent/*.c)
AGENT_SAN_OBJS := $(patsubst %.c,$(BUILD)/san/%.o,$(filter-out guest-agent/main.c,$(AGENT_SRCS)))
GCS_TESTS      := $(filter $(BUILD)/tests/test-gcs-%,$(UNIT_TESTS))
all: $(BUILD)/guest-agent/uvm-agent
$(BUILD)/guest-agent/uvm-agent: $(AGENT_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/vmm/error.o $(BUILD)/obj/vmm/fileio.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -static -o $@ $^ -ljansson
$(GCS_TESTS): $(BUILD)/tests/%: $(BUILD)/san/tests/unit/%.o $(AGENT_SAN_OBJS) $(BUILD)/libuvm-san.a \
              | $(BUILD)/guest-agent/uvm-agent
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_COMMON) $(SANFLAGS) -o $@ $^ $(LDLIBS)

# The VMM built with ASan+UBSan: the end-to-end tests run with it.
all: $(BUILD)/san/uvmrun
$(BUILD)/san/uvmrun: $(BUILD)/san/hcs-api/uvmrun.o $(BUILD)/libuvm-san.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_COMMON) $(SANFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets (libFuzzer, clang): each tests/fuzz/fuzz-NAME.c against the
# library built with clang's sanitizers. `make fuzz` runs each for
# FUZZ_SECONDS (default 60) from the seeds in tests/fuzz/corpus/NAME.
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FZ_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/fz/%.o)
FZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -g -O1 -fno-omit-frame-pointer
$(BUILD)/fz/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC-FUZZ $<")
	$(Q)clang $(FZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FZ_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-FUZZ $@")
	$(Q)clang $(FZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
# The agent's protocol decoder: its frame reader and request parsers.
AGENT_FZ_OBJS := $(patsubst %.c,$(BUILD)/fz/%.o,guest-agent/protocol.c guest-agent/request-parse.c \
                 guest-agent/storage-request.c)
$(BUILD)/fuzz/fuzz-gcs-frames: $(AGENT_FZ_OBJS)
fuzz: $(FUZZ_BINS)
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

# tests/run.sh builds first, so its summary is the last line printed.
test:
	@bash tests/run.sh

unit:
	@bash tests/run.sh --unit

e2e:
	@bash tests/run.sh --e2e

bench: all
	@bash tests/bench/run.sh

demo: all
	@bash examples/demo.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
