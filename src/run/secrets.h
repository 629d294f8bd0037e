// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* secrets.h - from the keys of every source to the sinks.
 *
 * A source (sources/source.h) derives a session's keys and hands them in
 * as a keys_set with its origin.  They are deduplicated by client random
 * and label, and the new lines go on at once, as data (text is made by
 * the writers only): to the pcapng (as a DSB
 * before the packets that need them: the sequencer sees to that) and to
 * the key-log file (which, as eCapture's, holds every session of the
 * host).  Where the session is captured, its keys must also open its
 * first encrypted records (secrets_check); keys that do not make their
 * origin refuted (secrets_origins.refute: the source stops that target)
 * and are never written. */
#ifndef TLSDUMP_SECRETS_H
#define TLSDUMP_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct secrets;
struct keylog;
struct keys_set;

/* Origins: who gives keys, as small numbers 0..SECRETS_MAX_ORIGINS-1 the
 * run hands out (one per probed file of each source: SOURCE_SLOTS per
 * source, run/session_tls.c checks that they fit); -1: keys no target
 * can be blamed for (nothing to stop).  */
#define SECRETS_MAX_ORIGINS 2048
struct secrets_origins {
	/* False once the origin was refuted: its keys are dropped. */
	bool (*active)(void *ctx, int32_t origin);
	/* Its name in messages (the file). */
	const char *(*name)(void *ctx, int32_t origin);
	/* Its keys did not open their records: stop taking keys from it. */
	void (*refute)(void *ctx, int32_t origin);
	void *ctx;
};

/* Who produced a set of lines (for the log and the completeness rule). */
struct key_origin {
	uint32_t pid;
	const char *comm; /* the kernel's: at most 16 bytes, NUL included */
	int version;    /* 0x0304: TLS 1.3 */
	int32_t origin; /* see secrets_origins */
};

struct secrets_sink {
	/* New lines (maybe none) of the session with client random cr;
	 * complete: the session has all it needs.  For the pcapng (through
	 * the sequencer); NULL: no pcapng. */
	int (*keys)(void *ctx, const uint8_t cr[32],
		    const struct keys_set *fresh, bool complete);
	void *ctx;
	struct keylog *keylog; /* NULL: no key-log file */
	/* The pcapng checks keys (secrets_check): the key-log lines of an
	 * origin wait until a captured session of it confirms its keys
	 * (dropped if one refutes them; written unconfirmed after 4 s, see
	 * secrets_tick). */
	bool checked;
};

struct secrets_stats {
	uint64_t lines;       /* written */
	uint64_t sessions;    /* sessions whose lines became complete */
	uint64_t conflicts;   /* a second, different secret for a line */
	uint64_t refused;     /* implausible snapshots or Go lines */
	uint64_t verified;    /* sessions whose keys opened their records */
	uint64_t unverified;  /* sessions the check could not decide */
	uint64_t failed;      /* sessions whose keys did not open them */
	uint64_t trusted;     /* not checked: their source proved itself */
};

int secrets_new(struct secrets **out, const struct secrets_sink *sink,
		const struct secrets_origins *org);
/* The key-log file, once it is open (before any line arrives); NULL
 * once it is closed. */
void secrets_set_keylog(struct secrets *s, struct keylog *kl);
/* The first error writing the key log (0: none): from then on, lines may
 * be missing from it. */
int secrets_keylog_error(const struct secrets *s);
/* The labels (bit 1 << keys_label) of this client random written
 * already: a source need not derive them again. */
unsigned secrets_known(const struct secrets *s, const uint8_t cr[32]);
/* One session's keys (one client random) from origin o, captured at
 * ts_ns (CLOCK_MONOTONIC).  0 or a sink's error. */
int secrets_add(struct secrets *s, const struct key_origin *o,
		const struct keys_set *set, uint64_t ts_ns);
/* A source refused keys of its own (implausible, not a line its library
 * writes): counted, and the origin's waiting lines are dropped (the
 * source stops that origin itself).  0 or a sink's error. */
int secrets_refused(struct secrets *s, int32_t origin);
struct verify_streams;
/* Whether secrets_check is worth it for this session: false once its
 * source's keys opened their first 8 sessions of that TLS version, but
 * for 1 session in 32 (then the keys are written unchecked). */
bool secrets_wants_check(struct secrets *s, const uint8_t cr[32],
			 const struct keys_set *keys);
/* The pcapng's key check (crypto/verify.h) for a captured session whose
 * keys came from here: 1 write them (they opened its records, or that
 * cannot be decided), 0 drop them (they do not open: their source is
 * stopped, with a warning), -EAGAIN wait for more of its packets (unless
 * final).  keys may grow: a PSK's early secret becomes the session's
 * CLIENT_EARLY_TRAFFIC_SECRET here (also into the key log), the
 * ClientHello being in the streams.  reneg: the streams
 * are a TLS 1.2 renegotiation of some captured flow and these keys a
 * candidate: 1 they open it, 0 they do not or that cannot be told
 * (nobody is blamed: they may be another flow's). */
int secrets_check(struct secrets *s, const uint8_t cr[32],
		  const struct verify_streams *st, struct keys_set *keys,
		  bool reneg, bool final);
/* Lets key-log lines that waited longer than 4 s go, unconfirmed
 * (now_ns: CLOCK_MONOTONIC; UINT64_MAX: all, at the end). */
int secrets_tick(struct secrets *s, uint64_t now_ns);
void secrets_get_stats(const struct secrets *s, struct secrets_stats *out);
/* -vv: what the dedup table did. */
void secrets_log_stats(const struct secrets *s);
void secrets_free(struct secrets *s);

#endif
