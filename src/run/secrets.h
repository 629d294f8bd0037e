// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* secrets.h - from SSL snapshots to key-log lines in the sinks.
 *
 * Each snapshot is turned into lines (keys.c), checked, deduplicated by
 * client random and label, and the new lines go out at once: to the
 * pcapng (as a DSB before the packets that need them: the sequencer sees
 * to that) and to the key-log file (which, as eCapture's, holds every
 * session of the host).  A snapshot that is implausible means
 * the file's offset profile is wrong: its probes come off with a warning
 * and nothing of it is ever written.  Where the session is captured, its
 * keys must also open its first encrypted records (secrets_check). */
#ifndef TLSDUMP_SECRETS_H
#define TLSDUMP_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/gotls/gotls.h"
#include "sources/openssl/openssl.h"

struct secrets;
struct ossl;
struct keylog;

struct secrets_sink {
	/* New lines (len bytes, whole lines; maybe none) of the session with
	 * client random cr; complete: the session has all it needs.  For the
	 * pcapng (through the sequencer); NULL: no pcapng. */
	int (*keys)(void *ctx, const uint8_t cr[32], const char *lines,
		    size_t len, bool complete);
	void *ctx;
	struct keylog *keylog; /* NULL: no key-log file */
	/* The pcapng checks keys (secrets_check): the key-log lines of an
	 * OpenSSL build wait until a captured session of it confirms its
	 * keys (dropped if one refutes them; written unconfirmed after 4 s,
	 * see secrets_tick). */
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
		struct ossl *src);
/* The key-log file, once it is open (before any line arrives). */
void secrets_set_keylog(struct secrets *s, struct keylog *kl);
/* One snapshot (the ossl_fn of the source).  0 or a sink's error. */
int secrets_on_event(struct secrets *s, const struct ossl_event *e);
/* One key-log line of a Go program (gotls.bpf.c).  0 or a sink's error;
 * a line that is not one Go writes is counted as refused, not written. */
int secrets_on_go(struct secrets *s, const struct gotls_event *e);
struct verify_streams;
/* Whether secrets_check is worth it for this session: false once its
 * source's keys opened their first 8 sessions of that TLS version, but
 * for 1 session in 32 (then the keys are written unchecked). */
bool secrets_wants_check(struct secrets *s, const uint8_t cr[32],
			 const char *lines, size_t len);
/* The pcapng's key check (crypto/verify.h) for a captured session whose
 * keys came from here: 1 write them (they opened its records, or that
 * cannot be decided), 0 drop them (they do not open: their source is
 * stopped, with a warning), -EAGAIN wait for more of its packets (unless
 * final). */
int secrets_check(struct secrets *s, const uint8_t cr[32],
		  const struct verify_streams *st, const char *lines,
		  size_t len, bool final);
/* Lets key-log lines that waited longer than 4 s go, unconfirmed
 * (now_ns: CLOCK_MONOTONIC; UINT64_MAX: all, at the end). */
int secrets_tick(struct secrets *s, uint64_t now_ns);
void secrets_get_stats(const struct secrets *s, struct secrets_stats *out);
void secrets_free(struct secrets *s);

#endif
