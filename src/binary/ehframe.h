// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ehframe.h - where functions start and end in a file without symbols.
 *
 * A stripped executable keeps .eh_frame: it is loaded, the unwinder
 * needs it, and `strip` leaves it.  Each FDE names one function's code
 * range (pc_begin, pc_range), so an address inside a function leads to
 * its first byte: what a uprobe needs.  A static executable has no
 * .eh_frame_hdr (gcc asks the linker for one only when linking
 * dynamically), so the records are walked once and sorted.
 *
 * The file is untrusted: every record is checked against the section,
 * the walk is bounded, a record that does not parse ends the walk with
 * what was found before it. */
#ifndef TLSDUMP_EHFRAME_H
#define TLSDUMP_EHFRAME_H

#include <stddef.h>
#include <stdint.h>

struct elfsym;

struct ehframe_func {
	uint64_t start; /* vaddr of the first byte */
	uint64_t size;  /* bytes of code */
};

struct ehframe {
	struct ehframe_func *f; /* sorted by start */
	size_t n;
};

/* The functions .eh_frame describes.  0, -ENOENT (no .eh_frame, or no
 * FDE in it), -ENOMEM, -errno of a read. */
int ehframe_load(struct elfsym *e, struct ehframe *out);
void ehframe_free(struct ehframe *t);

/* The function whose code holds vaddr, or NULL. */
const struct ehframe_func *ehframe_func_at(const struct ehframe *t,
					   uint64_t vaddr);

/* Test support: the same on the section's bytes (sec at vaddr). */
int ehframe_parse(const uint8_t *sec, size_t len, uint64_t vaddr,
		  struct ehframe *out);

#endif
