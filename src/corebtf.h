// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* corebtf.h - the kernel's BTF cut down to what one of our BPF objects
 * can relocate against (CO-RE), so that its load does not parse all of
 * /sys/kernel/btf/vmlinux (5 MiB, 130000 types: 25-60 ms a load).
 *
 * The kernel's BTF is parsed once.  For each object, the cut keeps every
 * struct, union, enum and typedef whose name the object's own BTF holds
 * (a relocation's root type is one of them; "___flavour" suffixes cut)
 * and everything those embed (members, arrays, typedefs, modifiers),
 * whole: field offsets, sizes and existence come out exactly as against
 * the full BTF.  A pointer to a type not kept points to void (CO-RE
 * compares pointer fields by kind only).  The cut goes to libbpf as
 * btf_custom_path, a memfd.  An object with tp_btf programs still has
 * libbpf parse the full BTF for its attach point; its relocations use
 * the cut.  Anything that fails leaves libbpf's default (the full BTF).
 * corebtf_release() ends it: later loads get the default. */
#ifndef TLSDUMP_COREBTF_H
#define TLSDUMP_COREBTF_H

#include <stddef.h>

/* libbpf.h is not included here: it clashes with pcap.h's struct
 * bpf_insn in files that include this one through bpfobj.h. */
struct bpf_object_open_opts;

/* o (LIBBPF_OPTS-initialised) gets btf_custom_path for the object whose
 * ELF is elf (sz bytes), or stays as it is.  Returns o.  Thread-safe. */
const struct bpf_object_open_opts *corebtf_opts(const void *elf, size_t sz,
						struct bpf_object_open_opts *o);
/* After start-up: the parsed kernel BTF and the cuts are freed. */
void corebtf_release(void);

/* NAME##__open() of a skeleton, through corebtf_opts() (where the
 * skeleton, and so libbpf.h, is included). */
#define COREBTF_OPEN(NAME)                                                   \
	({                                                                   \
		LIBBPF_OPTS(bpf_object_open_opts, opts_);                       \
		size_t sz_;                                                   \
		const void *elf_ = NAME##__elf_bytes(&sz_);                     \
		NAME##__open_opts(corebtf_opts(elf_, sz_, &opts_));                \
	})

#endif
