// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keys.h - TLS secrets in user space, as data: a session's keys (a
 * keys_set of (label, client random, secret) lines), derived
 * (HKDF-Expand-Label) and remembered (bounded dedup).  They travel so
 * from the sources through run/secrets.c, the sequencer and the check to
 * the writers, which alone make text of them (out/keytext.h).  The only
 * file here that uses libcrypto is keys.c.
 *
 * Errors: 0 or -errno (counts >= 0 where stated); pointers NULL + errno.
 */
#ifndef TLSDUMP_KEYS_H
#define TLSDUMP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/openssl/openssl.h"

#define KEYS_RANDOM_LEN 32   /* ClientHello.random */
#define KEYS_SECRET_MAX 48   /* TLS 1.2 master secret, SHA-384 secrets */

/* The NSS key-log labels we know (crypto/keylabel.h has their text). */
enum keys_label {
	KEYS_CLIENT_RANDOM = 0,          /* TLS 1.2 and older: master secret */
	KEYS_CLIENT_EARLY_TRAFFIC,       /* CLIENT_EARLY_TRAFFIC_SECRET */
	KEYS_CLIENT_HANDSHAKE_TRAFFIC,   /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	KEYS_SERVER_HANDSHAKE_TRAFFIC,   /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	KEYS_CLIENT_TRAFFIC_0,           /* CLIENT_TRAFFIC_SECRET_0 */
	KEYS_SERVER_TRAFFIC_0,           /* SERVER_TRAFFIC_SECRET_0 */
	KEYS_EXPORTER,                   /* EXPORTER_SECRET */
	/* Internal labels: they travel in a session's set to the key check
	 * (crypto/verify.h), which derives written lines from them; they
	 * have no text and the writers skip them. */
	KEYS_EARLY_SECRET,   /* a PSK's early secret, for
			      * CLIENT_EARLY_TRAFFIC_SECRET (needs the
			      * ClientHello, from the capture) */
	KEYS_SERVER_HELLO,   /* server random (32) and suite (2,
			      * big-endian), for the check of a TLS 1.2
			      * renegotiation (its ServerHello is
			      * encrypted) */
	KEYS_LABEL_COUNT
};
#define KEYS_FIRST_INTERNAL KEYS_EARLY_SECRET

/* One secret of a session: a key-log line as data. */
struct keys_line {
	uint8_t label;       /* enum keys_label */
	uint8_t secret_len;  /* 1..KEYS_SECRET_MAX (32 or 48 in practice) */
	uint8_t client_random[KEYS_RANDOM_LEN];
	uint8_t secret[KEYS_SECRET_MAX];
};

/* A session's keys (one client random): at most one line per label,
 * in the order they came.  What a source hands in, what the sequencer
 * holds for a flow, what the check reads and a writer writes. */
#define KEYS_SET_MAX KEYS_LABEL_COUNT
struct keys_set {
	unsigned int n;
	struct keys_line line[KEYS_SET_MAX];
};

/* The line of a label, NULL if the set has none. */
const struct keys_line *keys_set_find(const struct keys_set *set,
				      unsigned int label);
/* Adds l unless the set has its label already: 1 added, 0 not. */
int keys_set_put(struct keys_set *set, const struct keys_line *l);
/* Adds src's lines whose labels dst lacks; the number added. */
unsigned keys_set_merge(struct keys_set *dst, const struct keys_set *src);
/* Whether the set holds a line to write (not only internal ones). */
bool keys_set_writes(const struct keys_set *set);
/* Empties the set, its secrets wiped. */
void keys_set_clear(struct keys_set *set);

/* HKDF-Expand-Label(secret, "tls13 " label, ctx, out_len) of RFC 8446
 * §7.1 with SHA-256 (md_len 32) or SHA-384 (md_len 48); secret is md_len
 * bytes.  label is given without the "tls13 " prefix.  Returns 0, -EINVAL
 * (bad sizes), -ENOTSUP (no HKDF/digest in libcrypto) or -EIO. */
int keys_hkdf_expand_label(int md_len, const uint8_t *secret,
			   const char *label, const uint8_t *ctx,
			   size_t ctx_len, uint8_t *out, size_t out_len);

/* Turns one snapshot of an SSL object into a session's lines.
 *  TLS 1.2/1.1/1.0/SSL 3/DTLS: CLIENT_RANDOM when a 48-byte master key is
 *    present.
 *  TLS 1.3: the handshake pair from handshake_secret +
 *    handshake_traffic_hash, the traffic pair and the exporter secret from
 *    master_secret + server_finished_hash (generation 0 even after a
 *    KeyUpdate).  Only what is present (non-zero) is derived.
 * Never yields an all-zero secret, nor anything for an all-zero client
 * random.  Returns the number of lines (0 = nothing yet; set->n too), or
 * -EPROTO when the snapshot is implausible (version or cipher out of range:
 * the offset profile is probably wrong and set->n is 0), or another -errno
 * from the derivation. */
int keys_from_ossl_event(const struct ossl_event *ev, struct keys_set *set);
/* The same, without the lines whose label bit (1 << enum keys_label) is
 * set in known: lines already written (the other end of the connection,
 * an earlier probe) are not derived again.  0 when all are known. */
int keys_from_ossl_event_except(const struct ossl_event *ev, unsigned known,
				struct keys_set *set);

/* Whether a label is internal (never written as text). */
static inline bool keys_label_internal(unsigned int label)
{
	return label >= KEYS_FIRST_INTERNAL && label < KEYS_LABEL_COUNT;
}

/* CLIENT_EARLY_TRAFFIC_SECRET (RFC 8446 §7.1): HKDF-Expand-Label(early
 * secret, "c e traffic", Hash(ClientHello), L), the hash that of the
 * secret's length (32 SHA-256, 48 SHA-384); ch: the ClientHello
 * handshake message, its 4-byte header included.  0 or -errno. */
int keys_early_traffic(int md_len, const uint8_t *early_secret,
		       const uint8_t *ch, size_t ch_len, uint8_t *out);

/* OpenSSL's macro name for a protocol version, for logs:
 * 0x0304 -> "TLS1_3_VERSION"; "UNKNOWN_VERSION" when not known. */
const char *keys_tls_version_name(int version);

/* ---- dedup: "was LABEL for this client random written already?" ----
 * A bounded table of (client random, label) -> secret.  Fixed capacity
 * chosen at creation; when full, the oldest entry is evicted (counted).
 * O(1) on average; the hash is keyed with a per-table random seed, since
 * client randoms come from the network. */
struct keys_dedup;

enum keys_dedup_result {
	KEYS_DEDUP_NEW = 0,      /* recorded now: write the line */
	KEYS_DEDUP_SEEN = 1,     /* same secret already recorded: skip */
	KEYS_DEDUP_CONFLICT = 2, /* recorded with a different secret: skip,
				  * warn; the first secret stays */
};

struct keys_dedup_stats {
	uint64_t entries;    /* in the table now */
	uint64_t capacity;
	uint64_t added;      /* KEYS_DEDUP_NEW results */
	uint64_t seen;       /* KEYS_DEDUP_SEEN results */
	uint64_t conflicts;  /* KEYS_DEDUP_CONFLICT results */
	uint64_t evictions;  /* oldest entries dropped to make room */
};

/* capacity 0 means KEYS_DEDUP_DEFAULT_CAPACITY.  NULL + errno on failure
 * (EINVAL above KEYS_DEDUP_MAX_CAPACITY, ENOMEM). */
#define KEYS_DEDUP_DEFAULT_CAPACITY 65536
#define KEYS_DEDUP_MAX_CAPACITY (1u << 24)
struct keys_dedup *keys_dedup_new(size_t capacity);
void keys_dedup_free(struct keys_dedup *d);

/* Looks the line up and records it if new (check and insert in one step:
 * the caller writes the line exactly when KEYS_DEDUP_NEW comes back).
 * Returns an enum keys_dedup_result, or -EINVAL for a bad line. */
int keys_dedup_add(struct keys_dedup *d, const struct keys_line *line);
/* Whether LABEL of this client random was recorded (and not evicted). */
bool keys_dedup_has(const struct keys_dedup *d,
		    const uint8_t cr[KEYS_RANDOM_LEN], unsigned int label);
void keys_dedup_get_stats(const struct keys_dedup *d,
			  struct keys_dedup_stats *st);

#endif
