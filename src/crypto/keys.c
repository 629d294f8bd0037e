// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keys.c - see keys.h.  The only file that links against libcrypto. */
#include "crypto/keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

/* Protocol versions as OpenSSL stores them in ssl->version. */
#define V_SSL3 0x0300
#define V_TLS1 0x0301
#define V_TLS1_1 0x0302
#define V_TLS1_2 0x0303
#define V_TLS1_3 0x0304
#define V_DTLS1 0xfeff
#define V_DTLS1_2 0xfefd
#define V_TLS_ANY 0x10000  /* SSL_new() with TLS_method(): not negotiated */
#define V_DTLS_ANY 0x1ffff /* same for DTLS_method() */

/* OpenSSL's cipher->id is 0x03000000 | the IANA suite number. */
#define CIPHER_ID_TLS13_FIRST 0x03001301u /* TLS_AES_128_GCM_SHA256 */
#define CIPHER_ID_TLS13_LAST 0x03001305u  /* TLS_AES_128_CCM_8_SHA256 */
#define CIPHER_SUITE_SHA384 0x1302u       /* TLS_AES_256_GCM_SHA384 */

/* session->master_key is TLS13_MAX_RESUMPTION_PSK_LENGTH (512 in OpenSSL
 * 3) bytes; a longer master_key_length means the profile is wrong. */
#define MASTER_KEY_LENGTH_MAX 512
#define TLS12_MASTER_LEN 48

const char *keys_tls_version_name(int version)
{
	switch (version) {
	case V_SSL3: return "SSL3_VERSION";
	case V_TLS1: return "TLS1_VERSION";
	case V_TLS1_1: return "TLS1_1_VERSION";
	case V_TLS1_2: return "TLS1_2_VERSION";
	case V_TLS1_3: return "TLS1_3_VERSION";
	case V_DTLS1: return "DTLS1_VERSION";
	case V_DTLS1_2: return "DTLS1_2_VERSION";
	case V_TLS_ANY: return "TLS_ANY_VERSION";
	case V_DTLS_ANY: return "DTLS_ANY_VERSION";
	default: return "UNKNOWN_VERSION";
	}
}

static int is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return !acc;
}

/* ------------------------------------------------------------ HKDF */

/* The HKDF implementation, fetched once: a fetch walks the provider's
 * tables and cost more than the derivation (60-75 us a TLS 1.3 session,
 * measured).  tlsdump derives keys on one thread only. */
static EVP_KDF *hkdf(void)
{
	static EVP_KDF *kdf;

	if (!kdf)
		kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	return kdf;
}

/* One HMAC context per digest, its digest set once: what TLS derives
 * (secrets, keys, ivs) is never longer than the hash, so HKDF-Expand is
 * one HMAC, T(1) = HMAC(PRK, info | 0x01) (RFC 5869 §2.3), and this is
 * most of the derivation's cost otherwise. */
static EVP_MAC_CTX *hmac_ctx(const char *digest)
{
	static EVP_MAC *mac;
	static EVP_MAC_CTX *ctx[2];
	int i = strcmp(digest, "SHA2-256") != 0;
	OSSL_PARAM p[2];

	if (ctx[i])
		return ctx[i];
	if (!mac)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx[i] = mac ? EVP_MAC_CTX_new(mac) : NULL;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						(char *)digest, 0);
	p[1] = OSSL_PARAM_construct_end();
	if (ctx[i] && !EVP_MAC_CTX_set_params(ctx[i], p)) {
		EVP_MAC_CTX_free(ctx[i]);
		ctx[i] = NULL;
	}
	return ctx[i];
}

static int hkdf_expand_one(const char *digest, const uint8_t *prk,
			   size_t prk_len, const uint8_t *info,
			   size_t info_len, uint8_t *out, size_t out_len)
{
	static const uint8_t one = 1;
	EVP_MAC_CTX *c = hmac_ctx(digest);
	uint8_t t[EVP_MAX_MD_SIZE];
	size_t n = 0;
	int ok;

	if (!c) {
		ERR_clear_error();
		return -ENOTSUP;
	}
	ok = EVP_MAC_init(c, prk, prk_len, NULL) &&
	     EVP_MAC_update(c, info, info_len) && EVP_MAC_update(c, &one, 1) &&
	     EVP_MAC_final(c, t, &n, sizeof(t)) && n >= out_len;
	if (ok)
		memcpy(out, t, out_len);
	explicit_bzero(t, sizeof(t));
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

/* HKDF-Expand (RFC 5869 §2.3): one HMAC when out_len <= prk_len (the
 * hash length here), else OpenSSL 3's EVP_KDF "HKDF" in EXPAND_ONLY
 * mode: key is the PRK. */
static int hkdf_expand(const char *digest, const uint8_t *prk, size_t prk_len,
		       const uint8_t *info, size_t info_len, uint8_t *out,
		       size_t out_len)
{
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];
	EVP_KDF_CTX *kctx;
	EVP_KDF *kdf;
	int err = 0;

	if (out_len <= prk_len)
		return hkdf_expand_one(digest, prk, prk_len, info, info_len,
				       out, out_len);
	kdf = hkdf();
	if (!kdf) {
		ERR_clear_error();
		return -ENOTSUP;
	}
	kctx = EVP_KDF_CTX_new(kdf);
	if (!kctx) {
		ERR_clear_error();
		return -ENOMEM;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						      (void *)prk, prk_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						      (void *)info, info_len);
	params[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, out_len, params) <= 0) {
		ERR_clear_error();
		err = -EIO;
	}
	EVP_KDF_CTX_free(kctx);
	return err;
}

/* RFC 8446 §7.1:
 *   HKDF-Expand-Label(Secret, Label, Context, Length) =
 *       HKDF-Expand(Secret, HkdfLabel, Length)
 *   struct {
 *       uint16 length = Length;
 *       opaque label<7..255> = "tls13 " + Label;
 *       opaque context<0..255> = Context;
 *   } HkdfLabel;
 * HKDF-Expand itself caps Length at 255 * HashLen (RFC 5869 §2.3). */
int keys_hkdf_expand_label(int md_len, const uint8_t *secret,
			   const char *label, const uint8_t *ctx,
			   size_t ctx_len, uint8_t *out, size_t out_len)
{
	static const char prefix[] = "tls13 ";
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t plen = sizeof(prefix) - 1, llen, n = 0;
	const char *digest;

	if (md_len == 32)
		digest = "SHA2-256";
	else if (md_len == 48)
		digest = "SHA2-384";
	else
		return -EINVAL;
	if (!secret || !label || (ctx_len && !ctx) || !out)
		return -EINVAL;
	llen = strlen(label);
	if (plen + llen > 255 || ctx_len > 255 || !out_len ||
	    out_len > 255u * (size_t)md_len)
		return -EINVAL;
	info[n++] = out_len >> 8;
	info[n++] = out_len & 0xff;
	info[n++] = plen + llen;
	memcpy(info + n, prefix, plen);
	n += plen;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = ctx_len;
	if (ctx_len)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	return hkdf_expand(digest, secret, md_len, info, n, out, out_len);
}

/* ------------------------------------------------- event -> lines */

enum ev_kind { EV_NOT_YET = 0, EV_TLS12 = 1, EV_TLS13 = 2 };

/* Is this snapshot what an SSL object can hold?  A wrong offset profile
 * reads other fields: the version and the cipher id are the tell-tales.
 * Returns an ev_kind or -EPROTO. */
static int event_kind(const struct ossl_event *ev)
{
	uint32_t c = ev->cipher_id;

	switch (ev->version) {
	case V_TLS_ANY:
	case V_DTLS_ANY:
		return EV_NOT_YET; /* SSL_new()/SSL_clear(): nothing negotiated */
	case V_TLS1_3:
		/* No cipher yet (session->cipher NULL, e.g. a server paused in
		 * a ClientHello callback): we cannot know L, come back later. */
		if (!c)
			return EV_NOT_YET;
		if (c < CIPHER_ID_TLS13_FIRST || c > CIPHER_ID_TLS13_LAST)
			return -EPROTO;
		return EV_TLS13;
	case V_SSL3:
	case V_TLS1:
	case V_TLS1_1:
	case V_TLS1_2:
	case V_DTLS1:
	case V_DTLS1_2:
		if (c && (c & 0xffff0000u) != 0x03000000u)
			return -EPROTO;
		if (ev->master_key_length > MASTER_KEY_LENGTH_MAX)
			return -EPROTO;
		return EV_TLS12;
	default:
		return -EPROTO;
	}
}

static void put_line(struct keys_set *set, const struct ossl_event *ev,
		     enum keys_label label, const uint8_t *secret, size_t len)
{
	struct keys_line *l = &set->line[set->n++];

	l->label = label;
	l->secret_len = len;
	memcpy(l->client_random, ev->client_random, KEYS_RANDOM_LEN);
	memset(l->secret, 0, sizeof(l->secret));
	memcpy(l->secret, secret, len);
}

/* The TLS 1.3 secrets a key log carries, from the two values OpenSSL keeps
 * for the whole connection (RFC 8446 §7.1 key schedule). */
static const struct tls13_deriv {
	uint8_t label;
	uint8_t from_master; /* master_secret + server_finished_hash, else
			      * handshake_secret + handshake_traffic_hash */
	const char *hkdf_label;
} tls13_derivs[] = {
	{ KEYS_CLIENT_HANDSHAKE_TRAFFIC, 0, "c hs traffic" },
	{ KEYS_SERVER_HANDSHAKE_TRAFFIC, 0, "s hs traffic" },
	{ KEYS_CLIENT_TRAFFIC_0, 1, "c ap traffic" },
	{ KEYS_SERVER_TRAFFIC_0, 1, "s ap traffic" },
	{ KEYS_EXPORTER, 1, "exp master" },
};

static int tls13_lines(const struct ossl_event *ev, unsigned known,
		       struct keys_set *set)
{
	size_t L = (ev->cipher_id & 0xffff) == CIPHER_SUITE_SHA384 ? 48 : 32;
	int have_hs = !is_zero(ev->handshake_secret, L) &&
		      !is_zero(ev->handshake_traffic_hash, L);
	int have_ms = !is_zero(ev->master_secret, L) &&
		      !is_zero(ev->server_finished_hash, L);
	uint8_t out[KEYS_SECRET_MAX];

	for (size_t i = 0; i < sizeof(tls13_derivs) / sizeof(*tls13_derivs); i++) {
		const struct tls13_deriv *d = &tls13_derivs[i];
		const uint8_t *prk = d->from_master ? ev->master_secret :
						      ev->handshake_secret;
		const uint8_t *hash = d->from_master ? ev->server_finished_hash :
						       ev->handshake_traffic_hash;
		int err;

		if (!(d->from_master ? have_ms : have_hs) ||
		    known & (1u << d->label))
			continue;
		err = keys_hkdf_expand_label(L, prk, d->hkdf_label, hash, L,
					     out, L);
		if (err) {
			set->n = 0;
			return err;
		}
		if (!is_zero(out, L))
			put_line(set, ev, d->label, out, L);
	}
	explicit_bzero(out, sizeof(out));
	return set->n;
}

/* The early secret of a handshake without a PSK: HKDF-Extract(0, 0^L)
 * (RFC 8446 §7.1), computed once per hash. */
static const uint8_t *no_psk_early_secret(size_t L)
{
	static uint8_t out[2][KEYS_SECRET_MAX];
	static bool done[2];
	int i = L == 48;
	uint8_t zero[KEYS_SECRET_MAX] = { 0 };
	size_t n = 0;
	EVP_MAC_CTX *c;

	if (done[i])
		return out[i];
	c = hmac_ctx(i ? "SHA2-384" : "SHA2-256");
	if (!c || !EVP_MAC_init(c, zero, L, NULL) ||
	    !EVP_MAC_update(c, zero, L) ||
	    !EVP_MAC_final(c, out[i], &n, sizeof(out[i])) || n != L) {
		ERR_clear_error();
		return NULL;
	}
	done[i] = true;
	return out[i];
}

/* A PSK's early secret (resumption or external PSK: 0-RTT possible) as
 * an internal line; the check derives CLIENT_EARLY_TRAFFIC_SECRET from it
 * and the captured ClientHello, if that offered early data. */
static void early_line(const struct ossl_event *ev, unsigned known,
		       struct keys_set *set)
{
	size_t L = (ev->cipher_id & 0xffff) == CIPHER_SUITE_SHA384 ? 48 : 32;
	const uint8_t *none;

	if (known & (1u << KEYS_EARLY_SECRET) ||
	    known & (1u << KEYS_CLIENT_EARLY_TRAFFIC) ||
	    is_zero(ev->early_secret, L))
		return;
	none = no_psk_early_secret(L);
	if (!none || !memcmp(none, ev->early_secret, L))
		return; /* no PSK: no early data */
	put_line(set, ev, KEYS_EARLY_SECRET, ev->early_secret, L);
}

/* TLS 1.2: the server random and suite as an internal line (the check of
 * a renegotiation, whose ServerHello travels encrypted). */
static void server_hello_line(const struct ossl_event *ev, unsigned known,
			      struct keys_set *set)
{
	uint8_t v[34];

	if (known & (1u << KEYS_SERVER_HELLO) || !ev->cipher_id ||
	    is_zero(ev->server_random, 32))
		return;
	memcpy(v, ev->server_random, 32);
	v[32] = (uint8_t)(ev->cipher_id >> 8);
	v[33] = (uint8_t)ev->cipher_id;
	put_line(set, ev, KEYS_SERVER_HELLO, v, sizeof(v));
}

int keys_from_ossl_event(const struct ossl_event *ev, struct keys_set *set)
{
	return keys_from_ossl_event_except(ev, 0, set);
}

int keys_from_ossl_event_except(const struct ossl_event *ev, unsigned known,
				struct keys_set *set)
{
	int kind;

	set->n = 0;
	kind = event_kind(ev);
	if (kind <= EV_NOT_YET)
		return kind;
	if (is_zero(ev->client_random, KEYS_RANDOM_LEN))
		return 0;
	if (kind == EV_TLS13) {
		int n = tls13_lines(ev, known, set);

		if (n > 0)
			early_line(ev, known, set);
		return n < 0 ? n : (int)set->n;
	}
	if (ev->master_key_length == TLS12_MASTER_LEN &&
	    !(known & (1u << KEYS_CLIENT_RANDOM)) &&
	    !is_zero(ev->master_key, TLS12_MASTER_LEN))
		put_line(set, ev, KEYS_CLIENT_RANDOM, ev->master_key,
			 TLS12_MASTER_LEN);
	if (set->n)
		server_hello_line(ev, known, set);
	return set->n;
}

int keys_early_traffic(int md_len, const uint8_t *early_secret,
		       const uint8_t *ch, size_t ch_len, uint8_t *out)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	if (md_len != 32 && md_len != 48)
		return -EINVAL;
	if (!EVP_Digest(ch, ch_len, h, &hl,
			md_len == 48 ? EVP_sha384() : EVP_sha256(), NULL) ||
	    hl != (unsigned)md_len) {
		ERR_clear_error();
		return -EIO;
	}
	return keys_hkdf_expand_label(md_len, early_secret, "c e traffic", h,
				      hl, out, md_len);
}

/* ------------------------------------------------------------ dedup */

#define DD_NIL UINT32_MAX

struct dd_entry {
	uint8_t client_random[KEYS_RANDOM_LEN];
	uint8_t label;
	uint8_t secret_len;
	uint8_t secret[KEYS_SECRET_MAX];
	uint32_t bucket; /* where it is chained, to unlink on eviction */
	uint32_t next;   /* next entry in the bucket, DD_NIL ends */
};

/* Entries live in a ring in insertion order (head = oldest), so eviction
 * is O(1) plus unlinking from one (short) bucket chain. */
struct keys_dedup {
	struct dd_entry *ring;
	uint32_t *buckets;
	uint32_t cap, mask, head, count;
	uint64_t seed;
	struct keys_dedup_stats st;
};

static uint64_t dd_seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == sizeof(s))
		return s;
	/* No entropy yet (early boot): still better than a constant. */
	return (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() ^
	       (uint64_t)(uintptr_t)&s;
}

struct keys_dedup *keys_dedup_new(size_t capacity)
{
	struct keys_dedup *d;
	size_t nb = 16;

	if (!capacity)
		capacity = KEYS_DEDUP_DEFAULT_CAPACITY;
	if (capacity > KEYS_DEDUP_MAX_CAPACITY) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < capacity)
		nb <<= 1;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ring = calloc(capacity, sizeof(*d->ring));
	d->buckets = malloc(nb * sizeof(*d->buckets));
	if (!d->ring || !d->buckets) {
		keys_dedup_free(d);
		errno = ENOMEM;
		return NULL;
	}
	memset(d->buckets, 0xff, nb * sizeof(*d->buckets)); /* all DD_NIL */
	d->cap = capacity;
	d->mask = nb - 1;
	d->seed = dd_seed();
	d->st.capacity = capacity;
	return d;
}

void keys_dedup_free(struct keys_dedup *d)
{
	if (!d)
		return;
	if (d->ring)
		explicit_bzero(d->ring, (size_t)d->cap * sizeof(*d->ring));
	free(d->ring);
	free(d->buckets);
	free(d);
}

/* Keyed with a random seed: client randoms are chosen by peers, who must
 * not be able to aim at one bucket. */
static uint32_t dd_hash(const struct keys_dedup *d, const uint8_t *cr,
			uint8_t label)
{
	uint64_t h = d->seed ^ ((uint64_t)label << 56), w;

	for (int i = 0; i < KEYS_RANDOM_LEN; i += 8) {
		memcpy(&w, cr + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 31;
	}
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32) & d->mask;
}

static void dd_evict_oldest(struct keys_dedup *d)
{
	uint32_t victim = d->head;
	uint32_t *link = &d->buckets[d->ring[victim].bucket];

	while (*link != victim)
		link = &d->ring[*link].next;
	*link = d->ring[victim].next;
	d->head = (d->head + 1) % d->cap;
	d->count--;
	d->st.evictions++;
}

int keys_dedup_add(struct keys_dedup *d, const struct keys_line *line)
{
	uint32_t b, i;
	struct dd_entry *e;

	if (line->label >= KEYS_LABEL_COUNT || !line->secret_len ||
	    line->secret_len > KEYS_SECRET_MAX)
		return -EINVAL;
	b = dd_hash(d, line->client_random, line->label);
	for (i = d->buckets[b]; i != DD_NIL; i = d->ring[i].next) {
		e = &d->ring[i];
		if (e->label != line->label ||
		    memcmp(e->client_random, line->client_random, KEYS_RANDOM_LEN))
			continue;
		if (e->secret_len == line->secret_len &&
		    !memcmp(e->secret, line->secret, line->secret_len)) {
			d->st.seen++;
			return KEYS_DEDUP_SEEN;
		}
		d->st.conflicts++;
		return KEYS_DEDUP_CONFLICT;
	}
	if (d->count == d->cap)
		dd_evict_oldest(d);
	i = (d->head + d->count) % d->cap;
	e = &d->ring[i];
	memcpy(e->client_random, line->client_random, KEYS_RANDOM_LEN);
	e->label = line->label;
	e->secret_len = line->secret_len;
	memcpy(e->secret, line->secret, line->secret_len);
	e->bucket = b;
	e->next = d->buckets[b];
	d->buckets[b] = i;
	d->count++;
	d->st.added++;
	return KEYS_DEDUP_NEW;
}

bool keys_dedup_has(const struct keys_dedup *d,
		    const uint8_t cr[KEYS_RANDOM_LEN], unsigned int label)
{
	uint32_t i;

	if (label >= KEYS_LABEL_COUNT)
		return false;
	for (i = d->buckets[dd_hash(d, cr, (uint8_t)label)]; i != DD_NIL;
	     i = d->ring[i].next)
		if (d->ring[i].label == label &&
		    !memcmp(d->ring[i].client_random, cr, KEYS_RANDOM_LEN))
			return true;
	return false;
}

void keys_dedup_get_stats(const struct keys_dedup *d,
			  struct keys_dedup_stats *st)
{
	*st = d->st;
	st->entries = d->count;
}
