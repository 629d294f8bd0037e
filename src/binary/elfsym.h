// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* elfsym.h - the few things tlsdump needs from an ELF file: function
 * symbols (by name, .dynsym then .symtab), the file offset a uprobe takes,
 * a function's first bytes, and the OpenSSL version string.
 *
 * The file is untrusted (any process's library or executable, possibly a
 * container's): every offset and size is checked against the file, and a
 * malformed file yields -errno, never a crash.  Only 64-bit little-endian
 * ELF is accepted (x86-64, arm64).  This is one of the two files that use
 * libelf (docs/architecture.md, "Style"). */
#ifndef TLSDUMP_ELFSYM_H
#define TLSDUMP_ELFSYM_H

#include <stdbool.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>

struct elfsym;

/* Upper bound of elfsym_func_bytes() reads: a prologue is in the first few
 * dozen bytes; a whole function lets prologue_find() look for jumps back. */
#define ELFSYM_FUNC_MAX 4096

struct elfsym_func {
	uint64_t vaddr;       /* st_value */
	uint64_t size;        /* st_size (0 for some hand-written assembly) */
	uint64_t offset;      /* file offset of vaddr: what a uprobe takes */
	bool exported;        /* found in .dynsym (else .symtab) */
};

/* Open a regular file.  0 or -errno: -ENOENT/-EACCES from open(),
 * -EINVAL not a regular file, -ENOEXEC not a 64-bit LE ELF. */
int elfsym_open(const char *path, struct elfsym **out);

/* Test support: the same on an image in memory (unit tests and the
 * fuzz targets); the bytes are copied. */
int elfsym_open_mem(const void *buf, size_t len, struct elfsym **out);

void elfsym_close(struct elfsym *e);

uint16_t elfsym_machine(const struct elfsym *e); /* e_machine (EM_X86_64) */
uint16_t elfsym_type(const struct elfsym *e);    /* e_type (ET_DYN, ...) */

/* Find a defined function symbol.  Versioned .symtab names match on the
 * base name ("SSL_write@@OPENSSL_3.0.0" is SSL_write); a global symbol
 * and the default version win over local ones and hidden versions.
 * 0, -ENOENT not there, -ERANGE its address is in no loaded file part. */
int elfsym_find_func(struct elfsym *e, const char *name,
		     struct elfsym_func *fn);

/* Virtual address -> file offset through the PT_LOAD segment that holds
 * it in the file (off = vaddr - p_vaddr + p_offset).  *avail (optional)
 * gets how many file bytes follow in that segment.  0 or -ENOENT. */
int elfsym_vaddr_to_offset(struct elfsym *e, uint64_t vaddr, uint64_t *off,
			   uint64_t *avail);

/* A part of the file: a section or a PT_LOAD segment. */
struct elfsym_region {
	uint64_t offset;  /* in the file */
	uint64_t size;    /* bytes in the file (checked against its size) */
	uint64_t vaddr;
	uint32_t flags;   /* segments: PF_X | PF_W | PF_R; sections: SHF_* */
};

/* The section called name (SHT_NOBITS sections have no bytes: -ENOENT).
 * 0, -ENOENT. */
int elfsym_section(struct elfsym *e, const char *name,
		   struct elfsym_region *r);
/* The i-th PT_LOAD segment with file bytes, i from 0: 0, or -ENOENT
 * after the last. */
int elfsym_segment(struct elfsym *e, unsigned int i, struct elfsym_region *r);
/* len bytes at file offset off.  0, -ERANGE outside the file, -errno. */
int elfsym_read(struct elfsym *e, uint64_t off, void *buf, size_t len);
/* fstat(2) of the opened file: 0, or -EBADF for an image in memory. */
int elfsym_stat(const struct elfsym *e, struct stat *st);

/* Walks region r's bytes in chunks of up to 4 MiB that overlap by
 * `overlap` bytes, so that a pattern up to that long is seen whole in one
 * chunk (it may be seen twice).  fn gets each chunk and the virtual
 * address of its first byte; it returns 0 to go on, > 0 to stop (the
 * scan's result), < 0 an error.  Memory stays one chunk whatever the
 * file's size.  0 when fn never stopped it, or fn's result, or -errno. */
typedef int (*elfsym_scan_fn)(void *ctx, const uint8_t *b, size_t n,
			      uint64_t vaddr);
int elfsym_scan(struct elfsym *e, const struct elfsym_region *r,
		size_t overlap, elfsym_scan_fn fn, void *ctx);

/* The GNU build id (from the PT_NOTE segments): its length (20 for
 * SHA-1 ids), or -ENOENT. */
#define ELFSYM_BUILD_ID_MAX 64
int elfsym_build_id(struct elfsym *e, uint8_t *id, size_t cap);

/* Copy up to min(fn->size, cap) bytes of the function (cap bytes when
 * st_size is 0), never beyond its segment.  Bytes read or -errno. */
int elfsym_func_bytes(struct elfsym *e, const struct elfsym_func *fn,
		      uint8_t *buf, size_t cap);

/* Up to cap bytes of the file's contents at vaddr, never beyond its
 * segment (*off: their file offset, optional): how many, at least 16, or
 * -ERANGE (not mapped from the file, or fewer than 16 bytes there). */
int elfsym_code_at(struct elfsym *e, uint64_t vaddr, uint8_t *buf, size_t cap,
		   uint64_t *off);

/* A version text's parser: s[0..len) starts right after its tag; the
 * length of the version, or 0 when it is not one. */
typedef size_t (*elfsym_version_parse)(const char *s, size_t len);

/* Search read-only data (sections, or segments when there are none) for
 * tag followed by a version parse accepts, and store that version.  0,
 * -ENOENT, -ENOSPC buffer too small. */
int elfsym_find_version(struct elfsym *e, const char *tag,
			elfsym_version_parse parse, char *buf, size_t len);

/* Search read-only data for OpenSSL's version text ("OpenSSL 3.0.19 27 Jan
 * 2026", "OpenSSL 1.1.1w  11 Sep 2023") and store the version ("3.0.19",
 * "1.1.1w"; a build suffix such as "+quic" is kept): elfsym_find_version
 * with tag "OpenSSL " and elfsym_parse_version.  0, -ENOENT (libssl
 * itself usually lacks it: look in libcrypto), -ENOSPC buffer too small. */
int elfsym_openssl_version(struct elfsym *e, char *buf, size_t len);

/* The parser of that text, exposed for tests: s[0..len) starts right
 * after "OpenSSL ".  Length of the version or 0 when it is not one. */
size_t elfsym_parse_version(const char *s, size_t len);

#endif
