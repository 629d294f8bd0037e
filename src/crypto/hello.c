// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* hello.c - see hello.h. */
#include "crypto/hello.h"

#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static size_t be16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

/* The offset of the extensions block's length in a ClientHello message
 * of n bytes, or 0 when it is cut short. */
static size_t ext_block(const uint8_t *m, size_t n)
{
	size_t off = 4 + 2 + 32;                 /* header, version, random */

	if (off + 1 > n)
		return 0;
	off += 1 + m[off];                       /* session id */
	if (off + 2 > n)
		return 0;
	off += 2 + be16(m + off);                /* cipher suites */
	if (off + 1 > n)
		return 0;
	off += 1 + m[off];                       /* compression methods */
	return off + 2 <= n ? off : 0;
}

int hello_ext(const uint8_t *m, size_t n, unsigned type, size_t *at,
	      size_t *len)
{
	size_t off = ext_block(m, n), end;

	if (!off || (end = off + 2 + be16(m + off)) > n)
		return -EINVAL;
	for (off += 2; off + 4 <= end; off += 4 + be16(m + off + 2)) {
		if (off + 4 + be16(m + off + 2) > end)
			return -EINVAL;
		if (be16(m + off) == type) {
			*at = off + 4;
			*len = be16(m + off + 2);
			return 0;
		}
	}
	return -ENOENT;
}

/* The binder of a PSK with early secret `early` (L bytes) over the
 * partial ClientHello m[0..part) (RFC 8446 §4.2.11.2), with the binder
 * key's label ("res binder": a ticket; "ext binder": an external PSK). */
static int binder(size_t L, const uint8_t *early, const char *label,
		  const uint8_t *m, size_t part, uint8_t *out)
{
	const EVP_MD *md = L == 48 ? EVP_sha384() : EVP_sha256();
	uint8_t empty[EVP_MAX_MD_SIZE], bk[48], fk[48], h[EVP_MAX_MD_SIZE];
	unsigned int el = 0, hl = 0, ol = 0;
	int rc = -EIO;

	if (EVP_Digest("", 0, empty, &el, md, NULL) &&
	    EVP_Digest(m, part, h, &hl, md, NULL) &&
	    !keys_hkdf_expand_label((int)L, early, label, empty, el, bk, L) &&
	    !keys_hkdf_expand_label((int)L, bk, "finished", NULL, 0, fk, L) &&
	    HMAC(md, fk, (int)L, h, hl, out, &ol) && ol == L)
		rc = 0;
	ERR_clear_error();
	OPENSSL_cleanse(bk, sizeof(bk));
	OPENSSL_cleanse(fk, sizeof(fk));
	return rc;
}

/* Whether the first binder of the pre_shared_key extension (body at
 * m + at, len bytes, the message's last bytes) is that of the early
 * secret with L bytes. */
static int binder_proves(const uint8_t *m, size_t at, size_t len, size_t L,
			 const uint8_t *early)
{
	static const char *labels[] = { "res binder", "ext binder" };
	size_t ids, b;
	uint8_t mac[48];

	if (len < 2 || (ids = 2 + be16(m + at)) + 3 > len)
		return 0;
	b = at + ids;                 /* the binders' list: u16, u8 len, mac */
	if (be16(m + b) + 2 != len - ids || m[b + 2] != L || b + 3 + L > at + len)
		return 0;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!binder(L, early, labels[i], m, b, mac) &&
		    !CRYPTO_memcmp(mac, m + b + 3, L))
			return 1;
	return 0;
}

int hello_early_secret(const uint8_t *buf, size_t n, const uint8_t cr[32],
		       const uint8_t *early, struct keys_line *out)
{
	size_t len, at, el, msg;

	if (n < 4 + 2 + 32 || buf[0] != 1 /* client_hello */ ||
	    memcmp(buf + 6, cr, 32))
		return 0;
	msg = 4 + ((size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3]);
	if (msg > n || hello_ext(buf, msg, HELLO_EXT_EARLY_DATA, &at, &el) ||
	    hello_ext(buf, msg, HELLO_EXT_PSK, &at, &len) || at + len != msg)
		return 0;
	for (size_t L = 32; L <= 48; L += 16) {
		if (!binder_proves(buf, at, len, L, early))
			continue;
		memset(out, 0, sizeof(*out));
		out->label = KEYS_CLIENT_EARLY_TRAFFIC;
		out->secret_len = (uint8_t)L;
		memcpy(out->client_random, cr, 32);
		return keys_early_traffic((int)L, early, buf, msg, out->secret) ?: 1;
	}
	return 0;
}
