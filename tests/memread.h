// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* memread.h - for tests only (tests/unit, tests/fuzz): bytes in memory
 * read through a gopcln_read_fn (binary/gopclntab.h), as the product
 * reads a table from its file.  A read past the end is -ERANGE. */
#ifndef TLSDUMP_TESTS_MEMREAD_H
#define TLSDUMP_TESTS_MEMREAD_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mem {
	const uint8_t *b;
	size_t n;
};

static inline int mem_read(void *ctx, uint64_t off, void *buf, size_t n)
{
	const struct mem *m = ctx;

	if (off > m->n || n > m->n - off)
		return -ERANGE;
	memcpy(buf, m->b + off, n);
	return 0;
}

#endif
