// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate.h - where a GnuTLS build hands out its secrets, and where its
 * session keeps what the probes read, found from the code alone
 * (docs/gnutls.md).
 *
 * Debian's libgnutls exports its API and nothing else: the function that
 * sees every secret, _gnutls_call_keylog_func(session, label, secret,
 * size), is internal, and the session's layout moves between releases
 * (3.8.11 moved every internals field by 0x60).  So nothing here is a
 * table: each fact is read from small exported accessors whose code is
 * one or two instructions (gnutls_session_get_random is `lea rax,
 * [rdi+0x50]`), and the probe point is the one function that loads the
 * key-log callback from the session and calls it, confirmed by the
 * callers that pass it the "CLIENT_RANDOM" and the early-secret labels.
 * Any step that does not match refuses the build: no guess, no keys.
 * x86-64 only. */
#ifndef TLSDUMP_GNUTLS_LOCATE_H
#define TLSDUMP_GNUTLS_LOCATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfsym;

struct gnutls_layout {
	char version[32];        /* "3.7.9" (gnutls_check_version); "" */
	/* _gnutls_call_keylog_func: its address and the file offset of
	 * its entry probe (after a cheap prologue when there is one) */
	uint64_t keylog_vaddr;
	uint64_t keylog_probe;
	/* gnutls_handshake's entry (after endbr64): its uretprobe reads the
	 * TLS 1.2 master secret of a resumed session, which never goes
	 * through the key-log function */
	uint64_t handshake;
	/* label sites where that function was inlined (libgnutls.a built
	 * without -fPIC: kx.c's CLIENT_RANDOM): those secrets skip the
	 * probe; TLS 1.2's comes from gnutls_handshake's return instead */
	unsigned inlined;
	/* offsets into gnutls_session_t */
	uint32_t keylog_func;    /* internals.keylog_func (the check) */
	uint32_t client_random;  /* security_parameters.client_random[32] */
	uint32_t master_secret;  /* security_parameters.master_secret[48] */
	uint32_t pversion;       /* security_parameters.pversion (pointer) */
	uint32_t pversion_id;    /* ->id (int) within it */
	uint32_t hs_done;        /* internals.initial_negotiation_completed
				  * (gnutls_handshake's first test), 0: not
				  * found */
};

/* The GnuTLS of the ELF file at path.  0 and *l; -ENODATA: not GnuTLS
 * (no gnutls_handshake or key-log accessors, no GnuTLS text); -EPROTO:
 * GnuTLS whose code does not match, or without symbols (why says which
 * step: refuse it); -ENOEXEC not an ELF
 * for this machine; other -errno when it cannot be read. */
int gnutls_locate(const char *path, struct gnutls_layout *l, char *why,
		  size_t wlen);
/* The same on an open file. */
int gnutls_locate_elf(struct elfsym *e, struct gnutls_layout *l, char *why,
		      size_t wlen);

/* The version text gnutls_check_version returns ("3.7.9"), read from
 * its code; "" when not found. */
void gnutls_code_version(struct elfsym *e, char *version, size_t vlen);

/* GnuTLS's version from its debug-log text in read-only data: 0 (the
 * version left empty if it does not fit), or -ENOENT (not GnuTLS, or
 * not a build we know the text of). */
int gnutls_marker(struct elfsym *e, char *version, size_t vlen);

/* Has the file a .symtab? */
bool gnutls_has_symtab(struct elfsym *e);

#endif
