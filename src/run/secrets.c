// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* secrets.c - see secrets.h. */
#include "run/secrets.h"
#include "crypto/keys.h"
#include "crypto/verify.h"
#include "join/crset.h"
#include "out/keylog.h"
#include "crypto/keylabel.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Who wrote a session's lines: the last N_MADE sessions, for a check
 * that refuses them (the source must be named and stopped). */
#define N_MADE 4096
#define COMM_LEN 16 /* a kernel comm, its NUL included */
struct made {
	int32_t origin; /* who gave the keys (secrets_origins); -1: nobody to stop */
	uint32_t pid;
	char comm[COMM_LEN];
};

/* Keys of an origin that no captured session has confirmed yet (when
 * the pcapng checks keys) wait for the key log, oldest first. */
#define WAIT_NS (4000ull * 1000000) /* then they go out unconfirmed */
#define WAIT_MAX 4096
struct waiting {
	struct waiting *next;
	int32_t origin;
	uint64_t since_ns;
	struct keys_set keys;
};

struct secrets {
	struct secrets_sink sink;
	struct secrets_origins org;
	struct keys_dedup *dedup;
	struct crset *made_set; /* client random -> slot in made */
	struct made made[N_MADE];
	/* sessions whose keys opened, per origin (then those of origin -1)
	 * and family (TLS 1.2, 1.3): see secrets_check */
	uint32_t opened[SECRETS_MAX_ORIGINS + 1][2];
	struct waiting *wait, **wait_tail;
	unsigned n_wait;
	uint64_t now_ns; /* of the snapshot being handled */
	int keylog_err;  /* the key log's first write error */
	struct secrets_stats st;
};

int secrets_new(struct secrets **out, const struct secrets_sink *sink,
		const struct secrets_origins *org)
{
	struct secrets *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->sink = *sink;
	s->org = *org;
	s->wait_tail = &s->wait;
	s->dedup = keys_dedup_new(0);
	s->made_set = crset_new(N_MADE);
	if (!s->dedup || !s->made_set) {
		secrets_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* Whether the session has, in the dedup table, all the lines Wireshark
 * needs to decrypt it (EXPORTER_SECRET is not needed). */
static bool is_complete(const struct secrets *s, const uint8_t *cr,
			int version)
{
	static const uint8_t tls13[] = {
		KEYS_CLIENT_HANDSHAKE_TRAFFIC, KEYS_SERVER_HANDSHAKE_TRAFFIC,
		KEYS_CLIENT_TRAFFIC_0, KEYS_SERVER_TRAFFIC_0,
	};

	if (version != 0x0304)
		return keys_dedup_has(s->dedup, cr, KEYS_CLIENT_RANDOM);
	for (size_t i = 0; i < sizeof(tls13); i++)
		if (!keys_dedup_has(s->dedup, cr, tls13[i]))
			return false;
	return true;
}

static void log_line(const struct key_origin *o, const struct keys_line *l)
{
	char cr[65], comm[LOG_ESCAPED(COMM_LEN)];
	int i;

	if (log_get_level() < LOG_INFO)
		return; /* formatting is most of a session's cost otherwise */
	for (i = 0; i < 32; i++)
		snprintf(cr + 2 * i, 3, "%02x", l->client_random[i]);
	log_info("%s save success: client_random=%s, pid=%u, comm=%s, TlsVersion=%s",
		 keys_label_name(l->label), cr, o->pid,
		 log_escape(o->comm, COMM_LEN, comm, sizeof(comm)),
		 keys_tls_version_name(o->version));
}

/* The lines of set not handed on before, into fresh. */
static void new_lines(struct secrets *s, const struct key_origin *o,
		      const struct keys_set *set, struct keys_set *fresh)
{
	char comm[LOG_ESCAPED(COMM_LEN)];
	unsigned i;

	for (i = 0; i < set->n; i++) {
		int r = keys_dedup_add(s->dedup, &set->line[i]);

		if (r == KEYS_DEDUP_CONFLICT) {
			s->st.conflicts++;
			log_warn("pid %u (%s): a second, different %s for one session: kept the first",
				 o->pid, log_escape(o->comm, COMM_LEN, comm, sizeof(comm)),
				 keys_label_name(set->line[i].label));
		}
		if (r != KEYS_DEDUP_NEW || !keys_set_put(fresh, &set->line[i]))
			continue;
		if (keys_label_internal(set->line[i].label))
			continue; /* for the check only: not a written line */
		s->st.lines++;
		log_line(o, &set->line[i]);
	}
}

static void remember(struct secrets *s, const struct key_origin *o,
		     const uint8_t *cr)
{
	struct made *m = &s->made[crset_add(s->made_set, cr)];

	m->origin = o->origin;
	m->pid = o->pid;
	snprintf(m->comm, sizeof(m->comm), "%.15s", o->comm);
}

/* A session's keys into the key-log file, and out. */
static int keylog_write(struct secrets *s, const struct keys_set *keys)
{
	int err;

	if (!s->sink.keylog)
		return 0; /* closed: the run is over */
	err = keylog_add_keys(s->sink.keylog, keys) ?:
	      keylog_flush(s->sink.keylog);
	if (err && !s->keylog_err)
		s->keylog_err = err;
	return err;
}

static bool confirmed(const struct secrets *s, int32_t origin)
{
	return s->opened[origin][0] || s->opened[origin][1];
}

static bool active(const struct secrets *s, int32_t origin)
{
	return origin < 0 || s->org.active(s->org.ctx, origin);
}

/* Keys of an origin the pcapng's check has not confirmed yet wait (a
 * wrong profile's keys must never reach the key log); the rest go. */
static int to_keylog(struct secrets *s, int32_t origin,
		     const struct keys_set *keys)
{
	struct waiting *w;

	if (!keys_set_writes(keys))
		return 0;
	if (!s->sink.checked || origin < 0 || confirmed(s, origin) ||
	    s->n_wait >= WAIT_MAX)
		return keylog_write(s, keys);
	w = malloc(sizeof(*w));
	if (!w)
		return keylog_write(s, keys);
	w->next = NULL;
	w->origin = origin;
	w->since_ns = s->now_ns;
	w->keys = *keys;
	*s->wait_tail = w;
	s->wait_tail = &w->next;
	s->n_wait++;
	return 0;
}

/* Lets waiting lines go: of `origin` (all: -1) or older than `before`;
 * drop: forget them instead (their origin was refused). */
static int release_waiting(struct secrets *s, int32_t origin, uint64_t before,
			   bool drop)
{
	struct waiting **pp = &s->wait, *w;
	int err = 0;

	while ((w = *pp)) {
		if (origin != w->origin && w->since_ns >= before) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		if (!drop && !err && active(s, w->origin))
			err = keylog_write(s, &w->keys);
		keys_set_clear(&w->keys);
		free(w);
		s->n_wait--;
	}
	s->wait_tail = pp;
	return err;
}

/* The lines of one session (set->n > 0, one client random) to the
 * sinks: the new ones to the key log, and to the pcapng with whether the
 * session is now complete. */
static int deliver(struct secrets *s, const struct key_origin *o,
		   const struct keys_set *set)
{
	const uint8_t *cr = set->line[0].client_random;
	struct keys_set fresh = { 0 };
	bool complete, was = is_complete(s, cr, o->version);
	int err = 0;

	new_lines(s, o, set, &fresh);
	if (fresh.n)
		remember(s, o, cr);
	if (s->sink.keylog)
		err = to_keylog(s, o->origin, &fresh);
	complete = is_complete(s, cr, o->version);
	/* completed by these lines (an EXPORTER_SECRET after the traffic
	 * secrets does not count the session again) */
	s->st.sessions += complete && !was;
	if (!err && (fresh.n || complete) && s->sink.keys)
		err = s->sink.keys(s->sink.ctx, cr, &fresh, complete);
	keys_set_clear(&fresh);
	return err;
}

int secrets_refused(struct secrets *s, int32_t origin)
{
	s->st.refused++;
	return origin < 0 ? 0 : release_waiting(s, origin, 0, true);
}

unsigned secrets_known(const struct secrets *s, const uint8_t cr[32])
{
	unsigned m = 0, l;

	for (l = 0; l < KEYS_LABEL_COUNT; l++)
		if (keys_dedup_has(s->dedup, cr, l))
			m |= 1u << l;
	return m;
}

int secrets_add(struct secrets *s, const struct key_origin *o,
		const struct keys_set *set, uint64_t ts_ns)
{
	if (!active(s, o->origin))
		return 0; /* queued before its origin was refused */
	s->now_ns = ts_ns;
	return set->n > 0 ? deliver(s, o, set) : 0;
}

/* Who wrote the lines of this session (NULL: forgotten, or nobody). */
static const struct made *maker(const struct secrets *s, const uint8_t *cr)
{
	int i = crset_find(s->made_set, cr);

	return i < 0 ? NULL : &s->made[i];
}

/* A session's keys do not open its records: whoever wrote them reads
 * the wrong bytes.  Its origin is told (it stops itself, as after an
 * implausible snapshot); keys of no origin are only not written. */
static void failed(struct secrets *s, const uint8_t cr[32])
{
	const struct made *m = maker(s, cr);
	char comm[LOG_ESCAPED(COMM_LEN)];

	s->st.failed++;
	log_escape(m ? m->comm : "?", COMM_LEN, comm, sizeof(comm));
	if (m && m->origin >= 0) {
		release_waiting(s, m->origin, 0, true);
		if (!active(s, m->origin))
			return; /* refused already */
		log_warn("%s: the keys of pid %u (%s) do not open its captured TLS records (AEAD tag or MAC check): wrong offsets for this build; its probes are removed and its keys no longer written",
			 s->org.name(s->org.ctx, m->origin), m->pid, comm);
		s->org.refute(s->org.ctx, m->origin);
	} else {
		log_warn("pid %u (%s): TLS keys that do not open the session's captured records (AEAD tag or MAC check): not written to the pcapng",
			 m ? m->pid : 0, comm);
	}
}

/* A source whose keys opened CHECK_FIRST sessions of a TLS family is
 * then checked on one session in CHECK_EVERY (chosen by client random):
 * a check costs about as much as deriving the keys. */
#define CHECK_FIRST 8
#define CHECK_EVERY 32

/* The sessions its source opened (NULL: source unknown); *fam: the TLS
 * family of the keys (0: 1.2, 1: 1.3). */
static uint32_t *opened_of(struct secrets *s, const struct made *m,
			   const struct keys_set *keys, int *fam)
{
	*fam = !keys_set_find(keys, KEYS_CLIENT_RANDOM);
	return m ? s->opened[m->origin >= 0 ? m->origin : SECRETS_MAX_ORIGINS] : NULL;
}

bool secrets_wants_check(struct secrets *s, const uint8_t cr[32],
			 const struct keys_set *keys)
{
	int fam;
	uint32_t *opened = opened_of(s, maker(s, cr), keys, &fam);

	/* an early secret: only the check turns it into the session's
	 * CLIENT_EARLY_TRAFFIC_SECRET */
	if (keys_set_find(keys, KEYS_EARLY_SECRET))
		return true;
	if (opened && opened[fam] >= CHECK_FIRST && cr[0] % CHECK_EVERY) {
		s->st.trusted++;
		return false;
	}
	return true;
}

/* The derived CLIENT_EARLY_TRAFFIC_SECRET joins the session's keys
 * (for the DSB) and goes to the key log, as any line of its origin. */
static int add_early(struct secrets *s, const uint8_t cr[32],
		     struct keys_set *keys, const struct keys_line *l)
{
	const struct made *m = maker(s, cr);
	struct key_origin o = { m ? m->pid : 0, m ? m->comm : "?", 0x0304,
				m ? m->origin : -1 };
	struct keys_set one = { .n = 1, .line = { *l } };
	int err;

	if (keys_dedup_add(s->dedup, l) != KEYS_DEDUP_NEW ||
	    !keys_set_put(keys, l))
		return 0;
	s->st.lines++;
	log_line(&o, l);
	err = s->sink.keylog ? to_keylog(s, o.origin, &one) : 0;
	keys_set_clear(&one);
	return err;
}

/* A renegotiation's keys against a flow whose handshake started
 * encrypted: 1 they are that flow's (their records open), 0 not (or it
 * cannot be told: without the proof they stay out of the file). */
static int check_reneg(struct secrets *s, const struct verify_streams *st,
		       const struct keys_set *keys, bool final)
{
	int rc = verify_renegotiation(st, keys);

	if (rc == -EAGAIN && !final)
		return -EAGAIN;
	if (rc == VERIFY_OK)
		s->st.verified++;
	return rc == VERIFY_OK;
}

int secrets_check(struct secrets *s, const uint8_t cr[32],
		  const struct verify_streams *st, struct keys_set *keys,
		  bool reneg, bool final)
{
	const struct made *m = maker(s, cr);
	struct keys_line early = { 0 };
	int fam, rc, erc;
	uint32_t *opened = opened_of(s, m, keys, &fam);

	if (reneg)
		return check_reneg(s, st, keys, final);
	erc = verify_early(st, keys, final, &early);
	if (erc == -EAGAIN && !final)
		return -EAGAIN;
	rc = verify_session(st, keys, final);
	if (rc == -EAGAIN && !final)
		return -EAGAIN;
	if (rc == VERIFY_BAD) {
		failed(s, cr);
		return 0;
	}
	if (rc == VERIFY_OK) {
		s->st.verified++;
		if (opened && !opened[fam]++ && m->origin >= 0 &&
		    !opened[!fam]) { /* its waiting lines go */
			rc = release_waiting(s, m->origin, 0, false);
			if (rc < 0)
				return rc;
		}
	} else {
		s->st.unverified++;
	}
	/* 0-RTT: written when it opens the early data, or when that cannot
	 * be decided (as a CBC suite's keys); dropped when it does not */
	if (erc == VERIFY_OK || erc == -ENOTSUP)
		rc = add_early(s, cr, keys, &early);
	explicit_bzero(&early, sizeof(early));
	return rc < 0 ? rc : 1;
}

int secrets_tick(struct secrets *s, uint64_t now_ns)
{
	return release_waiting(s, -1, now_ns > WAIT_NS ? now_ns - WAIT_NS : 0,
			       false);
}

void secrets_set_keylog(struct secrets *s, struct keylog *kl)
{
	s->sink.keylog = kl;
}

int secrets_keylog_error(const struct secrets *s)
{
	return s->keylog_err;
}

void secrets_get_stats(const struct secrets *s, struct secrets_stats *out)
{
	*out = s->st;
}

void secrets_log_stats(const struct secrets *s)
{
	struct keys_dedup_stats d;

	keys_dedup_get_stats(s->dedup, &d);
	log_debug("key dedup table: %llu of %llu entries used, %llu lines new, %llu seen before, %llu conflicting, %llu evicted",
		  (unsigned long long)d.entries, (unsigned long long)d.capacity,
		  (unsigned long long)d.added, (unsigned long long)d.seen,
		  (unsigned long long)d.conflicts,
		  (unsigned long long)d.evictions);
}

void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	release_waiting(s, -1, UINT64_MAX, true); /* what is left: dropped */
	crset_free(s->made_set);
	keys_dedup_free(s->dedup);
	free(s);
}
