// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* osslstatic.h - OpenSSL linked into an executable that lacks what a
 * shared libssl always has: its symbols (a stripped program) and its
 * version text (the linker keeps OpenSSL_version()'s text only when the
 * program calls it; a plain `gcc -static` client has none).
 *
 * Both come from the code instead (docs/openssl.md, "Static builds"):
 * - OpenSSL's error calls pass __func__, so the names "SSL_do_handshake",
 *   "ssl_read_internal", ... sit in .rodata and the function that raises
 *   the error loads their address: each such load lies inside the
 *   function to probe, whose first byte .eh_frame gives
 *   (binary/ehframe.h).
 * - A provider's get_params hands out its name ("OpenSSL Default
 *   Provider") and OPENSSL_VERSION_STR ("3.0.22") side by side, and
 *   every TLS program links the default provider in.
 * The file is untrusted: bounded work, checked reads. */
#ifndef TLSDUMP_OSSLSTATIC_H
#define TLSDUMP_OSSLSTATIC_H

#include <stddef.h>
#include <stdint.h>

struct elfsym;

/* Whether the read-only data holds the names OpenSSL's libssl passes
 * with its errors (SSL_do_handshake's and ssl_write_internal's) and the
 * source file name it passes with them (".../ssl/ssl_lib.c"; a build
 * with OPENSSL_NO_FILENAMES is not recognised), in a file that does not
 * load a shared libssl or libcrypto: 1, 0, or -errno.  One pass over
 * .rodata for most files (the first name is missing), three for
 * OpenSSL. */
int osslstatic_is(struct elfsym *e);

/* The version the providers report ("3.0.22", a "+suffix" kept).  0,
 * -ENOENT (no provider, or none hands out a version), -ENOSPC. */
int osslstatic_version(struct elfsym *e, char *buf, size_t len);

/* What a probe does there (sources/openssl/openssl.c maps it to its
 * probe set). */
enum osslstatic_role {
	OSR_HANDSHAKE, /* SSL_do_handshake: entry and return */
	OSR_READ,      /* ssl_read_internal (SSL_read and SSL_read_ex) */
	OSR_WRITE,     /* ssl_write_internal (SSL_write and SSL_write_ex) */
	OSR_SHUTDOWN,  /* SSL_shutdown */
	OSR_N
};

/* Functions per role: more than this many loads of one name in
 * different functions means it was inlined widely; not trusted. */
#define OSSLSTATIC_MAX_FUNCS 4

struct osslstatic_func {
	uint64_t vaddr; /* first byte */
	uint64_t size;  /* from its FDE */
};

struct osslstatic_sites {
	struct osslstatic_func f[OSR_N][OSSLSTATIC_MAX_FUNCS];
	unsigned n[OSR_N];
	const char *name[OSR_N]; /* the __func__ name each was found by */
};

/* The functions to probe, every first argument an SSL *.  0 with at
 * least the handshake found; -ENODATA (no OpenSSL names loaded in
 * .text), -ENOENT (no .eh_frame), -errno. */
int osslstatic_sites(struct elfsym *e, struct osslstatic_sites *s);

/* Test support: whether s[0..len) begins with a version string
 * ("3.0.22", "1.1.1w", "3.5.0-dev") ended by a NUL: its length or 0. */
size_t osslstatic_parse_version(const char *s, size_t len);

#endif
