// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* verify.c - see verify.h.  TLS record formats: RFC 8446 §5 (1.3),
 * RFC 5246 §6.2 and RFC 5288 §3 (1.2 GCM), RFC 7905 §2 (ChaCha20). */
#include "crypto/verify.h"
#include "crypto/cbc.h"
#include "crypto/keys.h"
#include "crypto/hello.h"
#include "crypto/tlsrec.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define REC_MAX (16384 + 2048) /* longest ciphertext: RFC 8446 §5.2 */
#define TAG_LEN 16
#define CT_CCS 20
#define CT_HANDSHAKE 22
#define CT_APPDATA 23

/* The suites we can check: data, one row per IANA number. */
static const struct tlsrec_suite suites[] = {
	{ 0x1301, 1, 16, 12, 0, 0, 0 }, /* TLS_AES_128_GCM_SHA256 */
	{ 0x1302, 1, 32, 12, 1, 0, 0 }, /* TLS_AES_256_GCM_SHA384 */
	{ 0x1303, 1, 32, 12, 0, 1, 0 }, /* TLS_CHACHA20_POLY1305_SHA256 */
	{ 0xc02b, 0, 16, 4, 0, 0, 0 },  /* ECDHE-ECDSA-AES128-GCM-SHA256 */
	{ 0xc02c, 0, 32, 4, 1, 0, 0 },  /* ECDHE-ECDSA-AES256-GCM-SHA384 */
	{ 0xc02f, 0, 16, 4, 0, 0, 0 },  /* ECDHE-RSA-AES128-GCM-SHA256 */
	{ 0xc030, 0, 32, 4, 1, 0, 0 },  /* ECDHE-RSA-AES256-GCM-SHA384 */
	{ 0x009c, 0, 16, 4, 0, 0, 0 },  /* AES128-GCM-SHA256 */
	{ 0x009d, 0, 32, 4, 1, 0, 0 },  /* AES256-GCM-SHA384 */
	{ 0x009e, 0, 16, 4, 0, 0, 0 },  /* DHE-RSA-AES128-GCM-SHA256 */
	{ 0x009f, 0, 32, 4, 1, 0, 0 },  /* DHE-RSA-AES256-GCM-SHA384 */
	{ 0xcca8, 0, 32, 12, 0, 1, 0 }, /* ECDHE-RSA-CHACHA20-POLY1305 */
	{ 0xcca9, 0, 32, 12, 0, 1, 0 }, /* ECDHE-ECDSA-CHACHA20-POLY1305 */
	{ 0xccaa, 0, 32, 12, 0, 1, 0 }, /* DHE-RSA-CHACHA20-POLY1305 */
	/* TLS 1.2 CBC: no fixed IV (the record carries it) */
	{ 0x002f, 0, 16, 0, 0, 0, 20 }, /* AES128-SHA */
	{ 0x0035, 0, 32, 0, 0, 0, 20 }, /* AES256-SHA */
	{ 0x003c, 0, 16, 0, 0, 0, 32 }, /* AES128-SHA256 */
	{ 0x003d, 0, 32, 0, 0, 0, 32 }, /* AES256-SHA256 */
	{ 0x0033, 0, 16, 0, 0, 0, 20 }, /* DHE-RSA-AES128-SHA */
	{ 0x0039, 0, 32, 0, 0, 0, 20 }, /* DHE-RSA-AES256-SHA */
	{ 0x0067, 0, 16, 0, 0, 0, 32 }, /* DHE-RSA-AES128-SHA256 */
	{ 0x006b, 0, 32, 0, 0, 0, 32 }, /* DHE-RSA-AES256-SHA256 */
	{ 0xc009, 0, 16, 0, 0, 0, 20 }, /* ECDHE-ECDSA-AES128-SHA */
	{ 0xc00a, 0, 32, 0, 0, 0, 20 }, /* ECDHE-ECDSA-AES256-SHA */
	{ 0xc013, 0, 16, 0, 0, 0, 20 }, /* ECDHE-RSA-AES128-SHA */
	{ 0xc014, 0, 32, 0, 0, 0, 20 }, /* ECDHE-RSA-AES256-SHA */
	{ 0xc023, 0, 16, 0, 0, 0, 32 }, /* ECDHE-ECDSA-AES128-SHA256 */
	{ 0xc024, 0, 32, 0, 1, 0, 48 }, /* ECDHE-ECDSA-AES256-SHA384 */
	{ 0xc027, 0, 16, 0, 0, 0, 32 }, /* ECDHE-RSA-AES128-SHA256 */
	{ 0xc028, 0, 32, 0, 1, 0, 48 }, /* ECDHE-RSA-AES256-SHA384 */
};

/* RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

int tlsrec_next(const uint8_t *b, size_t n, size_t *off, struct tlsrec *r)
{
	const uint8_t *h;
	size_t len;

	if (n - *off < 5)
		return 0;
	h = b + *off;
	if (h[0] < CT_CCS || h[0] > 24 || h[1] != 3)
		return -ENOTSUP;
	len = (size_t)h[3] << 8 | h[4];
	if (len > REC_MAX)
		return -ENOTSUP;
	if (n - *off - 5 < len)
		return 0;
	*r = (struct tlsrec){ h[0], h, h + 5, len };
	*off += 5 + len;
	return 1;
}

struct hello {
	const struct tlsrec_suite *suite;
	uint16_t version; /* the ServerHello's (0x0303: TLS 1.2 and 1.3) */
	uint8_t random[32];
	size_t after; /* server stream offset past the ServerHello's record */
};

const struct tlsrec_suite *tlsrec_find_suite(uint16_t id)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

int verify_hello_fields(const uint8_t *m, size_t len, uint8_t hello[34])
{
	size_t sid;

	/* RFC 5246 §7.4.1.3: type, length, version, random, session id
	 * (at most 32 bytes), suite */
	if (len < 39 || m[0] != 2)
		return -ENOTSUP;
	sid = m[38];
	if (sid > 32 || len < 39 + sid + 2)
		return -ENOTSUP;
	if (!memcmp(m + 6, hrr_random, 32))
		return 0;
	memcpy(hello, m + 6, 32);
	hello[32] = m[39 + sid];
	hello[33] = m[40 + sid];
	return 1;
}

/* The (last, after any HelloRetryRequest) ServerHello: 0, -EAGAIN,
 * -ENOTSUP (not TLS, or a suite we cannot check). */
static int server_hello(const struct verify_streams *st, struct hello *h)
{
	uint8_t hb[34];
	size_t off = 0;
	struct tlsrec r;
	int rc;

	while ((rc = tlsrec_next(st->srv, st->srv_len, &off, &r)) == 1) {
		if (r.type != CT_HANDSHAKE || r.len < 39 || r.frag[0] != 2)
			continue;
		rc = verify_hello_fields(r.frag, r.len, hb);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue; /* the real one follows */
		memcpy(h->random, hb, 32);
		h->version = (uint16_t)(r.frag[4] << 8 | r.frag[5]);
		h->suite = tlsrec_find_suite((uint16_t)(hb[32] << 8 | hb[33]));
		h->after = off;
		return h->suite ? 0 : -ENOTSUP;
	}
	return rc < 0 ? rc : -EAGAIN;
}

/* The suite's AEAD cipher and one context, made once. */
static EVP_CIPHER_CTX *cipher_ctx(const struct tlsrec_suite *s, EVP_CIPHER **c)
{
	static EVP_CIPHER_CTX *ctx;

	if (!ctx)
		ctx = EVP_CIPHER_CTX_new();
	*c = tlsrec_cipher(s->chacha ? TLSREC_CHACHA20_POLY1305 :
			   s->key_len == 16 ? TLSREC_AES128_GCM : TLSREC_AES256_GCM);
	return ctx && *c && EVP_CIPHER_CTX_reset(ctx) == 1 ? ctx : NULL;
}

/* Decrypts ct (into a scratch buffer) and checks the tag. */
int tlsrec_aead_open(const struct tlsrec_suite *s, const uint8_t *key,
		     const uint8_t nonce[12], const uint8_t *aad, int aad_len,
		     const uint8_t *ct, size_t ct_len, const uint8_t *tag)
{
	EVP_CIPHER *c;
	EVP_CIPHER_CTX *x = cipher_ctx(s, &c);
	uint8_t buf[4096 + 64];
	int n, rc = -EIO;
	bool ok;

	if (!x)
		return -EIO;
	ok = EVP_DecryptInit_ex(x, c, NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_DecryptInit_ex(x, NULL, NULL, key, nonce) == 1 &&
	     EVP_DecryptUpdate(x, NULL, &n, aad, aad_len) == 1;
	for (size_t i = 0; ok && i < ct_len; i += 4096) {
		int chunk = (int)(ct_len - i < 4096 ? ct_len - i : 4096);

		ok = EVP_DecryptUpdate(x, buf, &n, ct + i, chunk) == 1;
	}
	if (ok && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
				      (void *)tag) == 1)
		rc = EVP_DecryptFinal_ex(x, buf, &n) == 1;
	EVP_CIPHER_CTX_reset(x); /* no key left behind */
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* RFC 8446 §5.2-5.3: AAD is the record header, nonce = iv ^ seq. */
static int open13(const struct tlsrec_suite *s, const uint8_t *key,
		  const uint8_t iv[12], uint64_t seq, const struct tlsrec *r)
{
	uint8_t nonce[12];

	if (r->len < TAG_LEN + 1)
		return 0;
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	return tlsrec_aead_open(s, key, nonce, r->hdr, 5, r->frag, r->len - TAG_LEN,
			 r->frag + r->len - TAG_LEN);
}

/* A TLS 1.3 traffic secret -> write key and iv (RFC 8446 §7.3). */
static int traffic_keys(const struct tlsrec_suite *s, const uint8_t *secret,
			size_t slen, uint8_t key[32], uint8_t iv[12])
{
	if (slen != (s->sha384 ? 48u : 32u))
		return -ENOTSUP;
	return keys_hkdf_expand_label((int)slen, secret, "key", NULL, 0, key,
				      s->key_len) ?:
	       keys_hkdf_expand_label((int)slen, secret, "iv", NULL, 0, iv, 12);
}

/* TLS 1.3: the server's handshake records (seq 0, 1, ...) open with
 * SERVER_HANDSHAKE_TRAFFIC_SECRET; the first that does not is its first
 * application record (a NewSessionTicket or data, seq 0) and must open
 * with SERVER_TRAFFIC_SECRET_0.  Decided once that record is in (or
 * when the session has no traffic line); -EAGAIN before, unless final
 * (then the handshake records decide). */
static int verify13(const struct verify_streams *st, const struct hello *h,
		    const struct keys_set *keys, bool final)
{
	const struct keys_line *l =
		keys_set_find(keys, KEYS_SERVER_HANDSHAKE_TRAFFIC);
	uint8_t key[32], iv[12], akey[32], aiv[12];
	size_t off = h->after;
	uint64_t seq = 0;
	bool have_ap;
	struct tlsrec r;
	int rc;

	if (!l)
		return -ENOTSUP;
	rc = traffic_keys(h->suite, l->secret, l->secret_len, key, iv);
	if (rc)
		return rc;
	l = keys_set_find(keys, KEYS_SERVER_TRAFFIC_0);
	have_ap = l && !traffic_keys(h->suite, l->secret, l->secret_len,
				     akey, aiv);
	while ((rc = tlsrec_next(st->srv, st->srv_len, &off, &r)) == 1) {
		if (r.type != CT_APPDATA)
			continue; /* the compatibility ChangeCipherSpec */
		rc = open13(h->suite, key, iv, seq, &r);
		if (rc < 0 || (rc == 0 && seq == 0))
			return rc; /* the first record must open */
		if (rc == 0) /* past the handshake records */
			return open13(h->suite, akey, aiv, 0, &r);
		seq++;
		if (!have_ap)
			return VERIFY_OK;
	}
	if (rc < 0)
		return rc;
	return seq && final ? VERIFY_OK : -EAGAIN;
}

/* TLS 1.2 key block through libcrypto's TLS1-PRF. */
int tlsrec_key_block(const struct tlsrec_suite *s, const uint8_t *master,
		     const uint8_t srv_random[32], const uint8_t *cli_random,
		     uint8_t *out, size_t out_len)
{
	static const char label[] = "key expansion";
	uint8_t seed[sizeof(label) - 1 + 64];
	static EVP_KDF *kdf; /* fetched once, as the ciphers */
	EVP_KDF_CTX *x;
	OSSL_PARAM p[4];
	int rc = -EIO;

	if (!kdf)
		kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	x = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, srv_random, 32);
	memcpy(seed + sizeof(label) - 1 + 32, cli_random, 32);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						s->sha384 ? "SHA2-384" : "SHA2-256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
						 (void *)master, 48);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed,
						 sizeof(seed));
	p[3] = OSSL_PARAM_construct_end();
	if (x && EVP_KDF_derive(x, out, out_len, p) == 1)
		rc = 0;
	EVP_KDF_CTX_free(x);
	return rc;
}

/* The first record after the side's ChangeCipherSpec (its Finished),
 * sequence number 0: RFC 5288 §3 (GCM: explicit nonce in the record),
 * RFC 7905 §2 (ChaCha20: iv ^ seq), or CBC (crypto/cbc.h; iv is then
 * the MAC key).  1, 0, -EAGAIN (not captured yet). */
static int open12(const struct tlsrec_suite *s, const uint8_t *b, size_t n,
		  const uint8_t *key, const uint8_t *iv)
{
	uint8_t nonce[12], aad[13] = { 0 };
	size_t off = 0, expl = s->chacha ? 0 : 8, pt;
	bool ccs = false;
	struct tlsrec r;
	int rc;

	while ((rc = tlsrec_next(b, n, &off, &r)) == 1) {
		if (!ccs) {
			ccs = r.type == CT_CCS;
			continue;
		}
		if (s->mac_len) {
			struct cbc_suite c = { s->key_len, s->mac_len };

			return cbc_open(&c, iv, key, r.hdr, r.frag, r.len);
		}
		if (r.len < expl + TAG_LEN)
			return VERIFY_BAD;
		pt = r.len - expl - TAG_LEN;
		memcpy(nonce, iv, s->iv_len);
		if (expl)
			memcpy(nonce + 4, r.frag, 8);
		memcpy(aad + 8, r.hdr, 3); /* seq 0, type, version */
		aad[11] = (uint8_t)(pt >> 8);
		aad[12] = (uint8_t)pt;
		return tlsrec_aead_open(s, key, nonce, aad, 13, r.frag + expl, pt,
				 r.frag + r.len - TAG_LEN);
	}
	return rc < 0 ? rc : -EAGAIN;
}

/* TLS 1.2: each side's Finished that is captured must open; at least
 * one must be there. */
static int verify12(const struct verify_streams *st, const struct hello *h,
		    const struct keys_set *keys)
{
	const struct keys_line *l = keys_set_find(keys, KEYS_CLIENT_RANDOM);
	const struct tlsrec_suite *s = h->suite;
	uint8_t kb[2 * 48 + 2 * 32 + 2 * 12];
	size_t ml = s->mac_len, kl = s->key_len, il = s->iv_len;
	const uint8_t *k = kb + 2 * ml;
	int c, v;

	if (!l || l->secret_len != 48)
		return -ENOTSUP; /* a TLS 1.2 suite: the keys must say so */
	if (ml && h->version != 0x0303)
		return -ENOTSUP; /* CBC in TLS 1.0/1.1: another PRF, no explicit IV */
	/* RFC 5246 §6.3: MAC keys (CBC), write keys, fixed IVs (AEAD) */
	c = tlsrec_key_block(s, l->secret, h->random, l->client_random, kb,
		      2 * ml + 2 * kl + 2 * il);
	if (c)
		return -EIO;
	c = open12(s, st->cli, st->cli_len, k, ml ? kb : k + 2 * kl);
	v = open12(s, st->srv + h->after, st->srv_len - h->after, k + kl,
		   ml ? kb + ml : k + 2 * kl + il);
	explicit_bzero(kb, sizeof(kb));
	if (c == VERIFY_BAD || v == VERIFY_BAD)
		return VERIFY_BAD;
	if (c == -EIO || v == -EIO)
		return -EIO;
	if (c == VERIFY_OK || v == VERIFY_OK)
		return VERIFY_OK;
	return c == -EAGAIN || v == -EAGAIN ? -EAGAIN : -ENOTSUP;
}

int verify_renegotiation(const struct verify_streams *st,
			 const struct keys_set *keys)
{
	const struct keys_line *l = keys_set_find(keys, KEYS_SERVER_HELLO);
	struct hello h;

	if (!l || l->secret_len != 34)
		return -ENOTSUP;
	memcpy(h.random, l->secret, 32);
	h.version = 0x0303; /* a renegotiation is watched on TLS 1.2 flows */
	h.suite = tlsrec_find_suite((uint16_t)(l->secret[32] << 8 | l->secret[33]));
	h.after = 0;
	if (!h.suite || h.suite->tls13)
		return -ENOTSUP;
	return verify12(st, &h, keys);
}

#define CH_MAX (64u << 10)

/* The client's first handshake message (its ClientHello), put together
 * from its handshake records: 0 with *len and *after (the client stream
 * offset past it), -EAGAIN, -ENOTSUP. */
static int client_hello_msg(const struct verify_streams *st, uint8_t *buf,
			    size_t *len, size_t *after)
{
	size_t off = 0, have = 0, need;
	struct tlsrec r;
	int rc;

	while ((rc = tlsrec_next(st->cli, st->cli_len, &off, &r)) == 1) {
		if (r.type != CT_HANDSHAKE || have + r.len > CH_MAX)
			return -ENOTSUP;
		memcpy(buf + have, r.frag, r.len);
		have += r.len;
		if (have < 4)
			continue;
		if (buf[0] != 1)
			return -ENOTSUP;
		need = 4 + ((size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3]);
		if (have < need)
			continue;
		*len = need;
		*after = off;
		return have == need ? 0 : -ENOTSUP;
	}
	return rc < 0 ? rc : -EAGAIN;
}

/* Whether a ClientHello message offers early data (RFC 8446 §4.1.2). */
static bool offers_early_data(const uint8_t *m, size_t n)
{
	size_t at, len;

	return !hello_ext(m, n, HELLO_EXT_EARLY_DATA, &at, &len);
}

/* The client's first record after its ClientHello that is not a
 * ChangeCipherSpec: 1, 0 (not captured yet), -ENOENT (a handshake
 * record: no early data was sent), -ENOTSUP. */
static int first_client_record(const struct verify_streams *st, size_t off,
			       struct tlsrec *r)
{
	int rc;

	while ((rc = tlsrec_next(st->cli, st->cli_len, &off, r)) == 1)
		if (r->type != CT_CCS)
			return r->type == CT_APPDATA ? 1 : -ENOENT;
	return rc;
}

/* out = the derived line; then its check on the first early record. */
static int early_check(const struct verify_streams *st, const struct keys_line *es,
		       const uint8_t *ch, size_t ch_len, size_t after,
		       bool final, struct keys_line *out)
{
	uint8_t key[32], iv[12];
	struct hello h;
	struct tlsrec r;
	int rc;

	*out = *es;
	out->label = KEYS_CLIENT_EARLY_TRAFFIC;
	if (keys_early_traffic(es->secret_len, es->secret, ch, ch_len,
			       out->secret))
		return -EIO;
	rc = server_hello(st, &h);
	if (rc == -EAGAIN && !final)
		return -EAGAIN;
	if (rc || !h.suite->tls13 ||
	    (h.suite->sha384 ? 48 : 32) != es->secret_len)
		return -ENOTSUP;
	rc = first_client_record(st, after, &r);
	if (rc == 0)
		return final ? -ENOTSUP : -EAGAIN;
	if (rc < 0)
		return rc;
	if (traffic_keys(h.suite, out->secret, out->secret_len, key, iv))
		return -ENOTSUP;
	rc = open13(h.suite, key, iv, 0, &r);
	explicit_bzero(key, sizeof(key));
	return rc;
}

int verify_early(const struct verify_streams *st, const struct keys_set *keys,
		 bool final, struct keys_line *out)
{
	static uint8_t ch[CH_MAX]; /* one thread checks keys */
	const struct keys_line *es = keys_set_find(keys, KEYS_EARLY_SECRET);
	size_t ch_len = 0, after = 0;
	int rc;

	if (!es)
		return -ENOENT;
	rc = client_hello_msg(st, ch, &ch_len, &after);
	if (rc == -EAGAIN && final)
		rc = -ENOENT; /* no ClientHello: nothing to derive from */
	if (rc == 0)
		rc = offers_early_data(ch, ch_len) ?
		     early_check(st, es, ch, ch_len, after, final, out) :
		     -ENOENT;
	else if (rc == -ENOTSUP)
		rc = -ENOENT;
	return rc;
}

int verify_session(const struct verify_streams *st,
		   const struct keys_set *keys, bool final)
{
	struct hello h;
	int rc = server_hello(st, &h);

	if (rc)
		return rc;
	if (h.suite->tls13)
		return verify13(st, &h, keys, final);
	return verify12(st, &h, keys);
}
