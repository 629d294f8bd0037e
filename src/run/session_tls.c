// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_tls.c - the TLS secrets of a run: find every OpenSSL, probe it,
 * write what its SSL objects hold as key-log lines into the pcapng (DSBs,
 * with the sequencer holding flows until their keys are in) and the
 * key-log file. */
#include "run/session_int.h"
#include "run/session_go.h"
#include "run/session_text.h"
#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "out/keylog.h"
#include "out/pcapng.h"
#include "join/sequencer.h"
#include "join/streams.h"
#include "sources/openssl/calibrate.h"
#include "sources/openssl/profiles.h"
#include "sources/openssl/openssl.h"
#include "run/secrets.h"
#include "binary/targets.h"
#include "crypto/verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct session_tls {
	struct ossl *ossl;       /* NULL in `tlsdump gotls` */
	struct session_go *go;   /* NULL in `tlsdump tls` */
	struct session_text *text; /* -m text: instead of both */
	struct secrets *sec;
	struct secrets_sink sink;
	struct keylog *kl;
	struct tls_target_set targets;
	int attached;
	bool started; /* the run got going: a summary is due */
};

/* The sequencer writes a session's keys once its ClientHello is in the
 * capture, ahead of its packets. */
static int sink_keys(void *ctx, const uint8_t cr[32], const char *lines,
		     size_t len, bool complete)
{
	struct session *s = ctx;

	if (!s->seq)
		return 0;
	return seq_keys(s->seq, cr, lines, len, complete,
			(uint64_t)clock_mono_ns());
}

int session_tls_check(void *ctx, const uint8_t cr[32],
		      const struct streams *st, const char *lines, size_t len,
		      bool final)
{
	struct session *s = ctx;
	struct verify_streams vs = { st->cli, st->cli_len, st->srv,
				     st->srv_len };

	if (!s->t || !s->t->sec)
		return 1;
	return secrets_check(s->t->sec, cr, &vs, lines, len, final);
}

/* An SSL object first seen when it ends, with keys nobody gave before:
 * its process does TLS through BIO_f_ssl (s_server -www); from now on
 * its keys come when it reads a request, not when the connection is
 * over. */
static void watch_bio(struct session *s, const struct ossl_event *e)
{
	int err = ossl_attach_bio(s->t->ossl, e->profile, (pid_t)e->pid);

	if (!err)
		log_info("pid %u (%.16s): keys of a session first seen at %s: SSL_get_error probed in this process too (BIO_f_ssl calls it after each read)",
			 e->pid, e->comm, e->site == OSSL_SITE_FREE ? "SSL_free" : "SSL_shutdown");
	else if (err != -EEXIST && err != -ENOENT)
		log_debug("pid %u: cannot probe SSL_get_error: %s", e->pid,
			  strerror(-err));
}

bool session_tls_wants_check(void *ctx, const uint8_t cr[32],
			     const char *lines, size_t len)
{
	struct session *s = ctx;

	return s->t && s->t->sec && secrets_wants_check(s->t->sec, cr, lines, len);
}

static int on_snapshot(void *ctx, const struct ossl_event *e)
{
	struct session *s = ctx;
	struct secrets_stats before, after;
	int err;

	/* --pid/--uid/--comm: decided in the kernel already (the probes of
	 * other processes send nothing); checked again here */
	if (!cli_wants(s->cfg, e->pid, e->uid, e->comm))
		return 0;
	if (!(e->first && (e->site == OSSL_SITE_SHUTDOWN ||
			   e->site == OSSL_SITE_FREE)))
		return secrets_on_event(s->t->sec, e);
	/* seen first when it ends: a BIO_f_ssl process if no other probe
	 * (the peer's, another site) gave these keys before */
	secrets_get_stats(s->t->sec, &before);
	err = secrets_on_event(s->t->sec, e);
	secrets_get_stats(s->t->sec, &after);
	if (after.lines > before.lines)
		watch_bio(s, e);
	return err;
}

/* Where this build keeps its secrets: a verified profile of its
 * version; else, for a shared libssl, self-calibration (a child process
 * loads it and finds the fields by experiment); else an unverified
 * profile.  origin says which.  -ENOENT: none (not captured). */
static int offsets_for(const struct tls_target *tg, struct ossl_offsets *off,
		       char *origin, size_t len)
{
	const struct ossl_profile *p =
		tg->version[0] ? ossl_profile_find(tg->version) : NULL;
	char why[256];

	if (p && p->verified) {
		*off = p->off;
		snprintf(origin, len, "table: %s", p->origin);
		return 0;
	}
	if (!tg->is_static && calibrate_libssl(tg->path, NULL, off, why,
					       sizeof(why)) == 0) {
		snprintf(origin, len, "calibrated (%s)", why);
		return 0;
	}
	if (p) {
		*off = p->off;
		snprintf(origin, len, "table, unverified: %s", p->origin);
		return 0;
	}
	snprintf(origin, len, "none: %s%s", tg->version[0] ? "no profile for this version" :
		 "version unknown", tg->is_static ? "" : ", calibration failed");
	return -ENOENT;
}

#ifdef TLSDUMP_TEST_HOOKS
/* Test hook, only in the test build (build/tlsdump-test, never in
 * build/tlsdump; tests/e2e/test_tls_verify.sh): TLSDUMP_TEST_SKEW=N reads
 * every secret N bytes off, as a build with a wrong profile would:
 * plausible, non-zero and wrong.  Said loudly, never silent. */
static void test_skew(struct ossl_offsets *off, const char *path)
{
	const char *v = getenv("TLSDUMP_TEST_SKEW");
	int n = v ? atoi(v) : 0;

	if (n <= 0 || n > 64)
		return;
	log_warn("%s: TLSDUMP_TEST_SKEW=%d: reading its secrets %d bytes off (a test of the key check)",
		 path, n, n);
	off->handshake_secret += (uint32_t)n;
	off->master_secret += (uint32_t)n;
	off->sess_master_key += (uint32_t)n;
}
#else
static void test_skew(struct ossl_offsets *off, const char *path) {}
#endif

static void attach_new(struct session *s)
{
	struct session_tls *t = s->t;
	struct ossl_offsets off;
	char origin[400];
	int i;

	for (i = 0; i < t->targets.n; i++) {
		struct tls_target *tg = &t->targets.t[i];

		if (!tg->is_new)
			continue;
		if (offsets_for(tg, &off, origin, sizeof(origin))) {
			log_warn("%s: OpenSSL %s: offsets %s: its TLS secrets are not captured",
				 tg->display, tg->version[0] ? tg->version : "?", origin);
			continue;
		}
		test_skew(&off, tg->display);
		if (ossl_attach_file(t->ossl, tg->path, tg->display, &off, -1) == 0) {
			t->attached++;
			log_info("%s: OpenSSL %s, offsets %s", tg->display,
				 tg->version, origin);
		}
	}
}

int session_tls_rescan(struct session *s)
{
	if (s->t->sec && s->t->kl)
		secrets_tick(s->t->sec, (uint64_t)clock_mono_ns());
	session_go_rescan(s->t->go);
	session_text_rescan(s->t->text);
	if (!s->t->ossl || s->cfg->libssl)
		return 0; /* the user named the library: only that one */
	if (targets_scan(&s->t->targets) > 0)
		attach_new(s);
	return 0;
}

static const char *keylog_path(const struct config *cfg)
{
	if (cfg->keylogfile)
		return cfg->keylogfile;
	if (cfg->model != MODEL_KEYLOG)
		return NULL;
	return cfg->cmd == CMD_GOTLS ? "tlsdump_gotls_key.log"
				     : "tlsdump_openssl_key.log";
}

static int find_targets(struct session *s)
{
	struct session_tls *t = s->t;
	int err;

	targets_init(&t->targets, TARGETS_PROC | TARGETS_DEFAULTS);
	if (s->cfg->libssl) {
		err = targets_add_path(&t->targets, s->cfg->libssl);
		if (err < 0) {
			log_err("--libssl %s: %s", s->cfg->libssl,
				err == -ENODATA ? "no OpenSSL functions in it" : strerror(-err));
			return EXIT_USAGE;
		}
		t->targets.flags = 0; /* nothing else */
	}
	targets_scan(&t->targets);
	attach_new(s);
	if (!t->attached)
		log_warn("no OpenSSL library could be probed: no OpenSSL secrets will be captured");
	return 0;
}

/* `tlsdump tls`: OpenSSL only; `tlsdump gotls`: Go only; no subcommand:
 * both. */
static int start_sources(struct session *s)
{
	struct proc_want w = cli_want(s->cfg);
	int err = 0;

	if (s->cfg->model == MODEL_TEXT)
		return session_text_start(&s->t->text, s->cfg);
	if (s->cfg->cmd != CMD_GOTLS) {
		err = session_load_status(ossl_open(&s->t->ossl, on_snapshot, s, &w),
					  "the OpenSSL probes");
		if (err)
			return err;
	}
	if (secrets_new(&s->t->sec, &s->t->sink, s->t->ossl))
		return EXIT_RUNTIME;
	if (s->t->ossl)
		err = find_targets(s);
	if (!err && s->cfg->cmd != CMD_TLS)
		err = session_go_start(&s->t->go, s->cfg, s->t->sec);
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
	if (!err && kpath && s->t->sec) { /* text mode keeps no keys */
		s->t->kl = keylog_open(kpath);
		if (!s->t->kl) /* output_open() said why */
			return EXIT_OUTPUT;
		secrets_set_keylog(s->t->sec, s->t->kl);
	}
	s->t->started = !err;
	return err;
}

int session_tls_consume(struct session *s)
{
	int rc = s->t && s->t->ossl ? ossl_consume(s->t->ossl) : 0;

	if (rc >= 0 && s->t)
		rc = session_go_consume(s->t->go);
	if (rc >= 0 && s->t)
		rc = session_text_consume(s->t->text);
	if (rc == -EPIPE)
		return -ECANCELED; /* the reader of our stdout left: stop cleanly */
	return rc < 0 ? rc : 0;
}

int session_tls_fd(const struct session *s)
{
	if (!s->t)
		return -1;
	return s->t->text ? session_text_fd(s->t->text) : session_go_fd(s->t->go);
}

void session_tls_stop(struct session *s)
{
	struct session_tls *t = s->t;
	struct secrets_stats st;
	uint64_t sent = 0, lost = 0;
	int err;

	if (!t)
		return;
	if (t->ossl)
		ossl_consume(t->ossl);
	session_go_stop(t->go); /* consumes what is left */
	session_text_stop(t->text);
	if (t->sec && t->started) {
		secrets_get_stats(t->sec, &st);
		if (t->ossl) {
			ossl_counts(t->ossl, &sent, &lost);
			log_debug("OpenSSL probes: %llu snapshots sent",
				  (unsigned long long)sent);
		}
		fprintf(stderr, "%llu TLS key lines written for %llu sessions\n",
			(unsigned long long)st.lines, (unsigned long long)st.sessions);
		if (lost || st.refused)
			fprintf(stderr, "%llu TLS snapshots lost, %llu refused\n",
				(unsigned long long)lost,
				(unsigned long long)st.refused);
		if (st.verified || st.unverified || st.failed)
			fprintf(stderr, "%llu TLS sessions' keys checked against their records: %llu opened, %llu did not, %llu undecided\n",
				(unsigned long long)(st.verified + st.failed + st.unverified),
				(unsigned long long)st.verified,
				(unsigned long long)st.failed,
				(unsigned long long)st.unverified);
	}
	/* lines no captured session confirmed or refuted: out, unconfirmed */
	err = t->kl && t->sec ? secrets_tick(t->sec, UINT64_MAX) : 0;
	err = t->kl ? keylog_close(t->kl) ?: err : 0;
	if (err)
		log_err("key log: %s", strerror(-err));
	secrets_free(t->sec);
	ossl_close(t->ossl);
	targets_free(&t->targets);
	free(t);
	s->t = NULL;
}

static void print_target(const struct tls_target *t)
{
	struct ossl_offsets off;
	char origin[400];
	int i;

	offsets_for(t, &off, origin, sizeof(origin));
	printf("%s\n  OpenSSL %s%s\n  offsets: %s\n  processes:", t->display,
	       t->version[0] ? t->version : "(version not found)",
	       t->is_static ? " (linked into the executable)" : "", origin);
	for (i = 0; i < t->n_pids; i++)
		printf(" %d", (int)t->pids[i]);
	if (t->n_procs > t->n_pids)
		printf(" ... (%d in all)", t->n_procs);
	printf("%s\n", t->n_procs ? "" : " none now");
}

int session_tls_list(const struct config *cfg)
{
	struct tls_target_set set;
	int i, n;

	if (cfg->cmd == CMD_GOTLS)
		return session_go_list(cfg);
	targets_init(&set, TARGETS_PROC | TARGETS_DEFAULTS);
	if (cfg->libssl && targets_add_path(&set, cfg->libssl) < 0)
		log_warn("--libssl %s: not an OpenSSL file", cfg->libssl);
	n = targets_scan(&set);
	for (i = 0; i < set.n; i++)
		print_target(&set.t[i]);
	if (n < 0)
		log_err("cannot read /proc: %s", strerror(-n));
	targets_free(&set);
	return n < 0 ? EXIT_RUNTIME : EXIT_OK;
}
