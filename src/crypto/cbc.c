// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cbc.c - see cbc.h. */
#include "crypto/cbc.h"
#include "crypto/tlsrec.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <string.h>

#define BLOCK 16
#define REC_MAX (16384 + 2048)

static const char *mac_digest(const struct cbc_suite *s)
{
	return s->mac_len == 20 ? "SHA1" : s->mac_len == 32 ? "SHA2-256" : "SHA2-384";
}

/* HMAC(key, seq 0 | type | version | length | a | b) == mac: 1, 0,
 * -EIO.  (The pseudo-header of RFC 5246 §6.2.3.1, sequence number 0.) */
static int mac_ok(const struct cbc_suite *s, const uint8_t *key,
		  const uint8_t hdr[5], const uint8_t *a, size_t alen,
		  const uint8_t *b, size_t blen, const uint8_t *mac)
{
	static EVP_MAC *hmac; /* fetched once */
	uint8_t pseudo[13] = { 0 }, out[64];
	size_t n = alen + blen, outl = 0;
	OSSL_PARAM p[2];
	EVP_MAC_CTX *x;
	int rc = -EIO;

	if (!hmac)
		hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	x = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	memcpy(pseudo + 8, hdr, 3);
	pseudo[11] = (uint8_t)(n >> 8);
	pseudo[12] = (uint8_t)n;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						(char *)mac_digest(s), 0);
	p[1] = OSSL_PARAM_construct_end();
	if (x && EVP_MAC_init(x, key, s->mac_len, p) == 1 &&
	    EVP_MAC_update(x, pseudo, sizeof(pseudo)) == 1 &&
	    (!alen || EVP_MAC_update(x, a, alen) == 1) &&
	    (!blen || EVP_MAC_update(x, b, blen) == 1) &&
	    EVP_MAC_final(x, out, &outl, sizeof(out)) == 1 && outl == s->mac_len)
		rc = CRYPTO_memcmp(out, mac, s->mac_len) == 0;
	EVP_MAC_CTX_free(x);
	return rc;
}

/* AES-CBC decryption of ct (a whole number of blocks) with iv, no
 * padding removed: 0 or -EIO. */
static int decrypt(const struct cbc_suite *s, const uint8_t *key,
		   const uint8_t *iv, const uint8_t *ct, size_t n, uint8_t *out)
{
	EVP_CIPHER *aes = tlsrec_cipher(s->key_len == 16 ? TLSREC_AES128_CBC :
					TLSREC_AES256_CBC);
	static EVP_CIPHER_CTX *x;
	int l1 = 0, l2 = 0;
	bool ok;

	if (!x)
		x = EVP_CIPHER_CTX_new();
	ok = aes && x && EVP_DecryptInit_ex(x, aes, NULL, key, iv) == 1 &&
	     EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
	     EVP_DecryptUpdate(x, out, &l1, ct, (int)n) == 1 &&
	     EVP_DecryptFinal_ex(x, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
	if (x)
		EVP_CIPHER_CTX_reset(x); /* no key left behind */
	return ok ? 0 : -EIO;
}

/* MAC-then-encrypt: content | MAC | padding | padding length, all
 * encrypted after the explicit IV. */
static int open_mte(const struct cbc_suite *s, const uint8_t *mac_key,
		    const uint8_t *enc_key, const uint8_t hdr[5],
		    const uint8_t *frag, size_t len)
{
	uint8_t pt[REC_MAX];
	size_t n = len - BLOCK, pad, content;
	int rc;

	if (len < BLOCK + BLOCK || n % BLOCK || n > sizeof(pt))
		return 0;
	if (decrypt(s, enc_key, frag, frag + BLOCK, n, pt))
		return -EIO;
	pad = pt[n - 1];
	rc = 0;
	if (pad + 1 + s->mac_len <= n) {
		bool padded = true;

		for (size_t i = n - 1 - pad; i < n - 1; i++)
			padded &= pt[i] == pad;
		content = n - 1 - pad - s->mac_len;
		if (padded)
			rc = mac_ok(s, mac_key, hdr, pt, content, NULL, 0, pt + content);
	}
	explicit_bzero(pt, n);
	return rc;
}

int cbc_open(const struct cbc_suite *s, const uint8_t *mac_key,
	     const uint8_t *enc_key, const uint8_t hdr[5], const uint8_t *frag,
	     size_t len)
{
	int rc;

	/* encrypt-then-MAC: the MAC over IV | ciphertext, in clear at the end */
	if (len >= (size_t)BLOCK + BLOCK + s->mac_len &&
	    (len - s->mac_len) % BLOCK == 0) {
		rc = mac_ok(s, mac_key, hdr, frag, len - s->mac_len, NULL, 0,
			    frag + len - s->mac_len);
		if (rc)
			return rc;
	}
	return open_mte(s, mac_key, enc_key, hdr, frag, len);
}

int cbc_decrypt_prefix(const struct cbc_suite *s, const uint8_t *enc_key,
		       const uint8_t *frag, size_t len, uint8_t *out,
		       size_t cap)
{
	size_t n = len < BLOCK ? 0 : (len - BLOCK) / BLOCK * BLOCK;

	if (n > cap / BLOCK * BLOCK)
		n = cap / BLOCK * BLOCK;
	if (!n)
		return 0;
	return decrypt(s, enc_key, frag, frag + BLOCK, n, out) ? -EIO : (int)n;
}
