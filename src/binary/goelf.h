// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* goelf.h - a Go executable as tlsdump needs it: is crypto/tls in it,
 * where is `crypto/tls.(*Config).writeKeyLog` (through pclntab, so
 * stripped binaries work), where to probe it, which calling convention it
 * uses, and the Go version (from buildinfo).
 *
 * The file is untrusted: every failure is a -errno and a reason, never a
 * crash (tests/fuzz/fuzz_goelf.c).  x86-64 only. */
#ifndef TLSDUMP_GOELF_H
#define TLSDUMP_GOELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary/goprologue.h"

#define GOELF_FUNC "crypto/tls.(*Config).writeKeyLog"
#define GOELF_VERSION_MAX 128 /* version strings of 71 bytes were seen */

/* Signatures of writeKeyLog (the ABI byte of the probe's cookie). */
enum goelf_sig {
	GOSIG_LABEL = 1, /* Go 1.12+: (label string, clientRandom, secret []byte) */
	GOSIG_OLD = 2,   /* Go 1.8-1.11: (clientRandom, masterSecret []byte) */
};

struct goelf_info {
	char version[GOELF_VERSION_MAX]; /* "go1.19.8"; "" when no buildinfo */
	uint32_t pcln_magic;
	uint8_t abi;          /* enum goprologue_abi */
	uint8_t sig;          /* enum goelf_sig */
	bool pie;             /* ET_DYN */
	uint64_t func_vaddr;  /* writeKeyLog's entry (link-time address) */
	uint64_t probe_vaddr; /* its stack check's JBE */
	uint64_t probe_offset; /* the same as a file offset: for the uprobe */
};

struct elfsym;

/* ---- a Go binary, opened once for several lookups ---- */
struct gofile;

#define GOFILE_MAX_RETS 64

/* A function's entry and where to probe it (its stack check's JBE). */
struct gofile_site {
	uint64_t entry;        /* link-time address */
	uint64_t probe_vaddr;
	uint64_t probe_offset; /* file offset: for the uprobe */
	uint32_t args;         /* stack-ABI bytes of arguments and results */
	uint8_t abi;           /* enum goprologue_abi */
};

/* e stays the caller's (open while g is used).  0, -ENOEXEC (not x86-64),
 * -ENOENT (no pclntab: not Go), -EPROTO; why says it. */
int gofile_open(struct elfsym *e, struct gofile **out, char *why,
		size_t why_len);
void gofile_close(struct gofile *g);
uint32_t gofile_pcln_magic(const struct gofile *g);
/* 0, -ENODATA (no such function), -EPROTO (unknown prologue). */
int gofile_site(struct gofile *g, const char *name, struct gofile_site *site,
		char *why, size_t why_len);
/* File offsets of the RET instructions of name (from its pcsp table:
 * where the stack-pointer delta is back to 0 on a 0xc3 byte), at most
 * max.  Count > 0, -ENODATA, -EPROTO. */
int gofile_rets(struct gofile *g, const char *name, uint64_t *offsets,
		int max, char *why, size_t why_len);

/* 0; or -ENOEXEC (not an x86-64 ELF), -ENOENT (no Go function table: not
 * Go), -ENODATA (Go, but no crypto/tls key-log function), -EPROTO (the
 * function's prologue or arguments are not what we know), other -errno.
 * why gets a sentence for the user in every failing case. */
int goelf_inspect(struct elfsym *e, struct goelf_info *gi, char *why,
		  size_t why_len);
/* Same on a path. */
int goelf_inspect_path(const char *path, struct goelf_info *gi, char *why,
		       size_t why_len);

/* Parses a buildinfo blob (from its "\xff Go buildinf:" magic; len bytes
 * available) whose version is inline (Go 1.18+).  Returns the version's
 * length copied into out (NUL-terminated), 0 when the blob uses the older
 * pointer form, -EINVAL when malformed. */
int goelf_buildinfo_inline(const uint8_t *b, size_t len, char *out,
			   size_t out_len);

#endif
