/* secrets.h - from SSL snapshots to key-log lines in the sinks.
 *
 * Each snapshot is turned into lines (keys.c), checked, deduplicated by
 * client random and label, and the new lines go out at once: to the
 * pcapng (as a DSB before the packets that need them: the sequencer sees
 * to that) and to the key-log file (which, as eCapture's, holds every
 * session of the host).  A snapshot that is implausible means
 * the file's offset profile is wrong: its probes come off with a warning
 * and nothing of it is ever written. */
#ifndef TLSDUMP_SECRETS_H
#define TLSDUMP_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/gotls.h"
#include "tls/openssl.h"

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
};

struct secrets_stats {
	uint64_t lines;       /* written */
	uint64_t sessions;    /* sessions whose lines became complete */
	uint64_t conflicts;   /* a second, different secret for a line */
	uint64_t refused;     /* implausible snapshots or Go lines */
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
void secrets_get_stats(const struct secrets *s, struct secrets_stats *out);
void secrets_free(struct secrets *s);

#endif
