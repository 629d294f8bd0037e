// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ripstores.h - which constants a straight-line piece of x86-64 code
 * stores at fixed (rip-relative) addresses.
 *
 * A library that fills a table of function pointers at run time (NSS's
 * ssl_SetupIOMethods copying its methods into a static PRIOMethods)
 * leaves no table in the file: the compiler turns each assignment into
 * `lea fn(%rip),%reg` and a store, gcc even pairs two pointers in an SSE
 * register (movq, punpcklqdq, movups).  ripstores_trace() follows the
 * few instructions such code is made of, from a given point to the first
 * `ret`, keeping what each register holds (an address loaded with `lea`
 * or unknown), and lists every store to a rip-relative address with the
 * value stored when it is known.
 *
 * Not a disassembler: instructions outside its small set stop it with
 * -EPROTO (never a guessed length), and so does any branch, so what it
 * reports is exact for the path it walked.  The caller checks that the
 * result makes sense (the file is untrusted). */
#ifndef TLSDUMP_RIPSTORES_H
#define TLSDUMP_RIPSTORES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ripstore {
	uint64_t addr;   /* vaddr written */
	uint64_t value;  /* an address (from lea) or an immediate */
	uint8_t size;    /* bytes written: 4 or 8 */
	bool known;      /* value is meaningful */
};

/* code[0..len) is the code at vaddr; up to cap stores go to out[].
 * Returns how many stores were seen (0..cap; later ones are dropped),
 * -EPROTO when an instruction outside the set or a branch comes before
 * a `ret`, -ENOSPC when the code ends first. */
int ripstores_trace(const uint8_t *code, size_t len, uint64_t vaddr,
		    struct ripstore *out, unsigned cap);

#endif
