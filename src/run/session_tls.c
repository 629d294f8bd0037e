// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_tls.c - the TLS keys of a run: start the key sources the
 * command selects (sources/source.h, into the run's set of sources,
 * run/session_sources.h; no code here for any one stack),
 * route their keys (run/secrets.h) into the pcapng (DSBs, with the
 * sequencer holding flows until their keys are in) and the key-log
 * file, and act on the key check's verdicts. */
#include "run/session_int.h"
#include "run/session_sources.h"
#include "run/secrets.h"
#include "sources/source.h"
#include "clock.h"
#include "binary/vcache.h"
#include "exitcode.h"
#include "log.h"
#include "out/keylog.h"
#include "out/output.h"
#include "join/sequencer.h"
#include "join/streams.h"
#include "crypto/verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every key source, in the order they start. */
static const struct key_source_ops *const all_sources[] = {
	&openssl_source,
	&gotls_source,
	&gnutls_source,
	&boringssl_source,
	&nss_source,
};
#define N_SOURCES (sizeof(all_sources) / sizeof(all_sources[0]))
_Static_assert(N_SOURCES * SOURCE_SLOTS <= SECRETS_MAX_ORIGINS,
	       "the sources' origins do not fit run/secrets.c's tables");

struct session_tls {
	struct { /* by all_sources[] index: whose origins are whose */
		const struct key_source_ops *ops;
		void *state; /* run/session_sources.c's: it stops them */
	} src[N_SOURCES];
	unsigned n_src;
	struct secrets *sec;
	struct secrets_sink sink;
	struct keylog *kl;
	bool started; /* the run got going: a summary is due */
};

/* The sequencer writes a session's keys once its ClientHello is in the
 * capture, ahead of its packets. */
static int sink_keys(void *ctx, const uint8_t cr[32],
		     const struct keys_set *keys, bool complete)
{
	struct session *s = ctx;

	if (!s->seq)
		return 0;
	return seq_keys(s->seq, cr, keys, complete, (uint64_t)clock_mono_ns());
}

int session_tls_check(void *ctx, const uint8_t cr[32],
		      const struct streams *st, struct keys_set *keys,
		      unsigned flags, bool final)
{
	struct session *s = ctx;
	struct verify_streams vs = { st->cli, st->cli_len, st->srv,
				     st->srv_len };

	if (!s->t || !s->t->sec)
		return !(flags & SEQ_CHECK_RENEG);
	return secrets_check(s->t->sec, cr, &vs, keys, flags & SEQ_CHECK_RENEG,
			     final);
}

int session_tls_reneg_hello(void *ctx, const struct streams *st,
			    const struct keys_set *prev, bool final,
			    uint8_t out[34])
{
	struct verify_streams vs = { st->cli, st->cli_len, st->srv,
				     st->srv_len };

	(void)ctx;
	return verify_reneg_hello(&vs, prev, final, out);
}

bool session_tls_wants_check(void *ctx, const uint8_t cr[32],
			     const struct keys_set *keys)
{
	struct session *s = ctx;

	return s->t && s->t->sec && secrets_wants_check(s->t->sec, cr, keys);
}

/* Origins (run/secrets.h) -> the source and its slot. */
static bool origin_split(const struct session_tls *t, int32_t origin,
			 unsigned *i, unsigned *slot)
{
	*i = (unsigned)origin / SOURCE_SLOTS;
	*slot = (unsigned)origin % SOURCE_SLOTS;
	return origin >= 0 && *i < t->n_src && t->src[*i].state;
}

static bool origin_active(void *ctx, int32_t origin)
{
	struct session_tls *t = ctx;
	unsigned i, slot;

	return origin_split(t, origin, &i, &slot) &&
	       t->src[i].ops->active(t->src[i].state, slot);
}

static const char *origin_name(void *ctx, int32_t origin)
{
	struct session_tls *t = ctx;
	unsigned i, slot;

	return origin_split(t, origin, &i, &slot) ?
		       t->src[i].ops->name_of(t->src[i].state, slot) : "?";
}

static void origin_refute(void *ctx, int32_t origin)
{
	struct session_tls *t = ctx;
	unsigned i, slot;

	if (origin_split(t, origin, &i, &slot))
		t->src[i].ops->refute(t->src[i].state, slot);
}

static const char *keylog_path(const struct config *cfg)
{
	if (cfg->keylogfile)
		return cfg->keylogfile;
	if (cfg->model != MODEL_KEYLOG)
		return NULL;
	return cli_keylog_default(cfg->cmd);
}

/* `tlsdump tls`: OpenSSL and BoringSSL; `tlsdump gotls`: Go only; `tlsdump
 * gnutls`: GnuTLS only; `tlsdump nss`: NSS only; no subcommand: every
 * source. */
static int start_sources(struct session *s)
{
	struct session_tls *t = s->t;
	struct secrets_origins org = { origin_active, origin_name,
				       origin_refute, t };
	int err = 0;

	if (secrets_new(&t->sec, &t->sink, &org))
		return EXIT_RUNTIME;
	/* binary/vcache.h: addresses only where keys are checked */
	vcache_enable(NULL, t->sink.checked);
	for (unsigned i = 0; i < N_SOURCES && !err; i++) {
		const struct key_source_ops *ops = all_sources[i];
		struct source_env env = { .cfg = s->cfg, .sec = t->sec,
					  .origin_base = (int32_t)(i * SOURCE_SLOTS),
					  .checked = t->sink.checked };

		if ((s->cfg->cmd != CMD_CAPTURE && s->cfg->cmd != ops->cmd) ||
		    (s->cfg->stacks && !(s->cfg->stacks & (1u << ops->cmd))))
			continue;
		t->src[i].ops = ops;
		t->n_src = i + 1;
		err = run_sources_start(s->srcs, ops, &env, &t->src[i].state);
	}
	return err;
}

int session_tls_start(struct session *s)
{
	const char *kpath = keylog_path(s->cfg);
	int err;

	s->t = calloc(1, sizeof(*s->t));
	if (!s->t)
		return EXIT_RUNTIME;
	s->t->sink = (struct secrets_sink){ sink_keys, s, NULL, s->pcap };
	/* the sources first: a refused --libssl or --elfpath leaves no empty
	 * key log behind (no line is read before the loop runs) */
	err = start_sources(s);
	if (!err && kpath) {
		s->t->kl = keylog_open(kpath);
		if (!s->t->kl) /* output_open() said why */
			return EXIT_OUTPUT;
		secrets_set_keylog(s->t->sec, s->t->kl);
	}
	s->t->started = !err;
	return err;
}

int session_tls_tick(struct session *s)
{
	struct session_tls *t = s->t;

	return t && t->kl ? secrets_tick(t->sec, (uint64_t)clock_mono_ns()) : 0;
}

static void print_key_summary(const struct session_tls *t)
{
	struct secrets_stats st;

	secrets_get_stats(t->sec, &st);
	secrets_log_stats(t->sec);
	fprintf(stderr, "%llu TLS key lines written for %llu sessions\n",
		(unsigned long long)st.lines, (unsigned long long)st.sessions);
	if (st.refused)
		fprintf(stderr, "%llu TLS key sets refused\n",
			(unsigned long long)st.refused);
	if (st.verified || st.unverified || st.failed)
		fprintf(stderr, "%llu TLS sessions' keys checked against their records: %llu opened, %llu did not, %llu undecided\n",
			(unsigned long long)(st.verified + st.failed + st.unverified),
			(unsigned long long)st.verified,
			(unsigned long long)st.failed,
			(unsigned long long)st.unverified);
}

/* The exit status of a run whose key log got write error err, after one
 * line saying so (-EPIPE: the reader of `-k -` left, a clean stop). */
static int keylog_status(const char *path, int err, size_t unwritten)
{
	if (!err || err == -EPIPE)
		return EXIT_OK;
	if (output_is_disk_full(err)) {
		log_err("disk full while writing the key log '%s': the keys from then on are not in it (%zu bytes at the end; it holds whole lines only)",
			path, unwritten);
		return EXIT_DISKFULL;
	}
	log_err("cannot write the key log '%s': %s; the keys from then on are not in it (%zu bytes at the end; it holds whole lines only)",
		path, strerror(-err), unwritten);
	return EXIT_OUTPUT;
}

/* Lines no captured session confirmed or refuted go out, unconfirmed
 * (their sources are still there to say which are refuted); closes the
 * key log.  Its exit status. */
static int close_keylog(struct session *s)
{
	struct session_tls *t = s->t;
	size_t unwritten;
	int err;

	if (!t->kl || !t->sec)
		return EXIT_OK;
	secrets_tick(t->sec, UINT64_MAX);
	unwritten = keylog_flush(t->kl) ? keylog_pending(t->kl) : 0;
	err = keylog_close(t->kl); /* tries once more */
	t->kl = NULL;
	secrets_set_keylog(t->sec, NULL);
	return keylog_status(keylog_path(s->cfg),
			     secrets_keylog_error(t->sec) ?: err,
			     err ? unwritten : 0);
}

int session_tls_stop(struct session *s)
{
	struct session_tls *t = s->t;
	int rc;

	if (!t)
		return EXIT_OK;
	run_sources_drain(s->srcs); /* what the rings still hold */
	rc = close_keylog(s);
	/* after a key-log error its one line says what the file holds */
	if (t->sec && t->started && !rc && !s->cfg->no_summary)
		print_key_summary(t);
	run_sources_stop(s->srcs); /* the key sources, while secrets live */
	secrets_free(t->sec);
	free(t);
	s->t = NULL;
	return rc;
}

/* Every source of the subcommand (tls: OpenSSL and BoringSSL). */
int session_list(const struct config *cfg)
{
	int rc = EXIT_USAGE;

	for (unsigned i = 0; i < N_SOURCES; i++)
		if (cfg->cmd == all_sources[i]->cmd &&
		    (rc == EXIT_USAGE || rc == EXIT_OK))
			rc = all_sources[i]->list(cfg);
	return rc;
}
