// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* tlsrec.h - the TLS record-layer pieces that the key check
 * (crypto/verify.c, which defines them, and ciphers.c) and the reading of a
 * renegotiation's ServerHello (crypto/rehello.c) share: the suites we
 * know, the ciphers fetched once, records as captured, the TLS 1.2 key
 * block, an AEAD open (crypto/cbc.c uses the ciphers too).
 * Internal to crypto/. */
#ifndef TLSDUMP_TLSREC_H
#define TLSDUMP_TLSREC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define TLSREC_TAG_LEN 16
#define TLSREC_CCS 20
#define TLSREC_HANDSHAKE 22
#define TLSREC_APPDATA 23

/* A suite we can check: one row per IANA number. */
struct tlsrec_suite {
	uint16_t id;
	uint8_t tls13;   /* else TLS 1.2 */
	uint8_t key_len; /* 16 or 32 */
	uint8_t iv_len;  /* TLS 1.2 GCM: the 4-byte salt; else 12 */
	uint8_t sha384;  /* the suite's hash (TLS 1.2 PRF) */
	uint8_t chacha;  /* ChaCha20-Poly1305, else AES-GCM */
	uint8_t mac_len; /* TLS 1.2 AES-CBC with HMAC (crypto/cbc.h); 0: AEAD */
};

struct tlsrec {
	uint8_t type;
	const uint8_t *hdr; /* the 5-byte header */
	const uint8_t *frag;
	size_t len;
};

/* The ciphers the checks use. */
enum tlsrec_cipher {
	TLSREC_AES128_GCM, TLSREC_AES256_GCM, TLSREC_CHACHA20_POLY1305,
	TLSREC_AES128_CBC, TLSREC_AES256_CBC, TLSREC_CHACHA20,
	TLSREC_N_CIPHERS
};

/* Cipher c, fetched from libcrypto once (a lookup by name costs more
 * than opening a small record); NULL when libcrypto has none. */
EVP_CIPHER *tlsrec_cipher(enum tlsrec_cipher c);
/* NULL: a suite we do not know. */
const struct tlsrec_suite *tlsrec_find_suite(uint16_t id);
/* The record at *off: 1 (and *off moves past it), 0 (not all captured
 * yet), -ENOTSUP (not a TLS record). */
int tlsrec_next(const uint8_t *b, size_t n, size_t *off, struct tlsrec *r);
/* TLS 1.2 key block (RFC 5246 §6.3) of a 48-byte master secret: 0 or
 * -EIO. */
int tlsrec_key_block(const struct tlsrec_suite *s, const uint8_t *master,
		     const uint8_t srv_random[32], const uint8_t *cli_random,
		     uint8_t *out, size_t out_len);
/* Decrypts ct and checks its tag: 1 it opens, 0 it does not, -EIO. */
int tlsrec_aead_open(const struct tlsrec_suite *s, const uint8_t *key,
		     const uint8_t nonce[12], const uint8_t *aad, int aad_len,
		     const uint8_t *ct, size_t ct_len, const uint8_t *tag);

#endif
