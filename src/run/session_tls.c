// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_tls.c - the TLS keys of a run: start the key sources the
 * command selects (sources/source.h; no code here for any one stack),
 * route their keys (run/secrets.h) into the pcapng (DSBs, with the
 * sequencer holding flows until their keys are in) and the key-log
 * file, and act on the key check's verdicts. */
#include "proc/dlhold.h"
#include "proc/dlwatch.h"
#include "binary/procsnap.h"
#include "run/session_int.h"
#include "run/session_text.h"
#include "run/session_gate.h"
#include "run/session_ahead.h"
#include "run/secrets.h"
#include "sources/source.h"
#include "clock.h"
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
#include <unistd.h>

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
	struct {
		const struct key_source_ops *ops;
		void *state;
	} src[N_SOURCES];
	unsigned n_src;
	struct session_text *text; /* -m text: instead of the key sources */
	struct session_gate *gate; /* execs held until they are probed */
	struct secrets *sec;
	struct secrets_sink sink;
	struct keylog *kl;
	struct dlwatch *dl;        /* which processes a rescan looks at */
	uint64_t last_full_ns;     /* the last rescan of every process */
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

	if (s->cfg->model == MODEL_TEXT)
		return session_text_start(&t->text, s->cfg);
	if (secrets_new(&t->sec, &t->sink, &org))
		return EXIT_RUNTIME;
	for (unsigned i = 0; i < N_SOURCES && !err; i++) {
		const struct key_source_ops *ops = all_sources[i];
		struct source_env env = { s->cfg, t->sec,
					  (int32_t)(i * SOURCE_SLOTS),
					  t->sink.checked };

		if ((s->cfg->cmd != CMD_CAPTURE && s->cfg->cmd != ops->cmd) ||
		    (s->cfg->stacks && !(s->cfg->stacks & (1u << ops->cmd))))
			continue;
		t->src[i].ops = ops;
		t->n_src = i + 1;
		err = ops->start(&t->src[i].state, &env);
	}
	return err;
}

/* A held exec: every source that wants exec news (or text mode) judges
 * and probes its file. */
static bool judge_exec(void *ctx, const struct source_exec *x)
{
	struct session_tls *t = ctx;
	bool settled = true;

	if (t->text)
		return session_text_exec(t->text, x);
	for (unsigned i = 0; i < t->n_src; i++)
		if (t->src[i].state && t->src[i].ops->exec &&
		    !t->src[i].ops->exec(t->src[i].state, x))
			settled = false;
	return settled;
}

/* The judges of the sources that want exec news, each once. */
static int ahead_judges(const struct session_tls *t, targets_judge_fn *out,
			int max)
{
	int n = 0;

	if (t->text) {
		out[0] = session_text_ahead_judge(t->text);
		return out[0] ? 1 : 0;
	}
	for (unsigned i = 0; i < t->n_src && n < max; i++) {
		targets_judge_fn j = t->src[i].state && t->src[i].ops->ahead_judge ?
			t->src[i].ops->ahead_judge(t->src[i].state) : NULL;
		bool dup = false;

		for (int k = 0; k < n; k++)
			dup |= out[k] == j;
		if (j && !dup)
			out[n++] = j;
	}
	return n;
}

static bool wants_execs(const struct session_tls *t)
{
	if (t->text)
		return session_text_wants_execs(t->text);
	for (unsigned i = 0; i < t->n_src; i++)
		if (t->src[i].state && t->src[i].ops->wants_execs &&
		    t->src[i].ops->wants_execs(t->src[i].state))
			return true;
	return false;
}

/* Test hooks, only in the test build: TLSDUMP_TEST_NO_HOLD=1 holds none
 * of CMD's processes at their library loads, so that a test sees what
 * the 2 s scan alone does; TLSDUMP_TEST_HOLD_STALL_MS=N makes the loop
 * take N ms more before it looks at held processes, as a busy loop
 * would (the watchdog must let them go). */
static bool no_hold(void)
{
#ifdef TLSDUMP_TEST_HOOKS
	const char *v = getenv("TLSDUMP_TEST_NO_HOLD");

	return v && *v == '1';
#else
	return false;
#endif
}

static void hold_stall(void)
{
#ifdef TLSDUMP_TEST_HOOKS
	const char *v = getenv("TLSDUMP_TEST_HOLD_STALL_MS");
	int ms = v ? atoi(v) : 0;

	if (ms > 0 && ms <= 10000)
		usleep((useconds_t)ms * 1000);
#endif
}

/* Without the watch every rescan reads all of /proc, as it must.  With
 * -- CMD, its processes are held at their execs and library loads. */
static void open_dlwatch(struct session_tls *t, const struct config *c)
{
	int tree = c->cmd_argv && !no_hold() ? c->tree_fd : -1;
	int err = dlwatch_open(&t->dl, tree);

	if (err)
		log_debug("no news of library loads (%s): every rescan reads all of /proc",
			  strerror(-err));
	else
		dlwatch_find_linkers(t->dl, NULL, 0);
	t->last_full_ns = (uint64_t)clock_mono_ns(); /* the sources just did */
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
	if (!err && kpath && s->t->sec) { /* text mode keeps no keys */
		s->t->kl = keylog_open(kpath);
		if (!s->t->kl) /* output_open() said why */
			return EXIT_OUTPUT;
		secrets_set_keylog(s->t->sec, s->t->kl);
	}
	if (!err)
		open_dlwatch(s->t, s->cfg);
	if (!err && wants_execs(s->t)) {
		targets_judge_fn judges[AHEAD_MAX_JUDGES];
		int n = ahead_judges(s->t, judges, AHEAD_MAX_JUDGES);

		session_gate_open(&s->t->gate, s->cfg, judge_exec, s->t, judges, n);
	}
	s->t->started = !err;
	return err;
}

/* The processes a rescan looks at: those with news (none at all while
 * nothing starts or loads a library), or every one (NULL) each
 * DLWATCH_FULL_MS, after lost news, and without the watch. */
static const pid_t *round_pids(struct session_tls *t, size_t *n)
{
	uint64_t now = (uint64_t)clock_mono_ns();
	const pid_t *pids;
	bool lost;

	*n = 0;
	if (!t->dl)
		return NULL;
	lost = dlwatch_take(t->dl, &pids, n);
	if (lost || now - t->last_full_ns >= DLWATCH_FULL_MS * 1000000ull) {
		t->last_full_ns = now;
		*n = 0;
		return NULL;
	}
	return pids;
}

int session_tls_rescan(struct session *s)
{
	struct session_tls *t = s->t;
	const pid_t *pids;
	size_t n;
	int err = 0;

	if (t->sec && t->kl)
		err = secrets_tick(t->sec, (uint64_t)clock_mono_ns());
	pids = round_pids(t, &n);
	session_text_rescan(t->text, pids, n);
	session_gate_rescan(t->gate, pids, n);
	for (unsigned i = 0; i < t->n_src; i++)
		if (t->src[i].state)
			t->src[i].ops->rescan(t->src[i].state, pids, n, false);
	dlwatch_find_linkers(t->dl, pids, n);
	return err;
}

/* CMD's processes the kernel stopped at an exec or a library load: what
 * they mapped is probed now (their linker too, for their next loads),
 * then they go on (proc/dlhold.h). */
static void serve_holds(struct session_tls *t)
{
	struct dlhold *h = dlwatch_hold(t->dl);
	const pid_t *pids;
	size_t n = dlhold_take(h, &pids);

	if (!n)
		return;
	hold_stall();
	for (size_t i = 0; i < n; i++)
		procsnap_forget("/proc", pids[i]); /* it changed just now */
	dlwatch_find_linkers(t->dl, pids, n);
	session_text_rescan(t->text, pids, n);
	for (unsigned i = 0; i < t->n_src; i++)
		if (t->src[i].state)
			t->src[i].ops->rescan(t->src[i].state, pids, n, true);
	dlhold_release(h);
}

int session_tls_consume(struct session *s)
{
	struct session_tls *t = s->t;
	int rc = 0, n = 0;

	if (t) { /* held programs first: they wait for us */
		session_gate_serve(t->gate);
		serve_holds(t);
	}
	for (unsigned i = 0; t && i < t->n_src && rc >= 0; i++)
		if (t->src[i].state) {
			rc = t->src[i].ops->consume(t->src[i].state);
			n += rc > 0 ? rc : 0;
		}
	if (rc >= 0 && t) {
		rc = session_text_consume(t->text);
		n += rc > 0 ? rc : 0;
	}
	if (rc == -EPIPE)
		return -ECANCELED; /* the reader of our stdout left: stop cleanly */
	return rc < 0 ? rc : n;
}

int session_tls_fds(const struct session *s, int *fds, int max)
{
	const struct session_tls *t = s->t;
	int n = 0, fd;

	if (!t)
		return 0;
	fd = session_gate_fd(t->gate);
	if (fd >= 0 && max > 0)
		fds[n++] = fd;
	fd = dlhold_fd(dlwatch_hold(t->dl));
	if (fd >= 0 && n < max)
		fds[n++] = fd;
	if (t->text) {
		fd = session_text_fd(t->text);
		if (fd >= 0 && n < max)
			fds[n++] = fd;
		return n;
	}
	for (unsigned i = 0; i < t->n_src && n < max; i++) {
		if (!t->src[i].state || !t->src[i].ops->fd)
			continue;
		fd = t->src[i].ops->fd(t->src[i].state);
		if (fd >= 0)
			fds[n++] = fd;
	}
	return n;
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
	session_gate_close(t->gate); /* nothing held while we stop */
	t->gate = NULL;
	if (t->dl)
		log_debug("library news: %u dynamic linkers probed, %llu news lost",
			  dlwatch_linkers(t->dl), dlwatch_lost(t->dl));
	dlwatch_log_holds(t->dl);
	dlwatch_close(t->dl);
	t->dl = NULL;
	session_tls_consume(s); /* what the rings still hold */
	session_text_stop(t->text, t->started);
	rc = close_keylog(s);
	/* after a key-log error its one line says what the file holds */
	if (t->sec && t->started && !rc && !s->cfg->no_summary)
		print_key_summary(t);
	for (unsigned i = 0; i < t->n_src; i++)
		if (t->src[i].state)
			t->src[i].ops->stop(t->src[i].state);
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
