// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.c - OpenSSL as a key source (sources/source.h): every libssl
 * and every binary with OpenSSL linked in (binary/targets.h), each probed
 * with the offsets of its build (a verified profile, else
 * self-calibration, else an unverified profile); snapshots of SSL objects
 * become key-log lines (crypto/keys.h) for the run. */
#include "sources/source.h"
#include "sources/openssl/calibrate.h"
#include "sources/openssl/openssl.h"
#include "sources/openssl/profiles.h"
#include "binary/targets.h"
#include "sources/boringssl/locate.h"
#include "crypto/hello.h"
#include "crypto/keys.h"
#include "run/secrets.h"
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file probed with a candidate profile (offsets_for): what to try
 * once the key check or the plausibility check refutes it. */
struct candidate {
	bool on;       /* this slot's profile is a candidate */
	unsigned next; /* the next one to try, in ossl_profile_candidates() */
	char version[TARGET_VERSION_MAX];
};

struct ossl_source {
	const struct config *cfg;
	struct secrets *sec;
	int32_t origin_base;
	bool checked; /* the key check can confirm a candidate profile */
	struct ossl *ossl;
	struct tls_target_set targets;
	int attached;
	struct candidate cand[OSSL_MAX_FILES]; /* by file slot */
};

static void try_next(struct ossl_source *o, unsigned slot);

/* An SSL object first seen when it ends, with keys nobody gave before:
 * its process does TLS through BIO_f_ssl (s_server -www); from now on
 * its keys come when it reads a request, not when the connection is
 * over. */
static void watch_bio(struct ossl_source *o, const struct ossl_event *e)
{
	int err = ossl_attach_bio(o->ossl, e->profile, (pid_t)e->pid);
	char comm[LOG_ESCAPED(sizeof(e->comm))];

	if (!err)
		log_info("pid %u (%s): keys of a session first seen at %s: SSL_get_error probed in this process too (BIO_f_ssl calls it after each read)",
			 e->pid, log_escape(e->comm, sizeof(e->comm), comm, sizeof(comm)),
			 e->site == OSSL_SITE_FREE ? "SSL_free" : "SSL_shutdown");
	else if (err != -EEXIST && err != -ENOENT)
		log_debug("pid %u: cannot probe SSL_get_error: %s", e->pid,
			  strerror(-err));
}

/* An implausible snapshot: the file's offsets are wrong for its build. */
static int refuse(struct ossl_source *o, const struct ossl_event *e)
{
	char comm[LOG_ESCAPED(sizeof(e->comm))];
	int err;

	log_warn("%s: secrets of pid %u (%s) are implausible (version 0x%x, cipher 0x%x): wrong offsets for this build; its probes are removed and none of its keys written",
		 ossl_file_path(o->ossl, e->profile), e->pid,
		 log_escape(e->comm, sizeof(e->comm), comm, sizeof(comm)),
		 (unsigned)e->version, e->cipher_id);
	ossl_disable_file(o->ossl, e->profile);
	err = secrets_refused(o->sec, o->origin_base + (int32_t)e->profile);
	try_next(o, e->profile);
	return err;
}

/* One snapshot: the lines not written yet, derived and handed on. */
static int add_keys(struct ossl_source *o, const struct ossl_event *e)
{
	struct key_origin org = { e->pid, e->comm, e->version,
				  o->origin_base + (int32_t)e->profile };
	struct keys_set set;
	int n;

	if (!ossl_file_active(o->ossl, e->profile))
		return 0; /* queued before its file was refused */
	n = keys_from_ossl_event_except(e, secrets_known(o->sec, e->client_random),
					&set);
	if (n == -EPROTO)
		return refuse(o, e);
	return n > 0 ? secrets_add(o->sec, &org, &set, e->ts_ns) : 0;
}

static int on_snapshot(void *ctx, const struct ossl_event *e)
{
	struct ossl_source *o = ctx;
	struct secrets_stats before, after;
	int err;

	/* --pid/--uid/--comm: decided in the kernel already (the probes of
	 * other processes send nothing); checked again here */
	if (!cli_wants(o->cfg, e->pid, e->uid, e->comm))
		return 0;
	if (!(e->first && (e->site == OSSL_SITE_SHUTDOWN ||
			   e->site == OSSL_SITE_FREE)))
		return add_keys(o, e);
	/* seen first when it ends: a BIO_f_ssl process if no other probe
	 * (the peer's, another site) gave these keys before */
	secrets_get_stats(o->sec, &before);
	err = add_keys(o, e);
	secrets_get_stats(o->sec, &after);
	if (after.lines > before.lines)
		watch_bio(o, e);
	return err;
}

/* -m keylog, a 0-RTT handshake: its ClientHello as OpenSSL held it when
 * it derived the early keys (openssl.h, struct ossl_hello).  The line is
 * written only when the copy's random is the session's and its PSK
 * binder proves the early secret: there is no capture to check it on. */
static int on_hello(void *ctx, const struct ossl_hello *h)
{
	struct ossl_source *o = ctx;
	struct key_origin org = { h->pid, h->comm, 0x0304,
				  o->origin_base + (int32_t)h->profile };
	struct keys_set set = { .n = 1 };
	char comm[LOG_ESCAPED(sizeof(h->comm))];
	int rc;

	if (!cli_wants(o->cfg, h->pid, h->uid, h->comm) ||
	    !ossl_file_active(o->ossl, h->profile) ||
	    secrets_known(o->sec, h->client_random) & (1u << KEYS_CLIENT_EARLY_TRAFFIC))
		return 0;
	rc = hello_early_secret(h->data, h->len, h->client_random,
				h->early_secret, &set.line[0]);
	if (rc <= 0) {
		log_debug("pid %u (%s): a ClientHello copy that does not prove its early secret (%d): no CLIENT_EARLY_TRAFFIC_SECRET",
			  h->pid, log_escape(h->comm, sizeof(h->comm), comm, sizeof(comm)), rc);
		return 0;
	}
	rc = secrets_add(o->sec, &org, &set, h->ts_ns);
	explicit_bzero(&set, sizeof(set));
	return rc;
}

/* Where this build keeps its secrets: a verified profile of its
 * version; else, for a shared libssl, self-calibration (a child process
 * loads it and finds the fields by experiment); else, for OpenSSL inside
 * an executable (which cannot be loaded) when the key check can decide
 * (checked), the first candidate profile (*cand set): its keys are
 * written only once they open their records, and a refuted candidate
 * gives way to the next (try_next); else an unverified profile.  origin
 * says which.  -ENOENT: none (not captured). */
static int offsets_for(const struct tls_target *tg, bool checked,
		       struct ossl_offsets *off, char *origin, size_t len,
		       bool *cand)
{
	const struct ossl_profile *p =
		tg->version[0] ? ossl_profile_find(tg->version) : NULL;
	const struct ossl_profile *c[OSSL_MAX_PROFILES];
	size_t n = 0;
	char why[256];

	*cand = false;
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
	if (tg->is_static && checked)
		n = ossl_profile_candidates(tg->version, c, OSSL_MAX_PROFILES);
	if (n) {
		*off = c[0]->off;
		*cand = true;
		snprintf(origin, len, "candidate 1 of %zu, to be confirmed by the key check (%s%s): %s",
			 n, c[0]->version_prefix, c[0]->verified ? "" : ", unverified",
			 c[0]->origin);
		return 0;
	}
	if (p) {
		*off = p->off;
		snprintf(origin, len, "table, unverified: %s", p->origin);
		return 0;
	}
	snprintf(origin, len, "none: %s%s", tg->version[0] ? "no profile for this version" :
		 "version unknown", tg->is_static ? (checked ? "" :
		 ", and no key check in this mode to confirm a candidate profile (pcap mode has one)") :
		 ", calibration failed");
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

/* TLSDUMP_TEST_VERSION=V (tests/e2e/test_tls_static.sh): OpenSSL linked
 * into an executable is taken for version V ("3.6.0": one no profile
 * fits, "": unknown), so that candidate profiles are tried. */
static void test_version(struct tls_target *tg)
{
	const char *v = getenv("TLSDUMP_TEST_VERSION");

	if (!v || !tg->is_static)
		return;
	log_warn("%s: TLSDUMP_TEST_VERSION: taken for OpenSSL \"%s\" (a test of candidate profiles)",
		 tg->display, v);
	snprintf(tg->version, sizeof(tg->version), "%s", v);
}
#else
static void test_skew(struct ossl_offsets *off, const char *path) {}
static void test_version(struct tls_target *tg) {}
#endif

/* Remembers a candidate slot for try_next(). */
static void note_candidate(struct ossl_source *o, int slot, unsigned next,
			   const char *version)
{
	struct candidate *c = &o->cand[slot];

	c->on = true;
	c->next = next;
	snprintf(c->version, sizeof(c->version), "%s", version);
}

static void attach_new(struct ossl_source *o)
{
	struct ossl_offsets off;
	char origin[400];
	bool cand;
	int i, slot;

	for (i = 0; i < o->targets.n; i++) {
		struct tls_target *tg = &o->targets.t[i];

		if (!tg->is_new)
			continue;
		test_version(tg);
		if (offsets_for(tg, o->checked, &off, origin, sizeof(origin),
				&cand)) {
			log_warn("%s: OpenSSL %s: offsets %s: its TLS secrets are not captured",
				 tg->display, tg->version[0] ? tg->version : "?", origin);
			continue;
		}
		test_skew(&off, tg->display);
		slot = ossl_attach_file(o->ossl, tg->path, tg->display, &off, -1);
		if (slot == -ESRCH)
			log_warn("%s: OpenSSL %s: its functions cannot be found (no OpenSSL symbols, and the names its errors carry lead to none): its TLS secrets are not captured",
				 tg->display, tg->version[0] ? tg->version : "?");
		if (slot >= 0) {
			o->attached++;
			if (cand)
				note_candidate(o, slot, 1, tg->version);
			log_info("%s: OpenSSL %s, offsets %s", tg->display,
				 tg->version[0] ? tg->version : "(version not found)",
				 origin);
		}
	}
}

/* Slot's candidate profile was refuted (implausible snapshot, or keys
 * that do not open their records): the same file with the next one, or
 * one line saying that none fits. */
static void try_next(struct ossl_source *o, unsigned slot)
{
	const struct ossl_profile *c[OSSL_MAX_PROFILES];
	struct candidate was;
	size_t n;
	int next;

	if (slot >= OSSL_MAX_FILES || !o->cand[slot].on)
		return;
	was = o->cand[slot];
	o->cand[slot].on = false;
	n = ossl_profile_candidates(was.version, c, OSSL_MAX_PROFILES);
	for (; was.next < n; was.next++) {
		struct ossl_offsets off = c[was.next]->off;

		next = ossl_attach_file(o->ossl, ossl_file_path_opened(o->ossl, slot),
					ossl_file_path(o->ossl, slot), &off, -1);
		if (next < 0)
			break;
		note_candidate(o, next, was.next + 1, was.version);
		log_info("%s: OpenSSL %s, offsets candidate %u of %zu, to be confirmed by the key check (%s%s): %s",
			 ossl_file_path(o->ossl, slot),
			 was.version[0] ? was.version : "(version not found)",
			 was.next + 1, n, c[was.next]->version_prefix,
			 c[was.next]->verified ? "" : ", unverified", c[was.next]->origin);
		return;
	}
	log_warn("%s: OpenSSL %s: none of its %zu candidate offset profiles fits (each was refuted by what it read): its TLS secrets are not captured",
		 ossl_file_path(o->ossl, slot),
		 was.version[0] ? was.version : "(version not found)", n);
}

/* A program just started (the exec tracepoint, when no gate holds
 * execs): node and other programs with OpenSSL linked in are probed now,
 * not at the next scan. */
static void on_exec(void *ctx, uint32_t pid, uint64_t ino)
{
	struct ossl_source *o = ctx;

	if (targets_scan_pid(&o->targets, (pid_t)pid) > 0)
		attach_new(o);
	ossl_known(o->ossl, ino);
}

/* A program held at its exec (the gate): probed before it runs. */
static bool exec_file(void *state, const struct source_exec *x)
{
	struct ossl_source *o = state;
	int n;

	if (o->cfg->libssl)
		return true;
	n = targets_add_exec(&o->targets, x->path, x->name, (pid_t)x->pid);
	if (n > 0) {
		attach_new(o);
		targets_exec_done(&o->targets);
	}
	ossl_known(o->ossl, x->ino);
	return n >= 0;
}

static bool wants_execs(const void *state)
{
	const struct ossl_source *o = state;

	return !o->cfg->libssl;
}

static const struct target_kind *ahead_judge(const void *state)
{
	return wants_execs(state) ? &targets_openssl : NULL;
}

static void rescan(void *state, const pid_t *pids, size_t n, bool now)
{
	struct ossl_source *o = state;

	if (o->cfg->libssl)
		return; /* the user named the library: only that one */
	if (targets_rescan(&o->targets, pids, n) > 0)
		attach_new(o);
}

static int find_targets(struct ossl_source *o)
{
	int err;

	targets_init(&o->targets, TARGETS_PROC | TARGETS_DEFAULTS);
	if (o->cfg->libssl) {
		err = targets_add_path(&o->targets, o->cfg->libssl);
		if (err == -ENODATA && boringssl_judge(o->cfg->libssl, NULL, 0) == 0) {
			o->targets.flags = 0; /* BoringSSL's source takes it */
			return 0;
		}
		if (err < 0) {
			log_err("--libssl %s: %s", o->cfg->libssl,
				err == -ENODATA ? "no OpenSSL functions in it" : strerror(-err));
			return EXIT_USAGE;
		}
		o->targets.flags = 0; /* nothing else */
	}
	targets_scan(&o->targets);
	attach_new(o);
	if (!o->attached)
		log_warn("no OpenSSL library could be probed: no OpenSSL secrets will be captured");
	return 0;
}

static int start(void **state, const struct source_env *env)
{
	struct ossl_source *o = calloc(1, sizeof(*o));
	struct proc_want w = cli_want(env->cfg);
	int err;

	*state = o;
	if (!o)
		return EXIT_RUNTIME;
	o->cfg = env->cfg;
	o->sec = env->sec;
	o->origin_base = env->origin_base;
	o->checked = env->checked;
	err = ossl_open(&o->ossl, env->rings, on_snapshot,
			o->cfg->libssl ? NULL : on_exec, o, &w);
	err = exit_of_load(err, "the OpenSSL probes");
	if (!err && !o->checked)
		ossl_want_hellos(o->ossl, on_hello);
	return err ? err : find_targets(o);
}

static bool active(void *state, unsigned slot)
{
	struct ossl_source *o = state;

	return ossl_file_active(o->ossl, slot);
}

static const char *name_of(void *state, unsigned slot)
{
	struct ossl_source *o = state;

	return ossl_file_path(o->ossl, slot);
}

static void refute(void *state, unsigned slot)
{
	struct ossl_source *o = state;

	ossl_disable_file(o->ossl, slot);
	try_next(o, slot);
}

static void stop(void *state)
{
	struct ossl_source *o = state;
	uint64_t sent = 0, lost = 0;

	if (!o)
		return;
	if (o->ossl) {
		ossl_counts(o->ossl, &sent, &lost);
		log_debug("OpenSSL probes: %llu snapshots sent",
			  (unsigned long long)sent);
		if (lost)
			fprintf(stderr, "%llu TLS snapshots lost\n",
				(unsigned long long)lost);
	}
	ossl_close(o->ossl);
	targets_free(&o->targets);
	free(o);
}

static void print_target(const struct tls_target *t)
{
	struct ossl_offsets off;
	char origin[400];
	bool cand;

	/* as a capture with the key check (pcap mode) would pick them */
	offsets_for(t, true, &off, origin, sizeof(origin), &cand);
	printf("%s\n  OpenSSL %s%s\n  offsets: %s\n", t->display,
	       t->version[0] ? t->version : "(version not found)",
	       t->is_static ? " (linked into the executable)" : "", origin);
	targets_print_procs(t, stdout);
}

static int list(const struct config *cfg)
{
	struct tls_target_set set;
	int n;

	targets_init(&set, TARGETS_PROC | TARGETS_DEFAULTS);
	if (cfg->libssl && targets_add_path(&set, cfg->libssl) < 0)
		log_warn("--libssl %s: not an OpenSSL file", cfg->libssl);
	n = targets_list(&set, print_target, NULL);
	if (n < 0)
		log_err("cannot read /proc: %s", strerror(-n));
	return n < 0 ? EXIT_RUNTIME : EXIT_OK;
}

const struct key_source_ops openssl_source = {
	.name = "OpenSSL",
	.cmd = CMD_TLS,
	.start = start,
	.wants_execs = wants_execs,
	.exec = exec_file,
	.ahead_judge = ahead_judge,
	.rescan = rescan,
	.active = active,
	.name_of = name_of,
	.refute = refute,
	.stop = stop,
	.list = list,
};
