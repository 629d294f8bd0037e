// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_keys.c - the key module: HKDF-Expand-Label against RFC 8448 §3
 * ("Simple 1-RTT Handshake", SHA-256), SHA-384 vectors computed
 * independently (Python hmac/hashlib, and `openssl kdf` again at run time
 * when the command is there), OpenSSL snapshots -> exact key-log lines,
 * plausibility checks, and the bounded dedup table; 0-RTT's
 * CLIENT_EARLY_TRAFFIC_SECRET against RFC 8448 §4 ("Resumed 0-RTT
 * Handshake"), the internal lines (an early secret, a TLS 1.2 server
 * random) and their removal.
 */
#include "crypto/keys.h"
#include "out/keytext.h"
#include "crypto/keylabel.h"
#include "rfc8448_0rtt.h"
#include "testlib.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- tools */

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	return test_unhex(s, out, max);
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = 0;
}

static int expand_hex(int md, const char *secret_hex, const char *label,
		      const char *ctx_hex, size_t out_len, char *out_hex)
{
	uint8_t secret[64], ctx[255], out[255];
	size_t ctx_len = unhex(ctx_hex, ctx, sizeof(ctx));
	int err;

	unhex(secret_hex, secret, sizeof(secret));
	err = keys_hkdf_expand_label(md, secret, label, ctx, ctx_len, out,
				     out_len);
	if (!err)
		tohex(out, out_len, out_hex);
	return err;
}

#define CHECK_EXPAND(md, secret, label, ctx, len, want)                     \
	do {                                                                \
		char got_[2 * 255 + 1] = "";                                \
		int e_ = expand_hex(md, secret, label, ctx, len, got_);     \
		CHECK_MSG(e_ == 0 && !strcmp(got_, want), "%s: %d %s", label, \
			  e_, got_);                                        \
	} while (0)

/* ------------------------------------------------------ RFC 8448 §3 */

/* {server} extract secret "handshake" / hash of ClientHello..ServerHello */
#define R_HS "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"
#define R_HELLO "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"
#define R_C_HS "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
#define R_S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
/* {server} extract secret "master" / hash of ClientHello..server Finished */
#define R_MS "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"
#define R_SFIN "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"
#define R_C_AP "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"
#define R_S_AP "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"
#define R_EXP "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50"

static void test_rfc8448(void)
{
	CHECK_EXPAND(32, R_HS, "c hs traffic", R_HELLO, 32, R_C_HS);
	CHECK_EXPAND(32, R_HS, "s hs traffic", R_HELLO, 32, R_S_HS);
	CHECK_EXPAND(32, R_MS, "c ap traffic", R_SFIN, 32, R_C_AP);
	CHECK_EXPAND(32, R_MS, "s ap traffic", R_SFIN, 32, R_S_AP);
	CHECK_EXPAND(32, R_MS, "exp master", R_SFIN, 32, R_EXP);
	/* Empty context, Length != HashLen: {server} derive write traffic
	 * keys for handshake data (key 16, iv 12). */
	CHECK_EXPAND(32, R_S_HS, "key", "", 16, "3fce516009c21727d0f2e4e86ee403bc");
	CHECK_EXPAND(32, R_S_HS, "iv", "", 12, "5d313eb2671276ee13000b30");
	/* {server} derive secret for master "tls13 derived": Hash("") ctx */
	CHECK_EXPAND(32, R_HS, "derived",
		     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		     32, "43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4");
}

/* ------------------------------------------------------------ SHA-384 */

/* secret = bytes 0x00..0x2f, hash = SHA-384("tlsdump"); expected values
 * from a Python hmac/hashlib HKDF-Expand-Label and `openssl kdf`. */
#define S384 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	     "202122232425262728292a2b2c2d2e2f"
#define H384 "57d73bd3699127f54a10310f94f616f6128be01d899fbeacecb285785be68cea" \
	     "5eb7b9e4354d98fa8392750eaab616ae"
#define X384_C_HS "658b8b56d00ccce4df8011d873531ef6d062425cc2ced884503a2648af3dd722" \
		  "536865c51b6a2022bd14eebbb97a55d4"
#define X384_S_HS "cec4ac1deec8ddfe0703491cf71f74e4ca24f04ab896ecac4795352758532693" \
		  "d8ac7c757ecdcd0b5a8719c89352951b"
#define X384_C_AP "f7412cdc04d14136254699813d0d5a3eedf7a54df0261e082e1714b5d7115469" \
		  "fde50751e17ab28597f354fc1bb15bdd"
#define X384_S_AP "71f2a2469dcbb25d05709e5977d24035f3954a8546a3a4ae12f3dd4079f14c36" \
		  "cc6cb3b872482a74166a403edcec7729"
#define X384_EXP "94a8646442f8cf65efb5fad60a4a62cc1ea405fdc4a4399c47cadc91bae8662a" \
		 "f5bf598e15158584ffe3cfc0f2622c75"

static void test_sha384(void)
{
	CHECK_EXPAND(48, S384, "c hs traffic", H384, 48, X384_C_HS);
	CHECK_EXPAND(48, S384, "s hs traffic", H384, 48, X384_S_HS);
	CHECK_EXPAND(48, S384, "c ap traffic", H384, 48, X384_C_AP);
	CHECK_EXPAND(48, S384, "s ap traffic", H384, 48, X384_S_AP);
	CHECK_EXPAND(48, S384, "exp master", H384, 48, X384_EXP);
}

/* The same function against the openssl command, on inputs of several
 * shapes; the HkdfLabel (RFC 8446 §7.1) is built here by hand. */
static int cli_expand(int md, const uint8_t *key, const char *label,
		      const uint8_t *ctx, size_t ctx_len, size_t len, char *hexout)
{
	char cmd[2048], info[600], keyh[100], line[1024];
	uint8_t raw[300];
	size_t n = 0, ll = strlen(label) + 6;
	FILE *p;
	char *s, *o = hexout;

	raw[n++] = len >> 8;
	raw[n++] = len;
	raw[n++] = ll;
	memcpy(raw + n, "tls13 ", 6);
	memcpy(raw + n + 6, label, ll - 6);
	n += ll;
	raw[n++] = ctx_len;
	memcpy(raw + n, ctx, ctx_len);
	n += ctx_len;
	tohex(raw, n, info);
	tohex(key, md, keyh);
	snprintf(cmd, sizeof(cmd),
		 "openssl kdf -keylen %zu -kdfopt digest:SHA%d -kdfopt mode:EXPAND_ONLY "
		 "-kdfopt hexkey:%s -kdfopt hexinfo:%s HKDF 2>/dev/null",
		 len, md == 48 ? 384 : 256, keyh, info);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	if (pclose(p))
		return -1;
	for (s = line; *s && *s != '\n'; s++)
		if (*s != ':')
			*o++ = (*s >= 'A' && *s <= 'F') ? *s - 'A' + 'a' : *s;
	*o = 0;
	return 0;
}

static void test_against_openssl_cli(void)
{
	static const struct { int md; const char *label; size_t ctx, len; } c[] = {
		{ 32, "c hs traffic", 32, 32 }, { 48, "s ap traffic", 48, 48 },
		{ 48, "key", 0, 32 },           { 48, "iv", 0, 12 },
		{ 32, "exp master", 7, 100 },   { 48, "finished", 0, 48 },
	};
	uint8_t key[48], ctx[48], out[128];
	char want[300], got[300];

	if (system("openssl version >/dev/null 2>&1")) {
		printf("note: no openssl command, run-time cross-check skipped\n");
		return;
	}
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		for (size_t j = 0; j < sizeof(key); j++)
			key[j] = (uint8_t)(i * 37 + j * 11 + 1);
		for (size_t j = 0; j < sizeof(ctx); j++)
			ctx[j] = (uint8_t)(i * 53 + j * 7 + 3);
		CHECK(!keys_hkdf_expand_label(c[i].md, key, c[i].label, ctx,
					      c[i].ctx, out, c[i].len));
		tohex(out, c[i].len, got);
		CHECK(!cli_expand(c[i].md, key, c[i].label, ctx, c[i].ctx,
				  c[i].len, want));
		CHECK_MSG(!strcmp(got, want), "case %zu: %s vs %s", i, got, want);
	}
}

static void test_hkdf_args(void)
{
	uint8_t k[48] = { 1 }, out[64];
	char longlabel[251];

	memset(longlabel, 'a', 250);
	longlabel[250] = 0;
	CHECK(keys_hkdf_expand_label(20, k, "x", NULL, 0, out, 32) == -EINVAL);
	CHECK(keys_hkdf_expand_label(32, k, "x", NULL, 256, out, 32) == -EINVAL);
	CHECK(keys_hkdf_expand_label(32, k, "x", NULL, 0, out, 0) == -EINVAL);
	CHECK(keys_hkdf_expand_label(32, k, longlabel, NULL, 0, out, 32) == -EINVAL);
	longlabel[249] = 0; /* "tls13 " + 249 = 255: the longest allowed */
	CHECK(keys_hkdf_expand_label(32, k, longlabel, NULL, 0, out, 32) == 0);
	CHECK(keys_hkdf_expand_label(32, k, "x", NULL, 0, out, 32) == 0);
}

/* ------------------------------------------------------ event -> lines */

#define CR "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"

static void ev_init(struct ossl_event *ev, int version, uint32_t cipher)
{
	memset(ev, 0, sizeof(*ev));
	ev->version = version;
	ev->cipher_id = cipher;
	ev->pid = 42;
	unhex(CR, ev->client_random, sizeof(ev->client_random));
}

/* The written lines of a set as one text (the writers' text). */
static void set_text(const struct keys_set *set, char *buf, size_t size)
{
	int n = keys_sets_format(set, 1, buf, size);

	CHECK(n >= 0);
	buf[n > 0 ? n : 0] = 0;
}

static int count_lines(const char *t)
{
	int n = 0;

	for (; *t; t++)
		n += *t == '\n';
	return n;
}

static void test_tls12(void)
{
	const char *mk = "0102030405060708090a0b0c0d0e0f101112131415161718"
			 "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30";
	struct ossl_event ev;
	struct keys_set set;
	char text[1024];

	ev_init(&ev, 0x0303, 0x0300c02f);
	unhex(mk, ev.master_key, 48);
	ev.master_key_length = 48;
	CHECK(keys_from_ossl_event(&ev, &set) == 1 && set.n == 1);
	set_text(&set, text, sizeof(text));
	CHECK_MSG(!strcmp(text, "CLIENT_RANDOM " CR " 0102030405060708090a0b0c0d0e0f101112131415161718"
			  "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30\n"), "%s", text);

	ev.cipher_id = 0; /* not known yet: still fine for TLS 1.2 */
	CHECK(keys_from_ossl_event(&ev, &set) == 1);
	ev.version = 0xfefd; /* DTLS 1.2 */
	CHECK(keys_from_ossl_event(&ev, &set) == 1);
	ev.version = 0x0301;
	CHECK(keys_from_ossl_event(&ev, &set) == 1);

	ev.master_key_length = 0; /* no master key yet */
	CHECK(keys_from_ossl_event(&ev, &set) == 0 && set.n == 0);
	ev.master_key_length = 48;
	memset(ev.master_key, 0, 48);
	CHECK(keys_from_ossl_event(&ev, &set) == 0 && set.n == 0);
}

static void fill_tls13(struct ossl_event *ev, const char *hs, const char *hh,
		       const char *ms, const char *fh)
{
	if (hs)
		unhex(hs, ev->handshake_secret, 64);
	if (hh)
		unhex(hh, ev->handshake_traffic_hash, 64);
	if (ms)
		unhex(ms, ev->master_secret, 64);
	if (fh)
		unhex(fh, ev->server_finished_hash, 64);
}

static void test_tls13_sha256(void)
{
	struct ossl_event ev;
	struct keys_set set;
	char text[2048];

	ev_init(&ev, 0x0304, 0x03001301);
	fill_tls13(&ev, R_HS, R_HELLO, R_MS, R_SFIN);
	/* Bytes past L (a SHA-384 suite used this object before) are not
	 * ours to read. */
	memset(ev.handshake_secret + 32, 0xee, 32);
	memset(ev.server_finished_hash + 32, 0xee, 32);
	CHECK(keys_from_ossl_event(&ev, &set) == 5 && set.n == 5);
	set_text(&set, text, sizeof(text));
	CHECK_MSG(!strcmp(text,
		  "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR " " R_C_HS "\n"
		  "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " R_S_HS "\n"
		  "CLIENT_TRAFFIC_SECRET_0 " CR " " R_C_AP "\n"
		  "SERVER_TRAFFIC_SECRET_0 " CR " " R_S_AP "\n"
		  "EXPORTER_SECRET " CR " " R_EXP "\n"), "%s", text);

	/* Lines known already (the other end wrote them) are not derived
	 * again: the handshake pair known, the other three come. */
	CHECK(keys_from_ossl_event_except(&ev, 1u << KEYS_CLIENT_HANDSHAKE_TRAFFIC |
					  1u << KEYS_SERVER_HANDSHAKE_TRAFFIC, &set) == 3);
	set_text(&set, text, sizeof(text));
	CHECK_MSG(!strcmp(text,
		  "CLIENT_TRAFFIC_SECRET_0 " CR " " R_C_AP "\n"
		  "SERVER_TRAFFIC_SECRET_0 " CR " " R_S_AP "\n"
		  "EXPORTER_SECRET " CR " " R_EXP "\n"), "%s", text);
	CHECK(keys_from_ossl_event_except(&ev, 0x7e, &set) == 0 && set.n == 0);

	/* The other SHA-256 suites give the same lines. */
	for (uint32_t c = 0x03001303; c <= 0x03001305; c++) {
		ev.cipher_id = c;
		CHECK(keys_from_ossl_event(&ev, &set) == 5 &&
		      set.line[0].secret_len == 32);
	}
}

static void test_tls13_sha384(void)
{
	struct ossl_event ev;
	struct keys_set set;
	char text[2048];

	ev_init(&ev, 0x0304, 0x03001302);
	fill_tls13(&ev, S384, H384, S384, H384);
	CHECK(keys_from_ossl_event(&ev, &set) == 5);
	set_text(&set, text, sizeof(text));
	CHECK_MSG(!strcmp(text,
		  "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR " " X384_C_HS "\n"
		  "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " X384_S_HS "\n"
		  "CLIENT_TRAFFIC_SECRET_0 " CR " " X384_C_AP "\n"
		  "SERVER_TRAFFIC_SECRET_0 " CR " " X384_S_AP "\n"
		  "EXPORTER_SECRET " CR " " X384_EXP "\n"), "%s", text);
}

static void test_tls13_partial(void)
{
	struct ossl_event ev;
	struct keys_set set;
	char text[2048];

	/* Server after its flight, or client mid-handshake: handshake only. */
	ev_init(&ev, 0x0304, 0x03001301);
	fill_tls13(&ev, R_HS, R_HELLO, NULL, NULL);
	CHECK(keys_from_ossl_event(&ev, &set) == 2);
	set_text(&set, text, sizeof(text));
	CHECK_MSG(!strcmp(text,
		  "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR " " R_C_HS "\n"
		  "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " R_S_HS "\n"), "%s", text);

	/* Master secret without its transcript hash: not yet. */
	fill_tls13(&ev, NULL, NULL, R_MS, NULL);
	CHECK(keys_from_ossl_event(&ev, &set) == 2);

	/* Transcript hash without the secret: nothing. */
	ev_init(&ev, 0x0304, 0x03001301);
	fill_tls13(&ev, NULL, R_HELLO, NULL, R_SFIN);
	CHECK(keys_from_ossl_event(&ev, &set) == 0 && set.n == 0);

	/* Only the application part. */
	fill_tls13(&ev, NULL, NULL, R_MS, NULL);
	CHECK(keys_from_ossl_event(&ev, &set) == 3);
	CHECK(set.line[0].label == KEYS_CLIENT_TRAFFIC_0 &&
	      set.line[2].label == KEYS_EXPORTER);

	/* Zero client random: never a line. */
	fill_tls13(&ev, R_HS, R_HELLO, R_MS, R_SFIN);
	memset(ev.client_random, 0, 32);
	CHECK(keys_from_ossl_event(&ev, &set) == 0 && set.n == 0);

	/* Nothing negotiated yet (SSL_new with TLS_method), no cipher yet. */
	ev_init(&ev, 0x10000, 0);
	CHECK(keys_from_ossl_event(&ev, &set) == 0);
	ev_init(&ev, 0x0304, 0);
	fill_tls13(&ev, R_HS, R_HELLO, R_MS, R_SFIN);
	CHECK(keys_from_ossl_event(&ev, &set) == 0 && set.n == 0);
}

static void test_implausible(void)
{
	static const struct { int version; uint32_t cipher, mkl; } bad[] = {
		{ 0, 0x03001301, 48 },          { 0x0305, 0x03001301, 48 },
		{ 0x12345678, 0x03001301, 48 }, { -1, 0, 0 },
		{ 0x0304, 0x0300c02f, 48 },     { 0x0304, 0x03001306, 48 },
		{ 0x0304, 0x00001301, 48 },     { 0x0304, 0x03001300, 48 },
		{ 0x0303, 0xdeadbeef, 48 },     { 0x0303, 0x0400c02f, 48 },
		{ 0x0303, 0x0300c02f, 100000 }, { 0xfefe, 0x0300c02f, 48 },
	};
	struct ossl_event ev;
	struct keys_set set;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ev_init(&ev, bad[i].version, bad[i].cipher);
		fill_tls13(&ev, R_HS, R_HELLO, R_MS, R_SFIN);
		memset(ev.master_key, 0x5a, 48);
		ev.master_key_length = bad[i].mkl;
		set.n = 99;
		CHECK_MSG(keys_from_ossl_event(&ev, &set) == -EPROTO && set.n == 0,
			  "case %zu", i);
	}
}

static void test_format_and_names(void)
{
	struct keys_line l = { .label = KEYS_SERVER_HANDSHAKE_TRAFFIC,
			       .secret_len = 48 };
	char buf[KEYS_LINE_MAX];
	int n;

	memset(l.client_random, 0xab, 32);
	memset(l.secret, 0xcd, 48);
	n = keys_line_format(&l, buf, sizeof(buf));
	CHECK(n == 31 + 1 + 64 + 1 + 96 + 1 && n + 1 == KEYS_LINE_MAX);
	CHECK(buf[n - 1] == '\n' && buf[n] == 0);
	CHECK(keys_line_format(&l, buf, n) == -ENOSPC);
	l.label = KEYS_LABEL_COUNT;
	CHECK(keys_line_format(&l, buf, sizeof(buf)) == -EINVAL);
	l.label = KEYS_EXPORTER;
	l.secret_len = 0;
	CHECK(keys_line_format(&l, buf, sizeof(buf)) == -EINVAL);

	/* one table: what the writers write is what the parse reads */
	for (int i = 0; i < KEYS_FIRST_INTERNAL; i++) {
		CHECK(keys_label_parse(keys_label_name(i)) == i);
		CHECK(keys_label_text(i) && !strcmp(keys_label_text(i), keys_label_name(i)));
	}
	/* the internal labels have no text: never written, never parsed */
	for (int i = KEYS_FIRST_INTERNAL; i < KEYS_LABEL_COUNT; i++) {
		l.label = (uint8_t)i;
		l.secret_len = 32;
		CHECK(keys_line_format(&l, buf, sizeof(buf)) == -EINVAL);
		CHECK(keys_label_parse(keys_label_name(i)) == -EINVAL);
		CHECK(keys_label_text(i) == NULL);
	}
	CHECK(keys_label_text(KEYS_LABEL_COUNT) == NULL);
	CHECK(keys_label_parse("CLIENT_TRAFFIC_SECRET_1") == -EINVAL);
	CHECK(!strcmp(keys_label_name(99), "UNKNOWN"));
	CHECK(!strcmp(keys_tls_version_name(0x0304), "TLS1_3_VERSION"));
	CHECK(!strcmp(keys_tls_version_name(0x0303), "TLS1_2_VERSION"));
	CHECK(!strcmp(keys_tls_version_name(0xfefd), "DTLS1_2_VERSION"));
	CHECK(!strcmp(keys_tls_version_name(7), "UNKNOWN_VERSION"));
}

/* ---------------------------------------------------------------- dedup */

static void mk_line(struct keys_line *l, uint32_t id, int label, uint8_t s)
{
	memset(l, 0, sizeof(*l));
	l->label = label;
	l->secret_len = 32;
	memcpy(l->client_random, &id, sizeof(id));
	l->client_random[31] = 1;
	memset(l->secret, s, 32);
}

static void test_dedup_basic(void)
{
	struct keys_dedup *d = keys_dedup_new(16);
	struct keys_dedup_stats st;
	struct keys_line l;

	CHECK(d);
	if (!d)
		return;
	mk_line(&l, 1, KEYS_CLIENT_TRAFFIC_0, 0x11);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_SEEN);
	mk_line(&l, 1, KEYS_CLIENT_TRAFFIC_0, 0x22); /* another secret */
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_CONFLICT);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_CONFLICT);
	mk_line(&l, 1, KEYS_CLIENT_TRAFFIC_0, 0x11); /* the first one stays */
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_SEEN);
	l.secret_len = 48; /* same prefix, other length: a different secret */
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_CONFLICT);
	mk_line(&l, 1, KEYS_SERVER_TRAFFIC_0, 0x11); /* other label */
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW);
	mk_line(&l, 2, KEYS_CLIENT_TRAFFIC_0, 0x11); /* other random */
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW);
	l.label = KEYS_LABEL_COUNT;
	CHECK(keys_dedup_add(d, &l) == -EINVAL);
	keys_dedup_get_stats(d, &st);
	CHECK(st.entries == 3 && st.added == 3 && st.seen == 2 &&
	      st.conflicts == 3 && st.evictions == 0 && st.capacity == 16);
	keys_dedup_free(d);

	errno = 0;
	CHECK(!keys_dedup_new(KEYS_DEDUP_MAX_CAPACITY + 1) && errno == EINVAL);
}

static void test_dedup_eviction(void)
{
	struct keys_dedup *d = keys_dedup_new(4);
	struct keys_dedup_stats st;
	struct keys_line l;

	CHECK(d);
	if (!d)
		return;
	for (uint32_t i = 1; i <= 5; i++) {
		mk_line(&l, i, KEYS_CLIENT_RANDOM, i);
		CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW);
	}
	keys_dedup_get_stats(d, &st);
	CHECK(st.entries == 4 && st.evictions == 1);
	for (uint32_t i = 2; i <= 5; i++) { /* 1 was the oldest */
		mk_line(&l, i, KEYS_CLIENT_RANDOM, i);
		CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_SEEN);
	}
	mk_line(&l, 1, KEYS_CLIENT_RANDOM, 1);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW); /* evicts 2 */
	mk_line(&l, 2, KEYS_CLIENT_RANDOM, 2);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW); /* evicts 3 */
	keys_dedup_get_stats(d, &st);
	CHECK(st.entries == 4 && st.evictions == 3 && st.added == 7);
	keys_dedup_free(d);

	d = keys_dedup_new(1); /* the smallest table */
	CHECK(d);
	if (!d)
		return;
	mk_line(&l, 7, KEYS_EXPORTER, 7);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_SEEN);
	mk_line(&l, 8, KEYS_EXPORTER, 8);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW);
	mk_line(&l, 7, KEYS_EXPORTER, 7);
	CHECK(keys_dedup_add(d, &l) == KEYS_DEDUP_NEW);
	keys_dedup_free(d);
}

/* The i-th line of a repeatable random sequence (xorshift64*). */
static void gen_line(struct keys_line *l, uint32_t i, uint64_t *x)
{
	memset(l, 0, sizeof(*l));
	for (int j = 0; j < 32; j += 8) {
		uint64_t r;

		*x ^= *x >> 12, *x ^= *x << 25, *x ^= *x >> 27;
		r = *x * 0x2545f4914f6cdd1dull;
		memcpy(l->client_random + j, &r, 8);
	}
	memcpy(l->client_random, &i, sizeof(i)); /* distinct for sure */
	l->label = i % KEYS_LABEL_COUNT;
	l->secret_len = 48;
	memcpy(l->secret, l->client_random, 32);
}

/* Many distinct entries through the default-size table, in an order that
 * is random but repeatable: every one of the newest `cap` is remembered,
 * the ones before were evicted in order. */
static void test_dedup_many(void)
{
	const uint32_t total = 200000;
	struct keys_dedup *d = keys_dedup_new(0);
	struct keys_dedup_stats st;
	struct keys_line l;
	uint64_t x = 0x243f6a8885a308d3ull;
	int bad_new = 0, bad_seen = 0;
	uint32_t cap;

	CHECK(d);
	if (!d)
		return;
	keys_dedup_get_stats(d, &st);
	cap = st.capacity;
	CHECK(cap == KEYS_DEDUP_DEFAULT_CAPACITY);
	for (uint32_t i = 0; i < total; i++) {
		gen_line(&l, i, &x);
		bad_new += keys_dedup_add(d, &l) != KEYS_DEDUP_NEW;
	}
	keys_dedup_get_stats(d, &st);
	CHECK(!bad_new);
	CHECK(st.entries == cap && st.evictions == total - cap);
	/* Re-adding the newest cap (regenerate them) must say SEEN. */
	x = 0x243f6a8885a308d3ull;
	for (uint32_t i = 0; i < total; i++) {
		gen_line(&l, i, &x);
		if (i >= total - cap)
			bad_seen += keys_dedup_add(d, &l) != KEYS_DEDUP_SEEN;
	}
	CHECK_MSG(!bad_seen, "%d of the newest were forgotten", bad_seen);
	keys_dedup_get_stats(d, &st);
	CHECK(st.seen == cap && st.evictions == total - cap);
	keys_dedup_free(d);
}

/* keys_line_parse is keys_line_format's inverse; it refuses what is not
 * a key-log line. */
static void test_parse(void)
{
	struct keys_line l = { .label = KEYS_CLIENT_TRAFFIC_0, .secret_len = 32 },
			 p;
	char buf[KEYS_LINE_MAX], up[KEYS_LINE_MAX];
	int n;

	for (int i = 0; i < 32; i++)
		l.client_random[i] = (uint8_t)(0xa0 + i), l.secret[i] = (uint8_t)(7 * i);
	n = keys_line_format(&l, buf, sizeof(buf));
	CHECK(n > 0);
	memset(&p, 0, sizeof(p));
	CHECK(keys_line_parse(buf, (size_t)n, &p) == 0);
	CHECK(p.label == l.label && p.secret_len == 32 &&
	      !memcmp(p.client_random, l.client_random, 32) &&
	      !memcmp(p.secret, l.secret, 32));
	for (int i = 0; i < n; i++) /* hex in upper case, no newline: the same */
		up[i] = (char)(buf[i] >= 'a' && buf[i] <= 'f' ? buf[i] - 32 : buf[i]);
	memset(&p, 0, sizeof(p));
	CHECK(keys_line_parse(up, (size_t)n - 1, &p) == 0 && !memcmp(p.secret, l.secret, 32));
	CHECK(keys_line_parse(buf, strlen("CLIENT_TRAFFIC_SECRET_0"), &p) == -EINVAL); /* label only */
	CHECK(keys_line_parse(buf, (size_t)n - 2, &p) == -EINVAL);    /* odd digits */
	CHECK(keys_line_parse("FOO 00 11", 9, &p) == -EINVAL);        /* label */
	buf[40] = 'g';
	CHECK(keys_line_parse(buf, (size_t)n, &p) == -EINVAL);        /* digit */
	CHECK(keys_line_parse(buf, 30, &p) == -EINVAL);               /* cut */
}

/* RFC 8448 §4: the early traffic secret from the PSK's early secret and
 * the 512-octet ClientHello. */
static void test_early_rfc8448(void)
{
	static uint8_t ch[512];
	uint8_t early[32], out[48], want[32];
	size_t n = unhex(RFC8448_4_CH, ch, sizeof(ch));

	CHECK(n == 512);
	unhex(RFC8448_4_EARLY, early, 32);
	unhex(RFC8448_4_C_E_TRAFFIC, want, 32);
	CHECK(keys_early_traffic(32, early, ch, n, out) == 0);
	CHECK(!memcmp(out, want, 32));
	/* the hash is over the whole message: one octet less differs */
	CHECK(keys_early_traffic(32, early, ch, n - 1, out) == 0);
	CHECK(memcmp(out, want, 32));
	CHECK(keys_early_traffic(20, early, ch, n, out) == -EINVAL);
}

/* A TLS 1.3 snapshot carries its PSK's early secret as an internal line;
 * none without a PSK (the early secret of zeros) or when known. */
static void test_early_line(void)
{
	struct ossl_event ev;
	struct keys_set set;
	char text[2048];

	ev_init(&ev, 0x0304, 0x03001301);
	fill_tls13(&ev, R_HS, R_HELLO, R_MS, R_SFIN);
	unhex(RFC8448_4_EARLY, ev.early_secret, 32);
	CHECK(keys_from_ossl_event(&ev, &set) == 6 && set.n == 6);
	CHECK(set.line[5].label == KEYS_EARLY_SECRET &&
	      keys_label_internal(set.line[5].label) && set.line[5].secret_len == 32);
	/* the writers' text: only the five real lines */
	set_text(&set, text, sizeof(text));
	CHECK(!strstr(text, RFC8448_4_EARLY));
	CHECK(strlen(text) > 0 && count_lines(text) == 5);
	CHECK(keys_from_ossl_event_except(&ev, 1u << KEYS_EARLY_SECRET, &set) == 5);
	CHECK(keys_from_ossl_event_except(&ev, 1u << KEYS_CLIENT_EARLY_TRAFFIC, &set) == 5);
	unhex(RFC8448_NO_PSK_EARLY, ev.early_secret, 32);
	CHECK(keys_from_ossl_event(&ev, &set) == 5);
	memset(ev.early_secret, 0, sizeof(ev.early_secret));
	CHECK(keys_from_ossl_event(&ev, &set) == 5);
	/* SHA-384: its own no-PSK constant (HKDF-Extract(0, 0^48)) */
	ev_init(&ev, 0x0304, 0x03001302);
	fill_tls13(&ev, S384, H384, S384, H384);
	unhex("7ee8206f5570023e6dc7519eb1073bc4e791ad37b5c382aa10ba18e2357e7169"
	      "71f9362f2c2fe2a76bfd78dfec4ea9b5", ev.early_secret, 48);
	CHECK(keys_from_ossl_event(&ev, &set) == 5);
	ev.early_secret[0] ^= 1;
	CHECK(keys_from_ossl_event(&ev, &set) == 6 && set.line[5].secret_len == 48);
}

/* A session's keys as a set: one line per label, merged in order. */
static void test_set(void)
{
	struct keys_set a = { 0 }, b = { 0 };
	struct keys_line l = { .label = KEYS_CLIENT_RANDOM, .secret_len = 48 };
	char text[4 * KEYS_LINE_MAX];

	CHECK(!keys_set_find(&a, KEYS_CLIENT_RANDOM) && !keys_set_writes(&a));
	CHECK(keys_set_put(&a, &l) == 1 && keys_set_put(&a, &l) == 0 && a.n == 1);
	CHECK(keys_set_find(&a, KEYS_CLIENT_RANDOM) == &a.line[0]);
	l.label = KEYS_SERVER_HELLO, l.secret_len = 34;
	CHECK(keys_set_put(&b, &l) == 1 && !keys_set_writes(&b));
	set_text(&b, text, sizeof(text));
	CHECK(text[0] == 0); /* internal only: nothing to write */
	l.label = KEYS_CLIENT_RANDOM;
	CHECK(keys_set_put(&b, &l) == 1 && keys_set_writes(&b));
	CHECK(keys_set_merge(&a, &b) == 1 && a.n == 2);
	CHECK(a.line[1].label == KEYS_SERVER_HELLO);
	set_text(&a, text, sizeof(text));
	CHECK(count_lines(text) == 1 && !strncmp(text, "CLIENT_RANDOM ", 14));
	CHECK(keys_sets_format(&a, 1, text, 10) == -ENOSPC);
	keys_set_clear(&a);
	CHECK(a.n == 0);
}

/* TLS 1.2: the server random and suite ride along (renegotiation). */
static void test_server_hello_line(void)
{
	struct ossl_event ev;
	struct keys_set set;

	ev_init(&ev, 0x0303, 0x0300c02f);
	memset(ev.master_key, 0x42, 48);
	ev.master_key_length = 48;
	memset(ev.server_random, 0x5e, 32);
	CHECK(keys_from_ossl_event(&ev, &set) == 2 && set.n == 2);
	CHECK(set.line[1].label == KEYS_SERVER_HELLO && set.line[1].secret_len == 34);
	CHECK(set.line[1].secret[0] == 0x5e && set.line[1].secret[31] == 0x5e);
	CHECK(set.line[1].secret[32] == 0xc0 && set.line[1].secret[33] == 0x2f);
	/* nothing new: not sent alone */
	CHECK(keys_from_ossl_event_except(&ev, 1u << KEYS_CLIENT_RANDOM, &set) == 0);
	ev.cipher_id = 0; /* suite not known: no such line */
	CHECK(keys_from_ossl_event(&ev, &set) == 1);
}

int main(void)
{
	test_rfc8448();
	test_sha384();
	test_against_openssl_cli();
	test_hkdf_args();
	test_tls12();
	test_tls13_sha256();
	test_tls13_sha384();
	test_tls13_partial();
	test_implausible();
	test_format_and_names();
	test_parse();
	test_dedup_basic();
	test_dedup_eviction();
	test_dedup_many();
	test_early_rfc8448();
	test_early_line();
	test_server_hello_line();
	test_set();
	return test_done("test_keys");
}
