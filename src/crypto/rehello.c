// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* rehello.c - see verify.h (verify_reneg_hello): a TLS 1.2
 * renegotiation's server random and suite, read from its ServerHello,
 * which travels encrypted under the previous session's keys.
 *
 * Only the head of each record is decrypted, and only AES-GCM and
 * ChaCha20-Poly1305 records are authenticated here: the result is
 * proven by the new session's own check (its Finished records must open
 * with it).  Per suite family:
 *  - AES-GCM (RFC 5288 §3): the record carries its explicit nonce; the
 *    sequence number enters only the AAD, so the ciphertext decrypts
 *    without it (the tag is not checked).
 *  - AES-CBC (TLS 1.1+): the record carries its IV; the MAC, which
 *    covers the sequence number, is not checked.
 *  - ChaCha20-Poly1305 (RFC 7905 §2): nonce = IV ^ sequence number.  The
 *    server's records since its ChangeCipherSpec are not counted (that
 *    would need every segment of every watched flow put together in
 *    order, retransmissions and losses included): the first handshake
 *    record's number is searched, 0 .. SEQ_TRIES-1, by the head of its
 *    plaintext (a HelloRequest or a ServerHello), and the Poly1305 tag
 *    proves the number found; the records after it count on from it. */
#include "crypto/verify.h"
#include "crypto/cbc.h"
#include "crypto/keys.h"
#include "crypto/tlsrec.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

/* Plaintext read of a record: a ServerHello's head fits (4 + 2 + 32 + 1
 * + 32 + 2 bytes), after a HelloRequest (4) too. */
#define PREFIX 128
#define SEQ_TRIES (1u << 16)
#define SEQ_UNKNOWN UINT64_MAX

/* The previous session's server side: its write key and fixed IV. */
struct prev {
	const struct tlsrec_suite *s;
	uint8_t kb[2 * 48 + 2 * 32 + 2 * 12];
	const uint8_t *key, *iv; /* into kb */
	uint64_t seq;            /* ChaCha20: this record's number, once found */
	EVP_CIPHER_CTX *chacha;  /* ChaCha20 keyed with key, for the search */
};

static int prev_keys(struct prev *pv, const struct keys_set *prev)
{
	const struct keys_line *m = keys_set_find(prev, KEYS_CLIENT_RANDOM);
	const struct keys_line *h = keys_set_find(prev, KEYS_SERVER_HELLO);
	EVP_CIPHER *chacha;
	size_t ml, kl, il;

	memset(pv, 0, sizeof(*pv));
	pv->seq = SEQ_UNKNOWN;
	if (!m || !h || m->secret_len != 48 || h->secret_len != 34)
		return -ENOTSUP;
	pv->s = tlsrec_find_suite((uint16_t)(h->secret[32] << 8 | h->secret[33]));
	if (!pv->s || pv->s->tls13)
		return -ENOTSUP;
	ml = pv->s->mac_len, kl = pv->s->key_len, il = pv->s->iv_len;
	/* RFC 5246 §6.3: MAC keys, write keys, fixed IVs; the server's second */
	if (tlsrec_key_block(pv->s, m->secret, h->secret, m->client_random,
			     pv->kb, 2 * ml + 2 * kl + 2 * il))
		return -EIO;
	pv->key = pv->kb + 2 * ml + kl;
	pv->iv = pv->kb + 2 * ml + 2 * kl + il;
	if (!pv->s->chacha)
		return 0;
	chacha = tlsrec_cipher(TLSREC_CHACHA20);
	pv->chacha = EVP_CIPHER_CTX_new();
	return chacha && pv->chacha &&
	       EVP_DecryptInit_ex(pv->chacha, chacha, NULL, pv->key, NULL) == 1 ?
	       0 : -EIO;
}

/* AES-GCM: the head of the record's plaintext (nonce: the fixed IV and
 * the record's explicit 8 bytes), no tag checked.  Bytes, or -EIO. */
static int gcm_head(const struct prev *pv, const struct tlsrec *r,
		    uint8_t pt[PREFIX])
{
	EVP_CIPHER *aes = tlsrec_cipher(pv->s->key_len == 16 ? TLSREC_AES128_GCM :
					TLSREC_AES256_GCM);
	int l = 0;
	EVP_CIPHER_CTX *x;
	uint8_t nonce[12];
	size_t n;
	bool ok;

	if (r->len <= 8 + TLSREC_TAG_LEN)
		return 0;
	n = r->len - 8 - TLSREC_TAG_LEN;
	memcpy(nonce, pv->iv, 4);
	memcpy(nonce + 4, r->frag, 8);
	x = EVP_CIPHER_CTX_new();
	ok = aes && x &&
	     EVP_DecryptInit_ex(x, aes, NULL, pv->key, nonce) == 1 &&
	     EVP_DecryptUpdate(x, pt, &l, r->frag + 8,
			       (int)(n < PREFIX ? n : PREFIX)) == 1;
	EVP_CIPHER_CTX_free(x); /* wiped */
	return ok ? l : -EIO;
}

/* ChaCha20 over the record's first n bytes at sequence number seq: the
 * AEAD's keystream starts at block 1 (RFC 8439 §2.8; EVP's IV is the
 * 32-bit little-endian counter, then the nonce).  0 or -EIO. */
static int chacha_head(const struct prev *pv, uint64_t seq,
		       const struct tlsrec *r, size_t n, uint8_t *pt)
{
	uint8_t civ[16] = { 1 };
	int l = 0;

	memcpy(civ + 4, pv->iv, 12);
	for (int i = 0; i < 8; i++)
		civ[15 - i] ^= (uint8_t)(seq >> (8 * i));
	return EVP_DecryptInit_ex(pv->chacha, NULL, NULL, NULL, civ) == 1 &&
	       EVP_DecryptUpdate(pv->chacha, pt, &l, r->frag, (int)n) == 1 ?
	       0 : -EIO;
}

/* The record's Poly1305 tag at sequence number seq: 1, 0, -EIO. */
static int chacha_tag(const struct prev *pv, uint64_t seq,
		      const struct tlsrec *r)
{
	size_t n = r->len - TLSREC_TAG_LEN;
	uint8_t nonce[12], aad[13];

	memcpy(nonce, pv->iv, 12);
	for (int i = 0; i < 8; i++) {
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
		aad[7 - i] = (uint8_t)(seq >> (8 * i));
	}
	memcpy(aad + 8, r->hdr, 3);
	aad[11] = (uint8_t)(n >> 8);
	aad[12] = (uint8_t)n;
	return tlsrec_aead_open(pv->s, pv->key, nonce, aad, 13, r->frag, n,
				r->frag + n);
}

/* Whether a handshake record's first plaintext bytes can be a
 * HelloRequest (type 0, empty: 4 bytes known) or a TLS 1.2 ServerHello
 * (type 2, a length below 64 KiB, version 3.3: 4 bytes known). */
static bool hello_head(const uint8_t *p, size_t n)
{
	if (n >= 4 && p[0] == 0)
		return !p[1] && !p[2] && !p[3];
	return n >= 6 && p[0] == 2 && !p[1] && p[4] == 3 && p[5] == 3;
}

/* ChaCha20: the record's head at its sequence number, searched when not
 * known yet.  Bytes; -ENOENT: no number in range opens it. */
static int chacha_record(struct prev *pv, const struct tlsrec *r,
			 uint8_t pt[PREFIX])
{
	size_t n, head;
	uint64_t q;
	int rc;

	if (r->len <= TLSREC_TAG_LEN)
		return 0;
	n = r->len - TLSREC_TAG_LEN;
	head = n < 6 ? n : 6;
	for (q = 0; pv->seq == SEQ_UNKNOWN && q < SEQ_TRIES; q++) {
		if (chacha_head(pv, q, r, head, pt))
			return -EIO;
		if (!hello_head(pt, head))
			continue;
		rc = chacha_tag(pv, q, r);
		if (rc < 0)
			return rc;
		if (rc == 1)
			pv->seq = q;
	}
	if (pv->seq == SEQ_UNKNOWN)
		return -ENOENT;
	n = n < PREFIX ? n : PREFIX;
	return chacha_head(pv, pv->seq, r, n, pt) ?: (int)n;
}

/* Past any HelloRequest, a ServerHello's random and suite into out
 * (RFC 5246 §7.4.1.3): 1, or 0 (not one). */
static int parse_hello(const uint8_t *p, size_t n, uint8_t out[34])
{
	size_t sid;

	while (n >= 4 && !p[0] && !p[1] && !p[2] && !p[3])
		p += 4, n -= 4;
	if (n < 39 || p[0] != 2 || p[1] || p[4] != 3)
		return 0;
	sid = p[38];
	if (sid > 32 || n < 41 + sid)
		return 0;
	memcpy(out, p + 6, 32);
	out[32] = p[39 + sid];
	out[33] = p[40 + sid];
	return 1;
}

/* One encrypted handshake record: 1 it holds the ServerHello (out
 * set), 0 not, -ENOENT (ChaCha20: cannot be opened), -EIO. */
static int read_record(struct prev *pv, const struct tlsrec *r,
		       uint8_t out[34])
{
	struct cbc_suite c = { pv->s->key_len, pv->s->mac_len };
	uint8_t pt[PREFIX];
	int n;

	if (pv->s->mac_len)
		n = cbc_decrypt_prefix(&c, pv->key, r->frag, r->len, pt, PREFIX);
	else if (pv->s->chacha)
		n = chacha_record(pv, r, pt);
	else
		n = gcm_head(pv, r, pt);
	n = n < 0 ? n : parse_hello(pt, (size_t)n, out);
	explicit_bzero(pt, sizeof(pt));
	return n;
}

int verify_reneg_hello(const struct verify_streams *st,
		       const struct keys_set *prev, bool final, uint8_t out[34])
{
	struct prev pv;
	struct tlsrec r;
	size_t off = 0;
	int rc = prev_keys(&pv, prev);

	while (!rc && (rc = tlsrec_next(st->srv, st->srv_len, &off, &r)) == 1) {
		if (r.type == TLSREC_CCS)
			rc = -ENOENT; /* the new keys start: no ServerHello */
		else if (r.type == TLSREC_HANDSHAKE)
			rc = read_record(&pv, &r, out);
		else
			rc = 0;
		pv.seq += pv.seq != SEQ_UNKNOWN; /* the next record's */
	}
	EVP_CIPHER_CTX_free(pv.chacha);
	explicit_bzero(&pv, sizeof(pv));
	if (rc == 0)
		return final ? -ENOENT : -EAGAIN;
	return rc;
}
