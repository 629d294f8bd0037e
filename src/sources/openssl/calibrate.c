// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* calibrate.c - self-calibration of OpenSSL offsets (see calibrate.h).
 *
 * The target's OpenSSL lives only in the child, in its own link-map
 * namespace, reached through dlsym: none of its headers are included (its
 * version is unknown), so the few ABI constants we need are spelled out
 * below and the objects are opaque pointers.  Our own libcrypto is used
 * only through keys.c (HKDF-Expand-Label), and never on the thread that
 * runs the target's code (see target_thread). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sources/openssl/calibrate.h"
#include "crypto/keys.h"
#include "crypto/keylabel.h"

/* OpenSSL ABI constants, equal in 1.1.1 and 3.x (public headers). */
#define TLS1_2_VERSION 0x0303
#define TLS1_3_VERSION 0x0304
#define SSL_CTRL_SET_MAX_PROTO_VERSION 124
#define SSL3_RT_HANDSHAKE 22
#define SSL3_MT_SERVER_HELLO 2
#define SSL3_MT_FINISHED 20
#define MBSTRING_ASC 0x1001
#define NID_X9_62_prime256v1 415
#define EVP_PKEY_EC 408 /* NID_X9_62_id_ecPublicKey */
#define OPENSSL_INIT_NO_LOAD_CONFIG 0x80

/* How much of each object is searched.  The real extent comes from the
 * namespace's malloc_usable_size() where there is one, so a neighbouring
 * object (the server's SSL holds the same secrets) is never searched. */
#define OBJ_MAX 0x4000    /* SSL: 0x1db8 bytes in 3.0.19, 0x1888 in 1.1.1w */
#define SESS_MAX 0x1000   /* SSL_SESSION */
#define CIPHER_MAX 0x40   /* SSL_CIPHER (static data in libssl) */
#define S3_MAX 0x400      /* 1.1.1's separately allocated s3 */
#define TRANSCRIPT_MAX 0x4000
#define MAX_PAIRS 16

typedef void (*keylog_cb)(const void *ssl, const char *line);
typedef void (*msg_cb)(int write_p, int version, int content_type,
		       const void *buf, size_t len, void *ssl, void *arg);

/* The target's functions.  Member names are OpenSSL's. */
struct tgt {
	void *lib;
	const void *(*TLS_method)(void);
	void *(*SSL_CTX_new)(const void *method);
	long (*SSL_CTX_ctrl)(void *ctx, int cmd, long larg, void *parg);
	int (*SSL_CTX_set_ciphersuites)(void *ctx, const char *s);
	int (*SSL_CTX_set_cipher_list)(void *ctx, const char *s);
	int (*SSL_CTX_use_certificate)(void *ctx, void *x509);
	int (*SSL_CTX_use_PrivateKey)(void *ctx, void *pkey);
	void (*SSL_CTX_set_keylog_callback)(void *ctx, keylog_cb cb);
	void *(*SSL_new)(void *ctx);
	void (*SSL_set_bio)(void *ssl, void *rbio, void *wbio);
	void (*SSL_set_connect_state)(void *ssl);
	void (*SSL_set_accept_state)(void *ssl);
	void (*SSL_set_msg_callback)(void *ssl, msg_cb cb);
	int (*SSL_do_handshake)(void *ssl);
	int (*SSL_version)(const void *ssl);
	size_t (*SSL_get_client_random)(const void *ssl, uint8_t *out,
					size_t len);
	void *(*SSL_get_session)(const void *ssl);
	size_t (*SSL_SESSION_get_master_key)(const void *sess, uint8_t *out,
					     size_t len);
	const void *(*SSL_SESSION_get0_cipher)(const void *sess);
	uint32_t (*SSL_CIPHER_get_id)(const void *cipher);
	int (*BIO_new_bio_pair)(void **b1, size_t w1, void **b2, size_t w2);
	const void *(*EVP_sha256)(void);
	const void *(*EVP_sha384)(void);
	int (*EVP_Digest)(const void *data, size_t n, uint8_t *md,
			  unsigned int *mdlen, const void *type, void *engine);
	void *(*X509_new)(void);
	void *(*X509_get_serialNumber)(void *x);
	int (*ASN1_INTEGER_set)(void *a, long v);
	void *(*X509_getm_notBefore)(const void *x);
	void *(*X509_getm_notAfter)(const void *x);
	void *(*X509_gmtime_adj)(void *t, long adj);
	int (*X509_set_pubkey)(void *x, void *pkey);
	void *(*X509_get_subject_name)(const void *x);
	int (*X509_NAME_add_entry_by_txt)(void *name, const char *field,
					  int type, const uint8_t *bytes,
					  int len, int loc, int set);
	int (*X509_set_issuer_name)(void *x, const void *name);
	int (*X509_sign)(void *x, void *pkey, const void *md);
	/* optional: key generation differs between 1.1.1 and 3.x */
	void *(*EVP_PKEY_Q_keygen)(void *libctx, const char *propq,
				   const char *type, ...);
	void *(*EC_KEY_new_by_curve_name)(int nid);
	int (*EC_KEY_generate_key)(void *key);
	void *(*EVP_PKEY_new)(void);
	int (*EVP_PKEY_assign)(void *pkey, int type, void *key);
	/* optional: setup, messages and object sizes */
	int (*OPENSSL_init_crypto)(uint64_t opts, const void *settings);
	const char *(*OpenSSL_version)(int t);
	unsigned long (*ERR_get_error)(void);
	void (*ERR_error_string_n)(unsigned long e, char *buf, size_t len);
	size_t (*malloc_usable_size)(void *p);
};

#define REQ(name) { #name, offsetof(struct tgt, name), true }
#define OPT(name) { #name, offsetof(struct tgt, name), false }
static const struct tgt_sym {
	const char *name;
	size_t off;
	bool required;
} tgt_syms[] = {
	REQ(TLS_method), REQ(SSL_CTX_new), REQ(SSL_CTX_ctrl),
	REQ(SSL_CTX_set_ciphersuites), REQ(SSL_CTX_set_cipher_list),
	REQ(SSL_CTX_use_certificate), REQ(SSL_CTX_use_PrivateKey),
	REQ(SSL_CTX_set_keylog_callback), REQ(SSL_new), REQ(SSL_set_bio),
	REQ(SSL_set_connect_state), REQ(SSL_set_accept_state),
	REQ(SSL_set_msg_callback), REQ(SSL_do_handshake), REQ(SSL_version),
	REQ(SSL_get_client_random), REQ(SSL_get_session),
	REQ(SSL_SESSION_get_master_key), REQ(SSL_SESSION_get0_cipher),
	REQ(SSL_CIPHER_get_id), REQ(BIO_new_bio_pair), REQ(EVP_sha256),
	REQ(EVP_sha384), REQ(EVP_Digest), REQ(X509_new),
	REQ(X509_get_serialNumber), REQ(ASN1_INTEGER_set),
	REQ(X509_getm_notBefore), REQ(X509_getm_notAfter),
	REQ(X509_gmtime_adj), REQ(X509_set_pubkey), REQ(X509_get_subject_name),
	REQ(X509_NAME_add_entry_by_txt), REQ(X509_set_issuer_name),
	REQ(X509_sign),
	OPT(EVP_PKEY_Q_keygen), OPT(EC_KEY_new_by_curve_name),
	OPT(EC_KEY_generate_key), OPT(EVP_PKEY_new), OPT(EVP_PKEY_assign),
	OPT(OPENSSL_init_crypto), OPT(OpenSSL_version), OPT(ERR_get_error),
	OPT(ERR_error_string_n), OPT(malloc_usable_size),
};

/* One handshake's settings; each is run CAL_ROUNDS times. */
static const struct cal_cfg {
	int version;
	const char *suite;
	int md_len; /* TLS 1.3: the suite's hash length */
} cal_cfgs[] = {
	{ TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", 32 },
	{ TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", 48 },
	{ TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", 0 },
	{ TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", 0 },
};
#define N_CFGS (sizeof(cal_cfgs) / sizeof(cal_cfgs[0]))
#define CAL_ROUNDS 2
#define CAL_RUNS (CAL_ROUNDS * N_CFGS)

/* One handshake: ground truth from the APIs, and snapshots of the client's
 * SSL object, its session and the session's cipher. */
struct cal_run {
	const struct cal_cfg *cfg;
	void *ssl, *sess;
	const void *cipher;
	uint32_t cipher_id;
	int fresh_version; /* SSL_version() before the handshake */
	uint8_t client_random[KEYS_RANDOM_LEN];
	uint8_t master_key[48];
	size_t master_key_len;
	struct keys_line log[KEYS_LABEL_COUNT]; /* from the key-log callback */
	unsigned int logged;                     /* bit per label */
	uint8_t hs_hash[64], fin_hash[64];       /* CH..SH, CH..server Fin */
	bool have_hs_hash, have_fin_hash, bad_transcript;
	size_t tlen;
	uint8_t transcript[TRANSCRIPT_MAX];
	size_t obj_len, sess_len, cipher_len, fresh_len;
	uint8_t obj[OBJ_MAX], sess_obj[SESS_MAX], cipher_obj[CIPHER_MAX];
	uint8_t fresh[OBJ_MAX]; /* the client object before the handshake */
};

struct cal {
	struct tgt t;
	void *pkey, *cert;
	struct cal_run run[CAL_RUNS];
	const char *ssl_path, *crypto_path;
	char *why;
	size_t wl;
	int err;            /* of the target thread */
	char version[128];  /* OpenSSL_version(OPENSSL_VERSION) */
	sem_t done;         /* the target thread is through */
};

/* The run whose callbacks are firing: the key-log callback carries no
 * argument of ours.  Only the target thread runs handshakes. */
static struct cal *cal_self;
static struct cal_run *cal_cur;

static int __attribute__((format(printf, 4, 5)))
fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Reads memory of this process without faulting on a bad address: the
 * objects searched belong to a library we do not trust to be what we
 * think, and a pointer field may point anywhere.  Returns bytes read. */
static size_t safe_read(const void *addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };
	ssize_t n;

	if (!addr)
		return 0;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return n > 0 ? (size_t)n : 0;
}

/* ------------------------------------------------ loading the target */

static int tgt_bind(struct tgt *t, const char *path, char *why, size_t wl)
{
	for (size_t i = 0; i < sizeof(tgt_syms) / sizeof(tgt_syms[0]); i++) {
		void *sym = dlsym(t->lib, tgt_syms[i].name);

		if (!sym && tgt_syms[i].required)
			return fail(why, wl, -ENOTSUP,
				    "%s is not OpenSSL 1.1.1/3.x libssl: no %s",
				    path, tgt_syms[i].name);
		memcpy((char *)t + tgt_syms[i].off, &sym, sizeof(sym));
	}
	return 0;
}

/* libcrypto first, so that libssl binds to it and not to whatever
 * libcrypto of the same soname the loader would find. */
static int tgt_open(struct tgt *t, const char *ssl_path,
		    const char *crypto_path, char *why, size_t wl)
{
	Lmid_t lm = LM_ID_NEWLM;
	void *crypto;

	if (crypto_path) {
		crypto = dlmopen(LM_ID_NEWLM, crypto_path, RTLD_NOW | RTLD_LOCAL);
		if (!crypto)
			return fail(why, wl, -ENOEXEC, "cannot load %s: %s",
				    crypto_path, dlerror());
		if (dlinfo(crypto, RTLD_DI_LMID, &lm))
			return fail(why, wl, -ENOEXEC, "dlinfo %s: %s",
				    crypto_path, dlerror());
	}
	t->lib = dlmopen(lm, ssl_path, RTLD_NOW | RTLD_LOCAL);
	if (!t->lib)
		return fail(why, wl, -ENOEXEC, "cannot load %s: %s", ssl_path,
			    dlerror());
	if (crypto_path && (!dlsym(crypto, "EVP_Digest") ||
			    dlsym(crypto, "EVP_Digest") != dlsym(t->lib, "EVP_Digest")))
		return fail(why, wl, -ENOTSUP, "%s is not the libcrypto of %s",
			    crypto_path, ssl_path);
	return tgt_bind(t, ssl_path, why, wl);
}

/* The target's last error, for a message. */
static const char *tgt_error(const struct tgt *t, char *buf, size_t len)
{
	unsigned long e = t->ERR_get_error ? t->ERR_get_error() : 0;

	if (!e || !t->ERR_error_string_n)
		return "no OpenSSL error queued";
	t->ERR_error_string_n(e, buf, len);
	return buf;
}

/* ------------------------------------------- a throwaway identity */

/* A fresh P-256 key from the target's own libcrypto: no key material in
 * our source, and it works whatever providers the target has. */
static void *make_key(const struct tgt *t)
{
	void *ec, *pkey;

	if (t->EVP_PKEY_Q_keygen) /* 3.x */
		return t->EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!t->EC_KEY_new_by_curve_name || !t->EC_KEY_generate_key ||
	    !t->EVP_PKEY_new || !t->EVP_PKEY_assign)
		return NULL;
	ec = t->EC_KEY_new_by_curve_name(NID_X9_62_prime256v1); /* 1.1.1 */
	if (!ec || !t->EC_KEY_generate_key(ec))
		return NULL;
	pkey = t->EVP_PKEY_new();
	if (!pkey || !t->EVP_PKEY_assign(pkey, EVP_PKEY_EC, ec))
		return NULL;
	return pkey;
}

/* A self-signed certificate: the client does not verify it (the default
 * SSL_VERIFY_NONE), but a TLS 1.3 server needs one to sign with.  Error
 * paths leak: the child _exits right after. */
static void *make_cert(const struct tgt *t, void *pkey)
{
	void *x = t->X509_new(), *name;

	if (!x || !t->ASN1_INTEGER_set(t->X509_get_serialNumber(x), 1) ||
	    !t->X509_gmtime_adj(t->X509_getm_notBefore(x), -3600) ||
	    !t->X509_gmtime_adj(t->X509_getm_notAfter(x), 86400) ||
	    !t->X509_set_pubkey(x, pkey))
		return NULL;
	name = t->X509_get_subject_name(x);
	if (!name ||
	    !t->X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					   (const uint8_t *)"tlsdump-calibrate",
					   -1, -1, 0) ||
	    !t->X509_set_issuer_name(x, name) ||
	    t->X509_sign(x, pkey, t->EVP_sha256()) <= 0)
		return NULL;
	return x;
}

static int make_identity(struct cal *c, char *why, size_t wl)
{
	char e[160];

	c->pkey = make_key(&c->t);
	if (!c->pkey)
		return fail(why, wl, -EPROTO, "cannot generate a P-256 key: %s",
			    tgt_error(&c->t, e, sizeof(e)));
	c->cert = make_cert(&c->t, c->pkey);
	if (!c->cert)
		return fail(why, wl, -EPROTO, "cannot make a certificate: %s",
			    tgt_error(&c->t, e, sizeof(e)));
	return 0;
}

/* ------------------------------------------------- ground truth */

static void on_keylog(const void *ssl, const char *line)
{
	struct cal_run *r = cal_cur;
	struct keys_line k = { 0 };

	if (!r || keys_line_parse(line, strlen(line), &k))
		return;
	r->log[k.label] = k;
	r->logged |= 1u << k.label;
}

static void hash_transcript(struct cal_run *r, uint8_t *out, bool *have)
{
	const struct tgt *t = &cal_self->t;
	const void *md = r->cfg->md_len == 48 ? t->EVP_sha384() : t->EVP_sha256();
	unsigned int len = 0;

	if (t->EVP_Digest(r->transcript, r->tlen, out, &len, md, NULL) &&
	    len == (unsigned int)r->cfg->md_len)
		*have = true;
}

/* The client's handshake messages, both directions, header included:
 * the TLS 1.3 transcript (RFC 8446 §4.4.1).  OpenSSL keeps the hash after
 * ServerHello (handshake_traffic_hash) and after the server's Finished
 * (server_finished_hash). */
static void on_msg(int write_p, int version, int content_type,
		   const void *buf, size_t len, void *ssl, void *arg)
{
	struct cal_run *r = cal_cur;
	const uint8_t *m = buf;

	if (!r || content_type != SSL3_RT_HANDSHAKE || !len ||
	    r->cfg->version != TLS1_3_VERSION)
		return;
	if (r->tlen + len > sizeof(r->transcript)) {
		r->bad_transcript = true;
		return;
	}
	memcpy(r->transcript + r->tlen, m, len);
	r->tlen += len;
	if (write_p)
		return;
	if (m[0] == SSL3_MT_SERVER_HELLO) {
		/* a second one is a HelloRetryRequest: another transcript */
		r->bad_transcript |= r->have_hs_hash;
		hash_transcript(r, r->hs_hash, &r->have_hs_hash);
	} else if (m[0] == SSL3_MT_FINISHED && !r->have_fin_hash) {
		hash_transcript(r, r->fin_hash, &r->have_fin_hash);
	}
}

/* ------------------------------------------------- handshakes */

static void *new_ctx(struct cal *c, const struct cal_cfg *cfg, bool server)
{
	const struct tgt *t = &c->t;
	void *ctx = t->SSL_CTX_new(t->TLS_method());

	if (!ctx)
		return NULL;
	if (!server) {
		t->SSL_CTX_set_keylog_callback(ctx, on_keylog);
		return ctx;
	}
	if (t->SSL_CTX_use_certificate(ctx, c->cert) != 1 ||
	    t->SSL_CTX_use_PrivateKey(ctx, c->pkey) != 1)
		return NULL;
	/* Only the server is restricted, so the client offers everything:
	 * its min/max/offered-version fields stay the same in every run and
	 * only ssl->version follows the negotiated version. */
	if (cfg->version == TLS1_3_VERSION)
		return t->SSL_CTX_set_ciphersuites(ctx, cfg->suite) == 1 ? ctx : NULL;
	if (t->SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, TLS1_2_VERSION,
			    NULL) != 1 ||
	    t->SSL_CTX_set_cipher_list(ctx, cfg->suite) != 1)
		return NULL;
	return ctx;
}

/* Copies an object of the target's heap, no further than its allocation
 * (when the namespace's malloc can tell) and max. */
static size_t snapshot(const struct tgt *t, void *p, bool heap, uint8_t *buf,
		       size_t max)
{
	size_t n = max;

	if (heap && t->malloc_usable_size) {
		size_t u = t->malloc_usable_size(p);

		if (u && u < n)
			n = u;
	}
	return safe_read(p, buf, n);
}

/* Client and server over an in-memory BIO pair until both are done. */
static int handshake(struct cal *c, struct cal_run *r, char *why, size_t wl)
{
	const struct tgt *t = &c->t;
	void *sctx = new_ctx(c, r->cfg, true), *cctx = new_ctx(c, r->cfg, false);
	void *srv = NULL, *sb = NULL, *cb = NULL;
	char e[160];
	int cs = 0, ss = 0;

	if (sctx && cctx) {
		srv = t->SSL_new(sctx);
		r->ssl = t->SSL_new(cctx);
	}
	if (!srv || !r->ssl || !t->BIO_new_bio_pair(&sb, 0, &cb, 0))
		return fail(why, wl, -EPROTO, "cannot set up %s: %s",
			    r->cfg->suite, tgt_error(t, e, sizeof(e)));
	t->SSL_set_bio(srv, sb, sb);
	t->SSL_set_bio(r->ssl, cb, cb);
	t->SSL_set_accept_state(srv);
	t->SSL_set_connect_state(r->ssl);
	t->SSL_set_msg_callback(r->ssl, on_msg);
	r->fresh_version = t->SSL_version(r->ssl);
	r->fresh_len = snapshot(t, r->ssl, true, r->fresh, sizeof(r->fresh));
	cal_cur = r;
	for (int i = 0; i < 16 && (cs != 1 || ss != 1); i++) {
		cs = t->SSL_do_handshake(r->ssl);
		ss = t->SSL_do_handshake(srv);
	}
	cal_cur = NULL;
	if (cs != 1 || ss != 1)
		return fail(why, wl, -EPROTO, "%s handshake failed: %s",
			    r->cfg->suite, tgt_error(t, e, sizeof(e)));
	return 0;
}

static int collect(struct cal *c, struct cal_run *r, char *why, size_t wl)
{
	const struct tgt *t = &c->t;
	const char *s = r->cfg->suite;

	if (t->SSL_version(r->ssl) != r->cfg->version)
		return fail(why, wl, -EPROTO, "%s: negotiated version 0x%x",
			    s, t->SSL_version(r->ssl));
	if (t->SSL_get_client_random(r->ssl, r->client_random,
				     KEYS_RANDOM_LEN) != KEYS_RANDOM_LEN ||
	    !(r->sess = t->SSL_get_session(r->ssl)) ||
	    !(r->cipher = t->SSL_SESSION_get0_cipher(r->sess)))
		return fail(why, wl, -EPROTO, "%s: no random/session/cipher", s);
	r->cipher_id = t->SSL_CIPHER_get_id(r->cipher);
	r->master_key_len = t->SSL_SESSION_get_master_key(
		r->sess, r->master_key, sizeof(r->master_key));
	if (r->cfg->version == TLS1_2_VERSION && r->master_key_len != 48)
		return fail(why, wl, -EPROTO, "%s: master key length %zu", s,
			    r->master_key_len);
	if (r->cfg->version == TLS1_3_VERSION &&
	    (!r->have_hs_hash || !r->have_fin_hash || r->bad_transcript ||
	     !(r->logged & (1u << KEYS_CLIENT_HANDSHAKE_TRAFFIC)) ||
	     !(r->logged & (1u << KEYS_CLIENT_TRAFFIC_0))))
		return fail(why, wl, -EPROTO, "%s: no transcript or key log", s);
	r->obj_len = snapshot(t, r->ssl, true, r->obj, sizeof(r->obj));
	r->sess_len = snapshot(t, r->sess, true, r->sess_obj, sizeof(r->sess_obj));
	r->cipher_len = snapshot(t, (void *)r->cipher, false, r->cipher_obj,
				 sizeof(r->cipher_obj));
	return 0;
}

/* ------------------------------------------------- the search */

enum { IN_SSL, IN_SESS, IN_CIPHER };
enum { RUNS_ALL, RUNS_TLS13, RUNS_TLS12 };

/* One field: where it is, its alignment and extent, the runs that show
 * it, and whether the bytes at a candidate offset are it. */
struct field {
	const char *name;
	uint8_t in, step, size, runs;
	bool (*is)(const struct cal_run *r, const uint8_t *p);
};

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The negotiated version after the handshake, and TLS_ANY_VERSION before
 * it: another int of OpenSSL 3.0's object follows the negotiated version
 * too, but holds 0 in a fresh object.  p points into r->obj. */
static bool is_version(const struct cal_run *r, const uint8_t *p)
{
	size_t off = p - r->obj;

	return u32_at(p) == (uint32_t)r->cfg->version &&
	       off + 4 <= r->fresh_len &&
	       u32_at(r->fresh + off) == (uint32_t)r->fresh_version;
}

static bool is_session(const struct cal_run *r, const uint8_t *p)
{
	return u64_at(p) == (uintptr_t)r->sess;
}

static bool is_client_random(const struct cal_run *r, const uint8_t *p)
{
	return !memcmp(p, r->client_random, KEYS_RANDOM_LEN);
}

static bool is_hs_hash(const struct cal_run *r, const uint8_t *p)
{
	return !memcmp(p, r->hs_hash, r->cfg->md_len);
}

static bool is_fin_hash(const struct cal_run *r, const uint8_t *p)
{
	return !memcmp(p, r->fin_hash, r->cfg->md_len);
}

/* Does HKDF-Expand-Label(p, label, hash) give the logged secret? */
static bool derives(const struct cal_run *r, const uint8_t *p,
		    const char *label, const uint8_t *hash, int which)
{
	const struct keys_line *want = &r->log[which];
	int md = r->cfg->md_len;
	uint8_t out[KEYS_SECRET_MAX];

	/* a secret is random: skip NULLs, counts and flags cheaply */
	if (!u32_at(p) || !u32_at(p + 4) || want->secret_len != md)
		return false;
	return !keys_hkdf_expand_label(md, p, label, hash, md, out, md) &&
	       !memcmp(out, want->secret, md);
}

static bool is_handshake_secret(const struct cal_run *r, const uint8_t *p)
{
	return derives(r, p, "c hs traffic", r->hs_hash,
		       KEYS_CLIENT_HANDSHAKE_TRAFFIC);
}

static bool is_master_secret(const struct cal_run *r, const uint8_t *p)
{
	return derives(r, p, "c ap traffic", r->fin_hash, KEYS_CLIENT_TRAFFIC_0);
}

static bool is_master_key(const struct cal_run *r, const uint8_t *p)
{
	return !memcmp(p, r->master_key, 48);
}

static bool is_master_key_length(const struct cal_run *r, const uint8_t *p)
{
	return u64_at(p) == 48;
}

static bool is_cipher(const struct cal_run *r, const uint8_t *p)
{
	return u64_at(p) == (uintptr_t)r->cipher;
}

static bool is_cipher_id(const struct cal_run *r, const uint8_t *p)
{
	return u32_at(p) == r->cipher_id;
}

enum {
	F_VERSION, F_SESSION, F_CLIENT_RANDOM, F_HS_SECRET, F_MASTER_SECRET,
	F_HS_HASH, F_FIN_HASH, F_MK_LEN, F_MK, F_CIPHER, F_CIPHER_ID, F_COUNT
};

/* Arrays are searched at every byte (the search is a memcmp), HKDF
 * candidates at 4-byte steps: the 64-byte secrets follow ints (3.0 keeps
 * handshake_secret at 0x584, not 8-aligned). */
static const struct field fields[F_COUNT] = {
	[F_VERSION] = { "version", IN_SSL, 4, 4, RUNS_ALL, is_version },
	[F_SESSION] = { "session", IN_SSL, 8, 8, RUNS_ALL, is_session },
	[F_CLIENT_RANDOM] = { "s3.client_random", IN_SSL, 1, 32, RUNS_ALL,
			      is_client_random },
	[F_HS_SECRET] = { "handshake_secret", IN_SSL, 4, 64, RUNS_TLS13,
			  is_handshake_secret },
	[F_MASTER_SECRET] = { "master_secret", IN_SSL, 4, 64, RUNS_TLS13,
			      is_master_secret },
	[F_HS_HASH] = { "handshake_traffic_hash", IN_SSL, 1, 64, RUNS_TLS13,
			is_hs_hash },
	[F_FIN_HASH] = { "server_finished_hash", IN_SSL, 1, 64, RUNS_TLS13,
			 is_fin_hash },
	[F_MK_LEN] = { "session->master_key_length", IN_SESS, 8, 8, RUNS_TLS12,
		       is_master_key_length },
	[F_MK] = { "session->master_key", IN_SESS, 1, 48, RUNS_TLS12,
		   is_master_key },
	[F_CIPHER] = { "session->cipher", IN_SESS, 8, 8, RUNS_ALL, is_cipher },
	[F_CIPHER_ID] = { "cipher->id", IN_CIPHER, 4, 4, RUNS_ALL, is_cipher_id },
};

static bool run_shows(const struct cal_run *r, int runs)
{
	return runs == RUNS_ALL ||
	       (runs == RUNS_TLS13) == (r->cfg->version == TLS1_3_VERSION);
}

static const uint8_t *region(const struct cal_run *r, int in, size_t *len)
{
	*len = in == IN_SSL ? r->obj_len : in == IN_SESS ? r->sess_len :
							   r->cipher_len;
	return in == IN_SSL ? r->obj : in == IN_SESS ? r->sess_obj :
						       r->cipher_obj;
}

/* Offsets where the field matches in every run that shows it; 0 and the
 * offset when exactly one is left, -ESRCH otherwise.  Candidates shrink
 * run by run, so the costly HKDF tests run mostly in the first one. */
static int find_field(const struct cal *c, int id, uint32_t *off,
		      int *found)
{
	static uint8_t cand[OBJ_MAX];
	const struct field *f = &fields[id];
	size_t len;
	int n = 0;

	memset(cand, 1, sizeof(cand));
	for (size_t i = 0; i < CAL_RUNS; i++) {
		const struct cal_run *r = &c->run[i];
		const uint8_t *base = region(r, f->in, &len);

		if (!run_shows(r, f->runs))
			continue;
		for (size_t o = 0; o < sizeof(cand); o += f->step)
			if (cand[o] && (o + f->size > len || !f->is(r, base + o)))
				cand[o] = 0;
	}
	for (size_t o = 0; o < sizeof(cand); o += f->step)
		if (cand[o] && n++ == 0)
			*off = o;

	*found = n;
	return n == 1 ? 0 : -ESRCH;
}

struct pair {
	uint32_t field, inner;
};

/* Keeps the (s3 pointer field, client_random within) pairs that hold this
 * run's client random too. */
static int keep_pairs(const struct cal_run *r, struct pair *p, int n)
{
	uint8_t cr[KEYS_RANDOM_LEN];
	int k = 0;

	for (int i = 0; i < n; i++) {
		uint64_t s3;

		if (p[i].field + 8 > r->obj_len)
			continue;
		s3 = u64_at(r->obj + p[i].field);
		if (safe_read((void *)(uintptr_t)(s3 + p[i].inner), cr,
			      sizeof(cr)) == sizeof(cr) &&
		    is_client_random(r, cr))
			p[k++] = p[i];
	}
	return k;
}

/* 1.1.1 allocates s3 on its own: follow every pointer-sized field of the
 * first run's object and look for the client random behind it. */
static int find_s3_pointer(const struct cal *c, struct ossl_offsets *o,
			   int *found)
{
	const struct cal_run *r0 = &c->run[0];
	struct pair p[MAX_PAIRS];
	uint8_t buf[S3_MAX];
	int n = 0;

	for (size_t a = 0; a + 8 <= r0->obj_len && n < MAX_PAIRS; a += 8) {
		size_t len = safe_read((void *)(uintptr_t)u64_at(r0->obj + a),
				       buf, sizeof(buf));

		for (size_t b = 0; b + KEYS_RANDOM_LEN <= len && n < MAX_PAIRS; b++)
			if (is_client_random(r0, buf + b))
				p[n++] = (struct pair){ a, b };
	}
	for (size_t i = 1; i < CAL_RUNS; i++)
		n = keep_pairs(&c->run[i], p, n);
	*found = n;
	if (n != 1)
		return -ESRCH;
	o->flags |= OSSL_S3_IS_PTR;
	o->s3 = p[0].field;
	o->s3_client_random = p[0].inner;
	return 0;
}

static int find_all(const struct cal *c, struct ossl_offsets *o, char *why,
		    size_t wl)
{
	uint32_t v[F_COUNT] = { 0 };
	int found;

	memset(o, 0, sizeof(*o));
	for (int id = 0; id < F_COUNT; id++) {
		if (!find_field(c, id, &v[id], &found))
			continue;
		/* not in the object itself: behind a pointer (1.1.1) */
		if (id == F_CLIENT_RANDOM && !found &&
		    !find_s3_pointer(c, o, &found))
			continue;
		return fail(why, wl, -ESRCH,
			    "%s: %d candidate offsets where exactly one was "
			    "expected", fields[id].name, found);
	}
	if (!(o->flags & OSSL_S3_IS_PTR))
		o->s3_client_random = v[F_CLIENT_RANDOM]; /* only the sum shows */
	o->version = v[F_VERSION];
	o->session = v[F_SESSION];
	o->handshake_secret = v[F_HS_SECRET];
	o->master_secret = v[F_MASTER_SECRET];
	o->handshake_traffic_hash = v[F_HS_HASH];
	o->server_finished_hash = v[F_FIN_HASH];
	o->sess_master_key_length = v[F_MK_LEN];
	o->sess_master_key = v[F_MK];
	o->sess_cipher = v[F_CIPHER];
	o->cipher_id = v[F_CIPHER_ID];
	return 0;
}

/* ------------------------------------------------- the proof */

/* Reads a client object through the offsets as openssl.bpf.c's
 * read_ssl() does, into the event the key module consumes. */
static void read_like_bpf(const struct ossl_offsets *o, const void *ssl_p,
			  struct ossl_event *e)
{
	uintptr_t ssl = (uintptr_t)ssl_p, s3 = ssl + o->s3;
	uint64_t sess = 0, cipher = 0, p = 0;

	memset(e, 0, sizeof(*e));
	safe_read((void *)(ssl + o->version), &e->version, 4);
	if (o->flags & OSSL_S3_IS_PTR) {
		safe_read((void *)s3, &p, 8);
		s3 = p;
	}
	safe_read((void *)(s3 + o->s3_client_random), e->client_random, 32);
	safe_read((void *)(ssl + o->handshake_secret), e->handshake_secret,
		  OSSL_SECRET_MAX);
	safe_read((void *)(ssl + o->master_secret), e->master_secret,
		  OSSL_SECRET_MAX);
	safe_read((void *)(ssl + o->handshake_traffic_hash),
		  e->handshake_traffic_hash, OSSL_SECRET_MAX);
	safe_read((void *)(ssl + o->server_finished_hash),
		  e->server_finished_hash, OSSL_SECRET_MAX);
	safe_read((void *)(ssl + o->session), &sess, 8);
	if (!sess)
		return;
	safe_read((void *)(uintptr_t)(sess + o->sess_master_key_length),
		  &e->master_key_length, 4);
	safe_read((void *)(uintptr_t)(sess + o->sess_master_key), e->master_key,
		  48);
	safe_read((void *)(uintptr_t)(sess + o->sess_cipher), &cipher, 8);
	if (cipher)
		safe_read((void *)(uintptr_t)(cipher + o->cipher_id),
			  &e->cipher_id, 4);
}

/* The offsets must give exactly the lines OpenSSL logged itself. */
static int verify_run(const struct ossl_offsets *o, const struct cal_run *r,
		      char *why, size_t wl)
{
	const char *s = r->cfg->suite;
	struct ossl_event e;
	struct keys_set set;
	unsigned int seen = 0;
	int n;

	read_like_bpf(o, r->ssl, &e);
	n = keys_from_ossl_event(&e, &set);
	if (n <= 0)
		return fail(why, wl, -EBADMSG,
			    "%s: the offsets found give no key-log line (%d)", s, n);
	for (int i = 0; i < n; i++) {
		const struct keys_line *l = &set.line[i];
		const struct keys_line *w = &r->log[l->label];

		if (!(r->logged & (1u << l->label)) ||
		    w->secret_len != l->secret_len ||
		    memcmp(w->secret, l->secret, l->secret_len) ||
		    memcmp(w->client_random, l->client_random, KEYS_RANDOM_LEN))
			return fail(why, wl, -EBADMSG,
				    "%s: derived %s differs from OpenSSL's key log",
				    s, keys_label_name(l->label));
		seen |= 1u << l->label;
	}
	if (seen != r->logged)
		return fail(why, wl, -EBADMSG,
			    "%s: OpenSSL logged lines the offsets do not give", s);
	return 0;
}

/* ------------------------------------------------- child and parent */

/* Everything that runs the target's code, on a thread of its own.
 *
 * Why a thread: the namespace has its own libc, whose pthread keys are
 * numbered from 0 again, but the per-thread slots they index live in the
 * thread's descriptor, which both libcs share.  Our libcrypto (keys.c,
 * perhaps already used by the parent before fork) and the target's would
 * read each other's thread-local pointers and crash.  A fresh thread has
 * empty slots; as long as the target's code runs only there and ours only
 * on the main thread, the two never meet.  The thread never exits: at
 * exit our libc would run our destructors on the target's slot values. */
static void *target_thread(void *arg)
{
	struct cal *c = arg;
	int err;

	err = tgt_open(&c->t, c->ssl_path, c->crypto_path, c->why, c->wl);
	/* No configuration file: it cannot move a field, but it can forbid a
	 * protocol we need (MinProtocol) or, read by another OpenSSL than the
	 * system's, fail on directives it does not know. */
	if (!err && c->t.OPENSSL_init_crypto)
		c->t.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (!err)
		err = make_identity(c, c->why, c->wl);
	for (size_t i = 0; !err && i < CAL_RUNS; i++) {
		c->run[i].cfg = &cal_cfgs[i % N_CFGS];
		err = handshake(c, &c->run[i], c->why, c->wl);
		if (!err)
			err = collect(c, &c->run[i], c->why, c->wl);
	}
	if (!err && c->t.OpenSSL_version)
		snprintf(c->version, sizeof(c->version), "%s",
			 c->t.OpenSSL_version(0));
	c->err = err;
	sem_post(&c->done);
	for (;;)
		pause();
	return NULL; /* not reached */
}

/* Handshakes on the target thread; then, on this one, the search (HKDF
 * from keys.c) and the proof, which read the target's memory but never
 * run its code. */
static int cal_child(const char *ssl_path, const char *crypto_path,
		     struct ossl_offsets *out, char *why, size_t wl)
{
	struct cal *c = calloc(1, sizeof(*c));
	pthread_t th;
	int err;

	if (!c)
		return fail(why, wl, -ENOMEM, "out of memory");
	cal_self = c;
	c->ssl_path = ssl_path;
	c->crypto_path = crypto_path;
	c->why = why;
	c->wl = wl;
	sem_init(&c->done, 0, 0);
	err = pthread_create(&th, NULL, target_thread, c);
	if (err)
		return fail(why, wl, -err, "pthread_create: %s", strerror(err));
	while (sem_wait(&c->done) && errno == EINTR)
		;
	err = c->err;
	if (!err)
		err = find_all(c, out, why, wl);
	for (size_t i = 0; !err && i < CAL_RUNS; i++)
		err = verify_run(out, &c->run[i], why, wl);
	if (!err)
		snprintf(why, wl, "%s", c->version[0] ? c->version :
			 "OpenSSL (version unknown)");
	return err; /* nothing freed: the child _exits */
}

struct cal_msg {
	int err;
	struct ossl_offsets off;
	char why[256];
}; /* < PIPE_BUF: one atomic write */

static void __attribute__((noreturn))
child_main(int fd, const char *ssl_path, const char *crypto_path)
{
	struct cal_msg m;
	sigset_t all;

	memset(&m, 0, sizeof(m));
	/* a backstop if the parent is gone or cannot kill us; the parent's
	 * handlers and mask must not keep SIGALRM from ending us */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGALRM, SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	alarm(CALIBRATE_TIMEOUT_MS / 1000 + 2);
	m.err = cal_child(ssl_path, crypto_path, &m.off, m.why, sizeof(m.why));
	/* _exit: the namespace's OpenSSL crashes in its exit-time cleanup,
	 * and the parent's atexit handlers and stdio buffers are not ours */
	_exit(write(fd, &m, sizeof(m)) == sizeof(m) ? 0 : 1);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The child's one message, before the deadline; the bytes read. */
static size_t read_msg(int fd, struct cal_msg *m, long long deadline,
		       bool *timed_out)
{
	size_t got = 0;

	while (got < sizeof(*m)) {
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t k;
		int n;

		n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*timed_out = n == 0;
			break;
		}
		k = read(fd, (char *)m + got, sizeof(*m) - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break; /* EOF: the child died */
		got += k;
	}
	return got;
}

static int await_child(pid_t pid, int fd, const char *path,
		       struct ossl_offsets *out, char *why, size_t wl)
{
	struct cal_msg m;
	bool timed_out = false;
	size_t got;
	int st = 0;

	got = read_msg(fd, &m, now_ms() + CALIBRATE_TIMEOUT_MS, &timed_out);
	if (got != sizeof(m))
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof(m)) {
		m.why[sizeof(m.why) - 1] = '\0';
		if (m.err > 0)
			m.err = -EIO;
		if (!m.err)
			*out = m.off;
		if (why && wl)
			snprintf(why, wl, "%s", m.why);
		return m.err;
	}
	if (timed_out)
		return fail(why, wl, -ETIMEDOUT,
			    "calibrating %s took over %d ms: child killed",
			    path, CALIBRATE_TIMEOUT_MS);
	if (WIFSIGNALED(st))
		return fail(why, wl, -EIO,
			    "calibrating %s: child died of signal %d (%s)", path,
			    WTERMSIG(st), strsignal(WTERMSIG(st)));
	return fail(why, wl, -EIO, "calibrating %s: child ended without a result",
		    path);
}

/* "DIR/libssl.so.3" -> "DIR/libcrypto.so.3" when that file exists. */
static const char *libcrypto_beside(const char *ssl, char *buf, size_t len)
{
	const char *base = strrchr(ssl, '/');
	int n;

	base = base ? base + 1 : ssl;
	if (strncmp(base, "libssl", 6))
		return NULL;
	n = snprintf(buf, len, "%.*slibcrypto%s", (int)(base - ssl), ssl,
		     base + 6);
	if (n < 0 || (size_t)n >= len || access(buf, R_OK))
		return NULL;
	return buf;
}

int calibrate_libssl(const char *libssl_path, const char *libcrypto_path,
		     struct ossl_offsets *out, char *why, size_t whylen)
{
	char guess[PATH_MAX];
	int fds[2], err;
	pid_t pid;

	if (why && whylen)
		why[0] = '\0';
	if (!libssl_path || !out)
		return fail(why, whylen, -EINVAL, "no library to calibrate");
	if (access(libssl_path, R_OK))
		return fail(why, whylen, -errno, "%s: %s", libssl_path,
			    strerror(errno));
	if (libcrypto_path && access(libcrypto_path, R_OK))
		return fail(why, whylen, -errno, "%s: %s", libcrypto_path,
			    strerror(errno));
	if (!libcrypto_path)
		libcrypto_path = libcrypto_beside(libssl_path, guess,
						  sizeof(guess));
	if (pipe2(fds, O_CLOEXEC))
		return fail(why, whylen, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return fail(why, whylen, err, "fork: %s", strerror(-err));
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], libssl_path, libcrypto_path);
	}
	close(fds[1]);
	err = await_child(pid, fds[0], libssl_path, out, why, whylen);
	close(fds[0]);
	return err;
}
