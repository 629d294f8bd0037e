# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump - build, test, deps.  Everything generated goes under $(BUILD).
#   make            build/tlsdump
#   make deps       install missing Debian packages (tools/deps.sh)
#   make test       all tiers: unit (no root), bpf and e2e (root)
#   make test-unit | test-bpf | test-e2e
#   make SAN=1      AddressSanitizer + UBSan build in build/san
#   make demo       capture some local traffic and read it back with tshark
#   make install    the program, tlsdump(8), the bash completion and a link
#                   in Wireshark's global extcap folder (PREFIX, DESTDIR,
#                   EXTCAPDIR); make uninstall removes them
#   make fixtures   OpenSSL 1.1.1 and 3.5, GnuTLS 3.8 (trixie, sid),
#                   static GnuTLS and OpenSSL programs for the tests
#                   (tools/fixtures/openssl.sh, tools/fixtures/gnutls.sh,
#                   tools/fixtures/gnutls-static.sh,
#                   tools/fixtures/openssl-static.sh; the tests call them
#                   themselves, minutes the first time)
VERSION := 0.1.0
SAN ?=
BUILD ?= $(if $(SAN),build/san,build)

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow \
	-D_GNU_SOURCE -DTLSDUMP_VERSION='"$(VERSION)"' \
	-Isrc -I$(BUILD)
ifneq ($(SAN),)
CC := clang
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
LDLIBS := -lbpf -lpcap -lelf -lz -lcrypto

SRC_ALL := $(shell find src -name '*.c' -o -name '*.h')
BPF_SRCS := $(filter %.bpf.c,$(SRC_ALL))
BPF_OBJS := $(patsubst src/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst src/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
LIB_SRCS := $(filter-out src/main.c %.bpf.c %.h,$(SRC_ALL))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(wildcard tests/bpf/test_*.c))

.SECONDARY:
.PHONY: all deps test test-unit test-bpf test-e2e clean demo bench fixtures san bench-soak bench-idle bench-hits
all: $(BUILD)/tlsdump

deps:
	tools/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: src/%.bpf.c $(BUILD)/vmlinux.h $(filter %.h,$(SRC_ALL))
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Isrc \
		-c $< -o $@
	llvm-strip -g $@ 2>/dev/null || true

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< name $(notdir $(basename $(basename $<)))_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(SKELS) $(filter %.h,$(SRC_ALL))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libtlsdump.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tlsdump: $(BUILD)/obj/main.o $(BUILD)/libtlsdump.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The test build: the same program with its test hooks compiled in
# (TLSDUMP_TEST_HOOKS; see tests/e2e/test_tls_verify.sh).  The hooked
# object comes first, so the archive's plain copy is not linked.
HOOKED := sources/openssl/source sources/keyfn/stack sources/nss/source \
	run/session_gate run/session_sources proc/privdrop
$(BUILD)/obj/%.hooks.o: src/%.c $(SKELS) $(filter %.h,$(SRC_ALL))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DTLSDUMP_TEST_HOOKS -c $< -o $@

$(BUILD)/tlsdump-test: $(BUILD)/obj/main.o $(patsubst %,$(BUILD)/obj/%.hooks.o,$(HOOKED)) $(BUILD)/libtlsdump.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtlsdump.a tests/unit/testlib.h tests/unit/keyslib.h tests/memread.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libtlsdump.a $(LDLIBS)

$(BUILD)/tests/%: tests/bpf/%.c $(BUILD)/libtlsdump.a tests/unit/testlib.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libtlsdump.a $(LDLIBS)

FUZZ_SEEDS := build/fuzz/corpus/elfsym/seed.so build/fuzz/corpus/maps/self \
	build/fuzz/corpus/goelf/stripped build/fuzz/corpus/procfs/self \
	build/fuzz/corpus/osslstatic/seed

# Every tier: unit, bpf, e2e, then each fuzz target for FUZZ_CI_SECS and
# the TLS e2e tests again against the ASan/UBSan build (tests/run).
FUZZ_CI_SECS ?= 30
test: all $(BUILD)/tlsdump-test $(UNIT_TESTS) $(BPF_TESTS) fuzz $(FUZZ_SEEDS) san
	@# the unit test of static OpenSSL reads its fixture (~10 s once)
	tools/fixtures/openssl-static.sh >/dev/null
	FUZZ_SECS=$(FUZZ_CI_SECS) tests/run all $(BUILD)

san:
	$(MAKE) SAN=1 all build/san/tlsdump-test

test-unit: all $(UNIT_TESTS)
	tests/run unit $(BUILD)

test-bpf: all $(BPF_TESTS)
	tests/run bpf $(BUILD)

test-e2e: all $(BUILD)/tlsdump-test
	tests/run e2e $(BUILD)

demo: all
	tools/demo.sh

fixtures:
	tools/fixtures/openssl.sh 1.1.1
	tools/fixtures/openssl.sh 3.5
	tools/fixtures/gnutls.sh 3.8
	tools/fixtures/gnutls.sh 3.8-sid
	tools/fixtures/gnutls-static.sh
	tools/fixtures/openssl-static.sh

bench: all
	bench/capture.sh
bench-tls: all ; bench/tls.sh
bench-chromium: all ; bench/chromium.sh
bench-execs: all ; bench/execs.sh
bench-soak: all ; bench/soak.sh
bench-idle: all ; bench/idle.sh
# what one uprobe hit costs here, by the instruction under it (root)
bench-hits: $(BUILD)/uprobe_hit ; $(BUILD)/uprobe_hit
$(BUILD)/uprobe_hit: bench/uprobe_hit.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -o $@ $<

clean:
	rm -rf build

# ---- install: PREFIX (default /usr/local) and DESTDIR ------------------
# Wireshark reads its global extcap folder at a path built into it, not
# under PREFIX: Debian's is /usr/lib/<multiarch>/wireshark/extcap
# (wireshark-common).  EXTCAPDIR= (empty) installs no link.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || echo $(shell uname -m)-linux-gnu)
EXTCAPDIR ?= /usr/lib/$(MULTIARCH)/wireshark/extcap

.PHONY: install uninstall
install: $(BUILD)/tlsdump
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/tlsdump $(DESTDIR)$(SBINDIR)/tlsdump
	install -m 0644 docs/tlsdump.8 $(DESTDIR)$(MANDIR)/man8/tlsdump.8
	install -m 0644 tools/completion/tlsdump $(DESTDIR)$(BASHCOMPDIR)/tlsdump
	$(if $(EXTCAPDIR),install -d $(DESTDIR)$(EXTCAPDIR) && \
		ln -sfn $(SBINDIR)/tlsdump $(DESTDIR)$(EXTCAPDIR)/tlsdump)

# The extcap link goes only when it is ours (points at this SBINDIR).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tlsdump $(DESTDIR)$(MANDIR)/man8/tlsdump.8 \
		$(DESTDIR)$(BASHCOMPDIR)/tlsdump
	$(if $(EXTCAPDIR),if [ "$$(readlink $(DESTDIR)$(EXTCAPDIR)/tlsdump)" = $(SBINDIR)/tlsdump ]; then \
		rm -f $(DESTDIR)$(EXTCAPDIR)/tlsdump; fi)

# ---- fuzzing: libFuzzer targets tests/fuzz/fuzz_NAME.c (clang) ----------
#   make fuzz       build build/fuzz/fuzz_* (ASan + UBSan + libFuzzer)
#   make fuzz-run   run each for FUZZ_SECS seconds on build/fuzz/corpus/NAME
# A target links only the sources it names in FUZZ_SRCS_NAME.
FUZZ_SECS ?= 20
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Isrc \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS_elfsym := src/binary/elfsym.c src/binary/prologue.c
FUZZ_SRCS_maps := src/binary/targets.c src/binary/elfsym.c src/binary/osslstatic.c \
	src/binary/ehframe.c src/binary/xref.c src/binary/procsnap.c
FUZZ_SRCS_osslstatic := src/binary/osslstatic.c src/binary/ehframe.c src/binary/xref.c \
	src/binary/elfsym.c
FUZZ_SRCS_text := src/out/text.c src/proc/comment.c src/proc/cgname.c
FUZZ_SRCS_filter := src/packets/filter.c
FUZZ_SRCS_pcapng := src/out/pcapng.c src/out/keytext.c src/crypto/keylabel.c
FUZZ_LIBS_pcapng := -lpcap
FUZZ_LIBS_filter := -lpcap -lbpf
FUZZ_SRCS_goelf := src/binary/goelf.c src/binary/gopclntab.c src/binary/goprologue.c \
	src/binary/elfsym.c
FUZZ_SRCS_procfs := src/proc/procfs.c
FUZZ_SRCS_verify := src/crypto/verify.c src/crypto/rehello.c src/crypto/cbc.c src/crypto/ciphers.c src/crypto/keys.c \
	src/crypto/keyset.c src/crypto/hello.c src/crypto/keylabel.c src/join/streams.c
FUZZ_LIBS_verify := -lcrypto
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz fuzz-run
fuzz: $(FUZZ_BINS)

.SECONDEXPANSION:
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) $(filter %.h,$(SRC_ALL)) tests/memread.h
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*) -lelf $(FUZZ_LIBS_$*)

build/fuzz/corpus/elfsym/seed.so: tests/fuzz/seed_elf.c
	@mkdir -p $(@D)
	$(CC) -O1 -shared -fPIC -nostdlib -o $@ $<

build/fuzz/corpus/osslstatic/seed: tests/fuzz/seed_osslstatic.c
	@mkdir -p $(@D)
	$(CC) -O1 -static -nostdlib -fasynchronous-unwind-tables -o $@ $<

build/fuzz/corpus/goelf/stripped: tools/fixtures/go.sh tests/e2e/go/gohttps.go
	@mkdir -p $(@D)
	cp "$$(tools/fixtures/go.sh)/stripped" $@

build/fuzz/corpus/maps/self:
	@mkdir -p $(@D)
	cat /proc/self/maps > $@

build/fuzz/corpus/procfs/self:
	@mkdir -p $(@D)
	cat /proc/self/status > $@

fuzz-run: fuzz $(FUZZ_SEEDS)
	@for f in $(FUZZ_BINS); do n=$${f##*/fuzz_}; mkdir -p build/fuzz/corpus/$$n; \
		echo "== $$f ($(FUZZ_SECS) s)"; \
		$$f -max_total_time=$(FUZZ_SECS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/ build/fuzz/corpus/$$n \
			|| exit 1; done
