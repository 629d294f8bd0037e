// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keys.h - TLS secrets in user space: derive (HKDF-Expand-Label), check,
 * format as NSS key-log lines, and remember what was written (bounded
 * dedup).  The only file that uses libcrypto is keys.c.
 *
 * Key-log format: "LABEL <client_random hex> <secret hex>\n", lowercase
 * hex, as read by Wireshark and written by SSLKEYLOGFILE-aware libraries.
 *
 * Errors: 0 or -errno (counts >= 0 where stated); pointers NULL + errno.
 */
#ifndef TLSDUMP_KEYS_H
#define TLSDUMP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/gotls/gotls.h"
#include "sources/openssl/openssl.h"

#define KEYS_RANDOM_LEN 32   /* ClientHello.random */
#define KEYS_SECRET_MAX 48   /* TLS 1.2 master secret, SHA-384 secrets */
/* TLS 1.3: 2 handshake + 2 traffic + exporter + the early secret */
#define KEYS_MAX_LINES 7
/* Longest label (31) + 64 + 96 hex digits + 2 spaces + '\n' + NUL = 195. */
#define KEYS_LINE_MAX 195

/* The NSS key-log labels we know (keys_label_name() gives the text). */
enum keys_label {
	KEYS_CLIENT_RANDOM = 0,          /* TLS 1.2 and older: master secret */
	KEYS_CLIENT_EARLY_TRAFFIC,       /* CLIENT_EARLY_TRAFFIC_SECRET */
	KEYS_CLIENT_HANDSHAKE_TRAFFIC,   /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	KEYS_SERVER_HANDSHAKE_TRAFFIC,   /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	KEYS_CLIENT_TRAFFIC_0,           /* CLIENT_TRAFFIC_SECRET_0 */
	KEYS_SERVER_TRAFFIC_0,           /* SERVER_TRAFFIC_SECRET_0 */
	KEYS_EXPORTER,                   /* EXPORTER_SECRET */
	/* Internal lines: they travel with a session's lines to the key
	 * check (crypto/verify.h), which turns them into real lines or
	 * drops them; never written to a file (keys_lines_strip_internal). */
	KEYS_EARLY_SECRET,   /* TLSDUMP_EARLY_SECRET: a PSK's early secret,
			      * for CLIENT_EARLY_TRAFFIC_SECRET (needs the
			      * ClientHello, from the capture) */
	KEYS_SERVER_HELLO,   /* TLSDUMP_SERVER_HELLO: server random (32) and
			      * suite (2, big-endian), for the check of a
			      * TLS 1.2 renegotiation (its ServerHello is
			      * encrypted) */
	KEYS_LABEL_COUNT
};
#define KEYS_FIRST_INTERNAL KEYS_EARLY_SECRET

/* One key-log line, binary. */
struct keys_line {
	uint8_t label;       /* enum keys_label */
	uint8_t secret_len;  /* 1..KEYS_SECRET_MAX (32 or 48 in practice) */
	uint8_t client_random[KEYS_RANDOM_LEN];
	uint8_t secret[KEYS_SECRET_MAX];
};

/* What one OpenSSL snapshot yields: up to KEYS_MAX_LINES lines. */
struct keys_set {
	unsigned int n;
	struct keys_line line[KEYS_MAX_LINES];
};

/* HKDF-Expand-Label(secret, "tls13 " label, ctx, out_len) of RFC 8446
 * §7.1 with SHA-256 (md_len 32) or SHA-384 (md_len 48); secret is md_len
 * bytes.  label is given without the "tls13 " prefix.  Returns 0, -EINVAL
 * (bad sizes), -ENOTSUP (no HKDF/digest in libcrypto) or -EIO. */
int keys_hkdf_expand_label(int md_len, const uint8_t *secret,
			   const char *label, const uint8_t *ctx,
			   size_t ctx_len, uint8_t *out, size_t out_len);

/* Turns one snapshot of an SSL object into key-log lines.
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

/* Whether a label is internal (never written to a file). */
static inline bool keys_label_internal(unsigned int label)
{
	return label >= KEYS_FIRST_INTERNAL && label < KEYS_LABEL_COUNT;
}

/* Removes the internal lines from whole key-log lines in place; returns
 * the new length. */
size_t keys_lines_strip_internal(char *lines, size_t len);

/* CLIENT_EARLY_TRAFFIC_SECRET (RFC 8446 §7.1): HKDF-Expand-Label(early
 * secret, "c e traffic", Hash(ClientHello), L), the hash that of the
 * secret's length (32 SHA-256, 48 SHA-384); ch: the ClientHello
 * handshake message, its 4-byte header included.  0 or -errno. */
int keys_early_traffic(int md_len, const uint8_t *early_secret,
		       const uint8_t *ch, size_t ch_len, uint8_t *out);

/* One line as Go wrote it (gotls.bpf.c): 1 with *line, 0 when the
 * random or the secret is all zero (nothing to write), -EINVAL for a
 * label we do not know or lengths out of range. */
int keys_from_go_event(const struct gotls_event *e, struct keys_line *line);

/* "CLIENT_RANDOM", ... ; "UNKNOWN" for a value out of range. */
const char *keys_label_name(unsigned int label);
/* The enum for a key-log label text; -EINVAL if unknown. */
int keys_label_parse(const char *name);

/* Formats one line, '\n' included, NUL-terminated, into buf (size >=
 * KEYS_LINE_MAX always suffices).  Returns its length without the NUL,
 * -EINVAL for a bad line, or -ENOSPC if buf is too small. */
int keys_line_format(const struct keys_line *line, char *buf, size_t size);
/* The other way: one line of len bytes (a trailing '\n' allowed), hex in
 * either case.  0, or -EINVAL (unknown label, bad lengths or digits). */
int keys_line_parse(const char *s, size_t len, struct keys_line *line);

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
