// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_verify.c - the key check (crypto/verify.c) and the streams it reads
 * (join/streams.c).
 *
 * TLS 1.3: the server handshake key and iv of RFC 8448 §3 (given there,
 * so the check's HKDF use is tested against the RFC), a record sealed
 * here with them; the application key from the RFC's server traffic
 * secret.  TLS 1.2: records sealed with a key block this test derives
 * itself (libcrypto's TLS1-PRF); the real sessions are in
 * tests/e2e/test_tls_verify.sh.  0-RTT: the ClientHello, early secret,
 * key and iv of RFC 8448 §4, an early-data record sealed here with them.
 * Renegotiation: the TLS 1.2 records behind encrypted handshake records,
 * the server random and suite from the internal line, or read from the
 * ServerHello sealed here under the previous session's keys (GCM,
 * ChaCha20 at an unknown sequence number, CBC), and from a real GnuTLS
 * renegotiation under ChaCha20 (reneg_chacha.h). */
#include "join/streams.h"
#include "crypto/keys.h"
#include "crypto/verify.h"
#include "rfc8448_0rtt.h"
#include "reneg_chacha.h"
#include "testlib.h"
#include "keyslib.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#define CR "0101010101010101010101010101010101010101010101010101010101010101"
/* RFC 8448 §3 */
#define S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define S_HS_KEY "3fce516009c21727d0f2e4e86ee403bc"
#define S_HS_IV "5d313eb2671276ee13000b30"
#define S_AP "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	return test_unhex(s, out, max);
}

/* A record: type, 0x0303, length, body. */
static size_t rec(uint8_t *out, uint8_t type, const uint8_t *body, size_t n)
{
	out[0] = type, out[1] = 3, out[2] = 3;
	out[3] = (uint8_t)(n >> 8), out[4] = (uint8_t)n;
	memcpy(out + 5, body, n);
	return 5 + n;
}

/* A ServerHello record for suite, random 0x02... */
static size_t server_hello(uint8_t *out, uint16_t suite)
{
	uint8_t m[42] = { 2, 0, 0, 38, 3, 3 };

	memset(m + 6, 2, 32);
	m[38] = 0; /* no session id */
	m[39] = (uint8_t)(suite >> 8), m[40] = (uint8_t)suite;
	return rec(out, 22, m, 41);
}

/* AEAD seal: ct || tag into out. */
static void seal(int chacha, const uint8_t *key, int klen,
		 const uint8_t nonce[12], const uint8_t *aad, int alen,
		 const uint8_t *pt, int n, uint8_t *out)
{
	const EVP_CIPHER *c = chacha ? EVP_chacha20_poly1305() :
			      klen == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int l;

	CHECK(EVP_EncryptInit_ex(x, c, NULL, key, nonce) == 1);
	CHECK(EVP_EncryptUpdate(x, NULL, &l, aad, alen) == 1);
	CHECK(EVP_EncryptUpdate(x, out, &l, pt, n) == 1);
	CHECK(EVP_EncryptFinal_ex(x, out + n, &l) == 1);
	CHECK(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, out + n) == 1);
	EVP_CIPHER_CTX_free(x);
}

/* A TLS 1.3 record sealed with key/iv at seq. */
static size_t rec13(uint8_t *out, const uint8_t *key, const uint8_t *iv,
		    uint64_t seq, size_t n)
{
	uint8_t pt[300], nonce[12];

	memset(pt, 0x5a, sizeof(pt));
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	out[0] = 23, out[1] = 3, out[2] = 3;
	out[3] = (uint8_t)((n + 16) >> 8), out[4] = (uint8_t)(n + 16);
	seal(0, key, 16, nonce, out, 5, pt, (int)n, out + 5);
	return 5 + n + 16;
}

static int check(const uint8_t *cli, size_t cl, const uint8_t *srv,
		 size_t sl, const char *lines, int final)
{
	struct verify_streams st = { cli, cl, srv, sl };
	struct keys_set keys = { 0 };

	CHECK(test_keys_text(&keys, lines) >= 0);
	return verify_session(&st, &keys, final);
}

static void test_tls13(void)
{
	uint8_t key[16], iv[12], akey[16], aiv[12], ap[32], srv[2048];
	const char *hs = "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " S_HS "\n";
	const char *both = "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " S_HS "\n"
			   "SERVER_TRAFFIC_SECRET_0 " CR " " S_AP "\n";
	const char *bad = "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " S_AP "\n";
	size_t n, first, second;

	unhex(S_HS_KEY, key, 16);
	unhex(S_HS_IV, iv, 12);
	unhex(S_AP, ap, 32);
	CHECK(keys_hkdf_expand_label(32, ap, "key", NULL, 0, akey, 16) == 0);
	CHECK(keys_hkdf_expand_label(32, ap, "iv", NULL, 0, aiv, 12) == 0);
	n = server_hello(srv, 0x1301);
	n += rec(srv + n, 20, (const uint8_t *)"\1", 1); /* compat CCS */
	CHECK(check(NULL, 0, srv, n, hs, 0) == -EAGAIN);
	CHECK(check(NULL, 0, srv, n, hs, 1) == -EAGAIN); /* nothing to open */
	first = n;
	n += rec13(srv + n, key, iv, 0, 100);  /* EncryptedExtensions */
	CHECK(check(NULL, 0, srv, n - 1, hs, 0) == -EAGAIN); /* cut */
	CHECK(check(NULL, 0, srv, n, hs, 0) == VERIFY_OK);
	CHECK(check(NULL, 0, srv, n, bad, 1) == VERIFY_BAD);
	n += rec13(srv + n, key, iv, 1, 200);  /* Certificate... */
	CHECK(check(NULL, 0, srv, n, both, 0) == -EAGAIN);
	CHECK(check(NULL, 0, srv, n, both, 1) == VERIFY_OK);
	second = n;
	n += rec13(srv + n, akey, aiv, 0, 50); /* NewSessionTicket */
	CHECK(check(NULL, 0, srv, n, both, 0) == VERIFY_OK);
	/* the application record sealed with the handshake key at seq 0 */
	n = second + rec13(srv + second, key, iv, 0, 50);
	CHECK(check(NULL, 0, srv, n, both, 0) == VERIFY_BAD);
	/* one bit off in the first record's tag */
	n = first + rec13(srv + first, key, iv, 0, 100);
	srv[n - 1] ^= 1;
	CHECK(check(NULL, 0, srv, n, hs, 0) == VERIFY_BAD);
	/* a CCM suite, and bytes that are not TLS */
	n = server_hello(srv, 0x1304);
	CHECK(check(NULL, 0, srv, n, hs, 1) == -ENOTSUP);
	memset(srv, 'G', 64);
	CHECK(check(NULL, 0, srv, 64, hs, 1) == -ENOTSUP);
}

static void key_block(const uint8_t *master, int sha384, uint8_t *out,
		      size_t n)
{
	uint8_t seed[13 + 64];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *x = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[4];

	memcpy(seed, "key expansion", 13);
	memset(seed + 13, 2, 32);      /* server random */
	memset(seed + 45, 1, 32);      /* client random */
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						sha384 ? "SHA384" : "SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
						 (void *)master, 48);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed,
						 sizeof(seed));
	p[3] = OSSL_PARAM_construct_end();
	CHECK(EVP_KDF_derive(x, out, n, p) == 1);
	EVP_KDF_CTX_free(x);
	EVP_KDF_free(kdf);
}

/* A TLS 1.2 Finished (type 22, seq 0): GCM with an explicit nonce, or
 * ChaCha20 with iv as the nonce. */
static size_t fin12(uint8_t *out, int chacha, const uint8_t *key, int klen,
		    const uint8_t *iv)
{
	uint8_t pt[16], nonce[12], aad[13] = { 0 };
	size_t expl = chacha ? 0 : 8, n = expl + 16 + 16;

	memset(pt, 0x14, 16);
	memcpy(nonce, iv, chacha ? 12 : 4);
	if (!chacha)
		memcpy(nonce + 4, "\0\0\0\0\0\0\0\7", 8);
	out[0] = 22, out[1] = 3, out[2] = 3, out[3] = 0, out[4] = (uint8_t)n;
	memcpy(aad + 8, out, 3);
	aad[12] = 16;
	memcpy(out + 5, nonce + 4, expl);
	seal(chacha, key, klen, nonce, aad, 13, pt, 16, out + 5 + expl);
	return 5 + n;
}

static void test_tls12(uint16_t suite, int chacha, int klen, int ivlen,
		       int sha384)
{
	uint8_t master[48], kb[128], cli[512], srv[512], ch[60] = { 1 };
	char line[200], wrong[200];
	size_t cn, sn;

	memset(master, 0x4d, 48);
	snprintf(line, sizeof(line), "CLIENT_RANDOM " CR " %s\n",
		 "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"
		 "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d");
	memcpy(wrong, line, sizeof(line));
	wrong[80] = wrong[80] == '0' ? '1' : '0';
	key_block(master, sha384, kb, (size_t)(2 * klen + 2 * ivlen));
	cn = rec(cli, 22, ch, sizeof(ch));
	sn = server_hello(srv, suite);
	CHECK(check(cli, cn, srv, sn, line, 1) == -EAGAIN);
	cn += rec(cli + cn, 20, (const uint8_t *)"\1", 1);
	cn += fin12(cli + cn, chacha, kb, klen, kb + 2 * klen);
	CHECK(check(cli, cn, srv, sn, line, 0) == VERIFY_OK);
	CHECK(check(cli, cn, srv, sn, wrong, 0) == VERIFY_BAD);
	/* the server's Finished, with the server's key */
	sn += rec(srv + sn, 20, (const uint8_t *)"\1", 1);
	sn += fin12(srv + sn, chacha, kb + klen, klen, kb + 2 * klen + ivlen);
	CHECK(check(cli, cn, srv, sn, line, 0) == VERIFY_OK);
	CHECK(check(cli, 0, srv, sn, line, 0) == VERIFY_OK);
	srv[sn - 3] ^= 0x80;
	CHECK(check(cli, cn, srv, sn, line, 0) == VERIFY_BAD);
}

/* TLS 1.2 renegotiation: streams that start with records encrypted under
 * the first keys (their ChangeCipherSpec header in clear, too); the new
 * keys must open the first record after each side's ChangeCipherSpec. */
static void test_renegotiation(void)
{
	uint8_t master[48], kb[128], cli[512], srv[512], junk[40];
	const char *mk = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"
			 "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d";
	const char *sr = "0202020202020202020202020202020202020202020202020202020202020202"
			 "c02f";
	struct keys_set keys = { 0 }, wrong, master_only = { 0 };
	struct verify_streams st;
	size_t cn, sn;

	memset(master, 0x4d, 48);
	memset(junk, 0xa5, sizeof(junk));
	key_block(master, 0, kb, 2 * 16 + 2 * 4);
	CHECK(test_keys_line(&keys, KEYS_CLIENT_RANDOM, CR, mk) == 1);
	master_only = keys;
	CHECK(test_keys_line(&keys, KEYS_SERVER_HELLO, CR, sr) == 1);
	wrong = keys;
	wrong.line[1].secret[31] ^= 1; /* the server random's last byte */
	cn = rec(cli, 22, junk, sizeof(junk));      /* ClientHello, encrypted */
	sn = rec(srv, 22, junk, 24);                /* HelloRequest */
	sn += rec(srv + sn, 22, junk, sizeof(junk)); /* ServerHello..., encrypted */
	st = (struct verify_streams){ cli, cn, srv, sn };
	CHECK(verify_renegotiation(&st, &keys) == -EAGAIN);
	cn += rec(cli + cn, 20, junk, 25);           /* its CCS, encrypted */
	cn += fin12(cli + cn, 0, kb, 16, kb + 32);
	st.cli_len = cn;
	CHECK(verify_renegotiation(&st, &keys) == VERIFY_OK);
	CHECK(verify_renegotiation(&st, &wrong) == VERIFY_BAD);
	sn += rec(srv + sn, 20, junk, 25);
	sn += fin12(srv + sn, 0, kb + 16, 16, kb + 32 + 4);
	st.srv_len = sn;
	CHECK(verify_renegotiation(&st, &keys) == VERIFY_OK);
	/* without the internal line, or a TLS 1.3 / unknown suite in it,
	 * nothing can be told */
	CHECK(verify_renegotiation(&st, &master_only) == -ENOTSUP);
	keys.line[1].secret[32] = 0x13, keys.line[1].secret[33] = 0x01;
	CHECK(verify_renegotiation(&st, &keys) == -ENOTSUP);
}

/* A record under the previous session's server keys (kb: its key block;
 * ml, klen, ivlen: the suite's), at sequence number seq: AES-GCM (its
 * explicit nonce the number), ChaCha20-Poly1305, or AES-CBC (a fixed
 * IV, encrypt-then-MAC with a MAC that is not checked). */
static size_t rec12(uint8_t *out, uint8_t type, const uint8_t *pt, size_t n,
		    int chacha, int ml, int klen, int ivlen, const uint8_t *kb,
		    uint64_t seq)
{
	const uint8_t *key = kb + 2 * ml + klen, *iv = key + klen + ivlen;
	uint8_t nonce[12], aad[13], buf[256];
	size_t expl = chacha || ml ? 0 : 8, len;
	EVP_CIPHER_CTX *x;
	int l;

	out[0] = type, out[1] = 3, out[2] = 3;
	if (ml) { /* IV | AES-CBC(pt | padding) | MAC */
		size_t pad = 15 - n % 16;

		memcpy(buf, pt, n);
		memset(buf + n, (int)pad, pad + 1);
		len = 16 + n + pad + 1 + (size_t)ml;
		memset(out + 5, 0x33, 16);
		x = EVP_CIPHER_CTX_new();
		CHECK(EVP_EncryptInit_ex(x, EVP_aes_128_cbc(), NULL, key, out + 5) == 1);
		CHECK(EVP_CIPHER_CTX_set_padding(x, 0) == 1);
		CHECK(EVP_EncryptUpdate(x, out + 21, &l, buf, (int)(n + pad + 1)) == 1);
		EVP_CIPHER_CTX_free(x);
		memset(out + 21 + n + pad + 1, 0xee, (size_t)ml);
	} else {
		len = expl + n + 16;
		memcpy(nonce, iv, chacha ? 12 : 4);
		for (int i = 0; i < 8; i++) {
			aad[7 - i] = (uint8_t)(seq >> (8 * i));
			if (chacha)
				nonce[11 - i] ^= aad[7 - i];
		}
		if (!chacha)
			memcpy(nonce + 4, aad, 8);
		memcpy(aad + 8, out, 3);
		aad[11] = (uint8_t)(n >> 8), aad[12] = (uint8_t)n;
		memcpy(out + 5, nonce + 4, expl);
		seal(chacha, key, klen, nonce, aad, 13, pt, (int)n, out + 5 + expl);
	}
	out[3] = (uint8_t)(len >> 8), out[4] = (uint8_t)len;
	return 5 + len;
}

/* A renegotiation under suite (the previous session's and its own)
 * whose keys do not say its server random: read from its ServerHello,
 * sealed under the previous keys after application data and a
 * HelloRequest, at sequence numbers the reader does not know; then the
 * new keys with it open the new Finished.  A wrong previous master
 * secret reads nothing. */
static void test_reneg_hello(uint16_t suite, int chacha, int ml, int klen,
			     int ivlen)
{
	static const uint8_t hello_req[4];
	uint8_t kb[160], nkb[160], srv[1024], cli[256], hs[64], out[34];
	uint8_t want[34], data[40];
	const char *mk = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"
			 "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d";
	const char *nk = "6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e"
			 "6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e";
	char sr[80];
	struct keys_set prev = { 0 }, wrong, keys = { 0 };
	struct verify_streams st;
	uint8_t master[48];
	size_t sn, cn, cut, hn = server_hello(hs, suite) - 5;
	uint64_t seq = chacha ? 4242 : 7;

	memmove(hs, hs + 5, hn); /* the message, not its record */
	memset(want, 2, 32);
	want[32] = (uint8_t)(suite >> 8), want[33] = (uint8_t)suite;
	snprintf(sr, sizeof(sr), "%s%04x",
		 "0202020202020202020202020202020202020202020202020202020202020202", suite);
	CHECK(test_keys_line(&prev, KEYS_CLIENT_RANDOM, CR, mk) == 1);
	CHECK(test_keys_line(&prev, KEYS_SERVER_HELLO, CR, sr) == 1);
	wrong = prev;
	wrong.line[0].secret[0] ^= 1;
	memset(master, 0x4d, 48);
	key_block(master, 0, kb, (size_t)(2 * ml + 2 * klen + 2 * ivlen));
	memset(data, 0x61, sizeof(data));
	sn = rec12(srv, 23, data, sizeof(data), chacha, ml, klen, ivlen, kb, seq);
	sn += rec12(srv + sn, 22, hello_req, 4, chacha, ml, klen, ivlen, kb, seq + 1);
	cut = sn;
	sn += rec12(srv + sn, 22, hs, hn, chacha, ml, klen, ivlen, kb, seq + 2);
	st = (struct verify_streams){ NULL, 0, srv, cut };
	CHECK(verify_reneg_hello(&st, &prev, false, out) == -EAGAIN);
	CHECK(verify_reneg_hello(&st, &prev, true, out) == -ENOENT);
	st.srv_len = sn;
	memset(out, 0, sizeof(out));
	CHECK(verify_reneg_hello(&st, &prev, false, out) == 1);
	CHECK(!memcmp(out, want, 34));
	CHECK(verify_reneg_hello(&st, &wrong, true, out) == -ENOENT);
	CHECK(verify_reneg_hello(&st, &keys, true, out) == -ENOTSUP);
	if (ml)
		return; /* the CBC Finished: tests/e2e/test_tls_cbc.sh */
	/* the new session's keys, with the server random read */
	CHECK(test_keys_line(&keys, KEYS_CLIENT_RANDOM, CR, nk) == 1);
	CHECK(test_keys_line(&keys, KEYS_SERVER_HELLO, CR, sr) == 1);
	memset(master, 0x6e, 48);
	key_block(master, 0, nkb, (size_t)(2 * klen + 2 * ivlen));
	cn = rec(cli, 22, data, sizeof(data));     /* its ClientHello */
	cn += rec(cli + cn, 20, data, 25);          /* CCS, encrypted */
	cn += fin12(cli + cn, chacha, nkb, klen, nkb + 2 * klen);
	st = (struct verify_streams){ cli, cn, srv, sn };
	CHECK(verify_renegotiation(&st, &keys) == VERIFY_OK);
	/* a ChaCha20 record past the numbers searched: not read */
	if (chacha) {
		sn = rec12(srv, 22, hs, hn, chacha, ml, klen, ivlen, kb, 1u << 16);
		st = (struct verify_streams){ NULL, 0, srv, sn };
		CHECK(verify_reneg_hello(&st, &prev, false, out) == -ENOENT);
	}
}

/* The real renegotiation of reneg_chacha.h: its server random read
 * with the first session's keys is tshark's; with it the new keys open
 * both new Finished records.  A first master secret one bit off, or
 * none, reads nothing; the new keys with a server random one bit off
 * open nothing. */
static void test_reneg_real(void)
{
	static uint8_t srv[2048], cli[512];
	struct keys_set prev = { 0 }, wrong, keys = { 0 }, bad;
	uint8_t out[34], want[34];
	struct verify_streams st;
	size_t sn = unhex(RENEG_CHACHA_SRV, srv, sizeof(srv));
	size_t cn = unhex(RENEG_CHACHA_CLI, cli, sizeof(cli));

	CHECK(sn > 1000 && cn > 300);
	CHECK(test_keys_line(&prev, KEYS_CLIENT_RANDOM, RENEG_CHACHA_CR1,
			     RENEG_CHACHA_MS1) == 1);
	CHECK(test_keys_line(&prev, KEYS_SERVER_HELLO, RENEG_CHACHA_CR1,
			     RENEG_CHACHA_SR1 "cca8") == 1);
	wrong = prev;
	wrong.line[0].secret[47] ^= 1;
	st = (struct verify_streams){ cli, cn, srv, sn };
	CHECK(verify_reneg_hello(&st, &prev, false, out) == 1);
	unhex(RENEG_CHACHA_SR2 "cca8", want, sizeof(want));
	CHECK(!memcmp(out, want, 34));
	CHECK(verify_reneg_hello(&st, &wrong, false, out) == -ENOENT);
	wrong.n = 1; /* the master secret alone */
	CHECK(verify_reneg_hello(&st, &wrong, false, out) == -ENOTSUP);
	CHECK(test_keys_line(&keys, KEYS_CLIENT_RANDOM, RENEG_CHACHA_CR2,
			     RENEG_CHACHA_MS2) == 1);
	CHECK(test_keys_line(&keys, KEYS_SERVER_HELLO, RENEG_CHACHA_CR2,
			     RENEG_CHACHA_SR2 "cca8") == 1);
	CHECK(verify_renegotiation(&st, &keys) == VERIFY_OK);
	bad = keys;
	bad.line[1].secret[0] ^= 1;
	CHECK(verify_renegotiation(&st, &bad) == VERIFY_BAD);
}

/* 0-RTT: the early-data record after the RFC's ClientHello opens with
 * the early traffic secret derived from it. */
static void test_early(void)
{
	static uint8_t cli[4096], srv[256], ch[512];
	uint8_t key[16], iv[12], want[32];
	struct keys_set keys = { 0 }, exporter = { 0 };
	struct verify_streams st;
	struct keys_line out;
	size_t cn, sn, chn = unhex(RFC8448_4_CH, ch, sizeof(ch)), first;

	unhex(RFC8448_4_EARLY_KEY, key, 16);
	unhex(RFC8448_4_EARLY_IV, iv, 12);
	unhex(RFC8448_4_C_E_TRAFFIC, want, 32);
	CHECK(test_keys_line(&keys, KEYS_EARLY_SECRET, CR, RFC8448_4_EARLY) == 1);
	cn = rec(cli, 22, ch, chn);
	sn = server_hello(srv, 0x1301);
	st = (struct verify_streams){ cli, cn, srv, sn };
	CHECK(verify_early(&st, &keys, false, &out) == -EAGAIN);
	CHECK(verify_early(&st, &keys, true, &out) == -ENOTSUP);
	CHECK(!memcmp(out.secret, want, 32) && out.label == KEYS_CLIENT_EARLY_TRAFFIC);
	first = cn;
	cn += rec(cli + cn, 20, (const uint8_t *)"\1", 1); /* compat CCS */
	cn += rec13(cli + cn, key, iv, 0, 40);               /* early data */
	st.cli_len = cn;
	memset(&out, 0, sizeof(out));
	CHECK(verify_early(&st, &keys, false, &out) == VERIFY_OK);
	CHECK(!memcmp(out.secret, want, 32) && out.secret_len == 32);
	CHECK(out.label == KEYS_CLIENT_EARLY_TRAFFIC && out.client_random[0] == 1);
	/* the ServerHello not captured yet: wait for its suite */
	st.srv_len = 0;
	CHECK(verify_early(&st, &keys, false, &out) == -EAGAIN);
	st.srv_len = sn;
	/* a record that does not open: dropped */
	cli[cn - 1] ^= 1;
	CHECK(verify_early(&st, &keys, false, &out) == VERIFY_BAD);
	/* the client's next record a handshake one: it sent no early data */
	cn = first + rec(cli + first, 22, ch, 40);
	st.cli_len = cn;
	CHECK(verify_early(&st, &keys, false, &out) == -ENOENT);
	/* no early_data extension (42 -> 43) in the ClientHello: nothing */
	for (size_t i = 0; i + 3 < chn; i++)
		if (!memcmp(ch + i, "\x00\x2a\x00\x00", 4)) {
			ch[i + 1] = 0x2b;
			break;
		}
	cn = rec(cli, 22, ch, chn);
	cn += rec13(cli + cn, key, iv, 0, 40);
	st.cli_len = cn;
	CHECK(verify_early(&st, &keys, false, &out) == -ENOENT);
	/* no early secret among the keys */
	CHECK(test_keys_text(&exporter, "EXPORTER_SECRET " CR " " RFC8448_4_EARLY "\n") == 1);
	CHECK(verify_early(&st, &exporter, false, &out) == -ENOENT);
}

/* IPv4/TCP 10.0.0.a:pa -> 10.0.0.b:pb, seq, payload. */
static uint32_t pkt(uint8_t *b, int a, int pa, int bb, int pb, uint32_t seq,
		    const char *pl)
{
	uint32_t n = 40 + (uint32_t)strlen(pl);

	memset(b, 0, 40);
	b[0] = 0x45, b[2] = (uint8_t)(n >> 8), b[3] = (uint8_t)n, b[9] = 6;
	b[12] = 10, b[15] = (uint8_t)a, b[16] = 10, b[19] = (uint8_t)bb;
	b[20] = (uint8_t)(pa >> 8), b[21] = (uint8_t)pa;
	b[22] = (uint8_t)(pb >> 8), b[23] = (uint8_t)pb;
	b[24] = (uint8_t)(seq >> 24), b[25] = (uint8_t)(seq >> 16);
	b[26] = (uint8_t)(seq >> 8), b[27] = (uint8_t)seq;
	b[32] = 5 << 4;
	memcpy(b + 40, pl, strlen(pl));
	return n;
}

static void test_streams(void)
{
	uint8_t b[8][100];
	const uint8_t *p[8];
	uint32_t l[8];
	struct streams st;
	int i;

	l[0] = pkt(b[0], 1, 5000, 2, 443, 0xfffffffe, "HELLO");   /* wraps */
	l[1] = pkt(b[1], 2, 443, 1, 5000, 1000, "abc");
	l[2] = pkt(b[2], 2, 443, 1, 5000, 1006, "ghi");           /* early */
	l[3] = pkt(b[3], 2, 443, 1, 5000, 1003, "def");
	l[4] = pkt(b[4], 2, 443, 1, 5000, 1001, "bcdEF");         /* overlap */
	l[5] = pkt(b[5], 1, 5000, 2, 443, 3, "-more");
	l[6] = pkt(b[6], 1, 5000, 2, 443, 20, "gap");             /* not taken */
	l[7] = pkt(b[7], 3, 5000, 2, 443, 8, "other");            /* other flow */
	for (i = 0; i < 8; i++)
		p[i] = b[i];
	CHECK(streams_build(p, l, 8, 1000, &st) == 0);
	CHECK(st.cli_len == 10 && !memcmp(st.cli, "HELLO-more", 10));
	CHECK(st.srv_len == 9 && !memcmp(st.srv, "abcdEFghi", 9));
	streams_free(&st);
	CHECK(streams_build(p, l, 8, 4, &st) == 0); /* capped */
	CHECK(st.cli_len == 4 && st.srv_len == 4);
	streams_free(&st);
	l[0] = 30; /* the first packet cut in its TCP header */
	CHECK(streams_build(p, l, 8, 1000, &st) == 0 && !st.cli && !st.srv);
	streams_free(&st);
}

int main(void)
{
	test_tls13();
	test_tls12(0xc02f, 0, 16, 4, 0);  /* ECDHE-RSA-AES128-GCM-SHA256 */
	test_tls12(0xc030, 0, 32, 4, 1);  /* ECDHE-RSA-AES256-GCM-SHA384 */
	test_tls12(0xcca8, 1, 32, 12, 0); /* ECDHE-RSA-CHACHA20-POLY1305 */
	test_streams();
	test_renegotiation();
	test_reneg_hello(0xc02f, 0, 0, 16, 4);   /* ECDHE-RSA-AES128-GCM-SHA256 */
	test_reneg_hello(0xcca8, 1, 0, 32, 12);  /* ECDHE-RSA-CHACHA20-POLY1305 */
	test_reneg_hello(0xc027, 0, 32, 16, 0);  /* ECDHE-RSA-AES128-SHA256 (CBC) */
	test_reneg_real();
	test_early();
	return test_done("test_verify");
}
