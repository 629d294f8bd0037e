// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gopclntab.h - Go's function table (pclntab): find a function's entry
 * by name in a Go binary, stripped or not (the runtime needs pclntab, so
 * `-s -w` keeps it).  A pure parser of bytes: the ELF side (goelf.c)
 * finds the table and gives it here.  Every read is bounds-checked: the
 * bytes come from files we do not trust.
 *
 * Layouts (little-endian, 8-byte pointers; Go's src/debug/gosym/pclntab.go
 * and runtime/symtab.go):
 *   magic u32 | 0 0 | quantum u8 | ptrsize u8 | header words (ptrsize each)
 *   0xfffffffb  Go 1.2-1.15:  nfunc; the function table follows at once;
 *               entries {uintptr entry, uintptr funcoff}, offsets and
 *               names relative to the table's start.
 *   0xfffffffa  Go 1.16-1.17: nfunc nfiles funcnameOff cuOff filetabOff
 *               pctabOff pclnOff; entries {uintptr entry, uintptr funcoff}
 *               at pclnOff, funcoff relative to pclnOff, names relative
 *               to funcnameOff.
 *   0xfffffff0  Go 1.18-1.19, 0xfffffff1 Go 1.20+: nfunc nfiles textStart
 *               funcnameOff cuOff filetabOff pctabOff pclnOff; entries
 *               {u32 entryoff, u32 funcoff}; entry = textStart + entryoff.
 * A func record starts with the entry (uintptr; u32 offset in 1.18+) and
 * then i32 nameoff and i32 args. */
#ifndef TLSDUMP_GOPCLNTAB_H
#define TLSDUMP_GOPCLNTAB_H

#include <stddef.h>
#include <stdint.h>

#define GOPCLN_MAGIC_12  0xfffffffbu
#define GOPCLN_MAGIC_116 0xfffffffau
#define GOPCLN_MAGIC_118 0xfffffff0u
#define GOPCLN_MAGIC_120 0xfffffff1u

/* Reads n bytes at offset off of the table into buf: 0, or -errno. */
typedef int (*gopcln_read_fn)(void *ctx, uint64_t off, void *buf, size_t n);

struct gopcln_win;

struct gopcln {
	gopcln_read_fn read;  /* the table's bytes, read through a few */
	void *ctx;            /* windows: memory stays small whatever the */
	struct gopcln_win *win; /* table's size (tens of MiB in big programs) */
	uint64_t len;         /* bytes from the table's start to the end of
			       * what we may read */
	uint32_t magic;
	unsigned int ptrsize; /* 8 (4 is refused: we probe x86-64 only) */
	uint64_t nfunc;
	uint64_t text_start;  /* 1.18+: the header's textStart */
	uint64_t functab;     /* offset of the function table */
	uint64_t funcdata;    /* funcoff is relative to this */
	uint64_t funcnames;   /* nameoff is relative to this */
	uint64_t pctab;       /* pcsp offsets are relative to this */
	unsigned int quantum; /* instruction size unit (1 on x86) */
};

struct gopcln_func {
	uint64_t entry; /* address (link-time virtual address) */
	uint64_t end;   /* the next function's entry */
	uint32_t args;  /* bytes of arguments and results (stack ABI frame) */
	uint64_t rec;   /* internal: offset of the func record */
};

/* Checks the header of the table that read(ctx, ...) gives (len bytes
 * may be read) and fills p.  0, -ENOMEM, or -EINVAL when it does not
 * start a plausible table (wrong magic, pointer size, offsets outside
 * len, function table not ascending at its ends, unreadable).  p is
 * released with gopcln_free, also after a failure. */
int gopcln_init(struct gopcln *p, gopcln_read_fn read, void *ctx,
		uint64_t len);
void gopcln_free(struct gopcln *p);

/* 1.18+: the text start to add to entry offsets (the header's value may
 * be unrelocated in some binaries; goelf.c decides). */
void gopcln_set_text_start(struct gopcln *p, uint64_t text_start);

/* Finds the function named name.  0, -ENOENT, or -EINVAL on a record
 * that points outside the table. */
int gopcln_find(const struct gopcln *p, const char *name,
		struct gopcln_func *out);

/* Where fn's stack-pointer delta (its pcsp table) returns to 0 after the
 * entry: the starts of those ranges, ascending, at most max of them.  In
 * Go's code these are the instructions right after an epilogue's
 * `pop %rbp`: a RET (or a tail jump; the caller checks the byte).  Count,
 * or -EINVAL on a table that runs outside the bytes or past the function. */
int gopcln_sp_zero_starts(const struct gopcln *p, const struct gopcln_func *fn,
			  uint64_t *out, int max);

/* "1.2-1.15", "1.16-1.17", "1.18-1.19", "1.20+" */
const char *gopcln_version_name(uint32_t magic);

#endif
