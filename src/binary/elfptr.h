// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* elfptr.h - the value a pointer in a file's data holds once the file is
 * loaded (at base 0), read without running it: function tables such as
 * NSS's FREEBL vector are arrays of such pointers.
 *
 * In a position-independent file a pointer slot is filled by the dynamic
 * linker: an R_X86_64_RELATIVE relocation in .rela.dyn carries the value
 * as its addend (the slot's bytes are 0), or the packed form (.relr.dyn,
 * lld's -z pack-relative-relocs) keeps the value in the slot itself, as
 * a non-PIE file does.  A slot filled through a symbol is not read. */
#ifndef TLSDUMP_ELFPTR_H
#define TLSDUMP_ELFPTR_H

#include <stdint.h>

struct elfsym;

#define ELFPTR_MAX 16 /* slots read in one call */

/* The values of the n (<= ELFPTR_MAX) pointer slots at vaddrs[] into
 * values[].  0, or -ENOENT (a slot outside the file or holding 0),
 * -ENOTSUP (a slot filled through a symbol), -EINVAL, -errno of a read. */
int elfptr_read(struct elfsym *e, const uint64_t *vaddrs, unsigned n,
		uint64_t *values);

#endif
