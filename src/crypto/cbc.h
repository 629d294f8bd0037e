// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cbc.h - the check of a TLS 1.2 CBC record (AES-CBC with HMAC-SHA1,
 * -SHA256 or -SHA384; RFC 5246 §6.2.3.2), for crypto/verify.c: whether
 * a side's Finished, the first record after its ChangeCipherSpec
 * (sequence 0), opens with the keys of a key block.  Both orders are
 * tried: MAC-then-encrypt (RFC 5246) and encrypt-then-MAC (RFC 7366,
 * which OpenSSL and GnuTLS negotiate by default); a wrong key passes
 * neither. */
#ifndef TLSDUMP_CBC_H
#define TLSDUMP_CBC_H

#include <stddef.h>
#include <stdint.h>

struct cbc_suite {
	uint8_t key_len; /* AES-128 or AES-256 */
	uint8_t mac_len; /* 20 (SHA-1), 32 (SHA-256), 48 (SHA-384) */
};

/* hdr: the record's 5-byte header; frag: its len bytes (the explicit
 * IV first).  1 it opens, 0 it does not, -EIO. */
int cbc_open(const struct cbc_suite *s, const uint8_t *mac_key,
	     const uint8_t *enc_key, const uint8_t hdr[5], const uint8_t *frag,
	     size_t len);

/* The first bytes of a record's plaintext, no MAC checked (the caller
 * proves them otherwise): frag as above; up to cap bytes (a multiple of
 * 16) into out.  The count (0: too short), or -EIO. */
int cbc_decrypt_prefix(const struct cbc_suite *s, const uint8_t *enc_key,
		       const uint8_t *frag, size_t len, uint8_t *out,
		       size_t cap);

#endif
