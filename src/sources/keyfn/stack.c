// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* stack.c - see stack.h: a TLS stack probed at its key-log function as a
 * key source.  Every file of the stack's kind (mapped by a process,
 * containers too, the system's default copy, or the one the user named)
 * is probed where the stack's locate() says; each secret reaches the run
 * as one key-log line. */
#include "sources/keyfn/stack.h"
#include "sources/keyfn/locator.h"
#include "binary/targets.h"
#include "crypto/keys.h"
#include "crypto/keylabel.h"
#include "run/secrets.h"
#include "proc/want.h"
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct keyfn_source {
	const struct keyfn_stack *st;
	const struct config *cfg;
	struct secrets *sec;
	int32_t origin_base;
	struct keyfn_probe *probe;
	struct locator *loc;   /* locate() off the loop, once per build */
	struct tls_target_set targets;
	bool named_only;   /* the user named one file: no rescans */
	int attached;
	uint64_t foreign;  /* events of processes the filters exclude */
	uint64_t skipped;  /* labels no key log needs (EARLY_EXPORTER_SECRET) */
};

/* One event as a key-log line: 1, 0 when there is nothing to write (an
 * all-zero random or secret, a label Wireshark does not use), -EINVAL for
 * one no stack writes. */
static int line_of(const struct keyfn_event *e, struct keys_line *line)
{
	static const uint8_t zero[KEYFN_SECRET_MAX];
	char label[KEYFN_LABEL_MAX + 1] = "";
	int k;

	memcpy(label, e->label, KEYFN_LABEL_MAX);
	if (!strcmp(label, "EARLY_EXPORTER_SECRET"))
		return 0;
	k = keys_label_parse(label);
	if (k < 0 || (e->secret_len != 32 && e->secret_len != 48) ||
	    (k == KEYS_CLIENT_RANDOM && e->secret_len != 48))
		return -EINVAL;
	if (!memcmp(e->client_random, zero, 32) ||
	    !memcmp(e->secret, zero, e->secret_len))
		return 0;
	line->label = (uint8_t)k;
	line->secret_len = e->secret_len;
	memcpy(line->client_random, e->client_random, 32);
	memcpy(line->secret, e->secret, e->secret_len);
	return 1;
}

#ifdef TLSDUMP_TEST_HOOKS
/* Test hook, only in the test build (build/tlsdump-test;
 * tests/e2e/test_gnutls.sh): TLSDUMP_TEST_SKEW=N garbles every secret
 * (each byte XOR N), as a build whose layout moved would give: plausible,
 * non-zero and wrong.  Said once, loudly. */
static void test_skew(const char *name, struct keys_line *line)
{
	static bool said;
	const char *v = getenv("TLSDUMP_TEST_SKEW");
	int n = v ? atoi(v) : 0;

	if (n <= 0 || n > 255)
		return;
	if (!said)
		log_warn("TLSDUMP_TEST_SKEW=%d: every %s secret garbled (a test of the key check)",
			 n, name);
	said = true;
	for (unsigned i = 0; i < line->secret_len; i++)
		line->secret[i] ^= (uint8_t)n;
}
#else
static void test_skew(const char *name, struct keys_line *line) {}
#endif

static int on_event(void *ctx, const struct keyfn_event *e)
{
	struct keyfn_source *g = ctx;
	char comm[sizeof(e->comm) + 1] = "";
	struct keys_set set = { .n = 1 };
	struct key_origin o = { e->pid, comm, 0x0303,
				g->origin_base + (int32_t)e->file };
	int n;

	if (!cli_wants(g->cfg, e->pid, e->uid, e->comm)) {
		g->foreign++;
		return 0;
	}
	if (!keyfn_probe_active(g->probe, e->file))
		return 0; /* queued before its file was refused */
	keyfn_probe_learn(g->probe, e);
	n = line_of(e, &set.line[0]);
	if (n < 0)
		return secrets_refused(g->sec, o.origin);
	if (n == 0) {
		g->skipped++;
		return 0;
	}
	if (e->site != KEYFN_SITE_KEYLOG &&
	    (secrets_known(g->sec, e->client_random) & 1u << set.line[0].label))
		return 0; /* the handshake's copy of a line the key log gave */
	test_skew(g->st->name, &set.line[0]);
	memcpy(comm, e->comm, sizeof(e->comm));
	if (set.line[0].label != KEYS_CLIENT_RANDOM)
		o.version = 0x0304;
	return secrets_add(g->sec, &o, &set, e->ts_ns);
}

/* Probe target tg where its locate() said (err, l, why). */
static void attach_located(struct keyfn_source *g, const struct tls_target *tg,
			   int err, const struct keyfn_layout *l, const char *why)
{
	const char *name = g->st->name;
	int slot;

	if (err) {
		log_warn("%s: %s%s%s: %s: its TLS secrets are not captured",
			 tg->display, name, tg->version[0] ? " " : "",
			 tg->version, why);
		return;
	}
	slot = keyfn_probe_attach(g->probe, tg->path, tg->display, l);
	if (slot < 0) {
		log_warn("%s: cannot probe %s: %s", tg->display, name,
			 strerror(-slot));
		return;
	}
	g->attached++;
	log_info("%s: %s%s%s, key-log function at 0x%llx (probe at file offset 0x%llx)%s%s",
		 tg->display, name, l->version[0] ? " " : "", l->version,
		 (unsigned long long)l->fn_vaddr, (unsigned long long)l->fn_probe,
		 l->note[0] ? "; " : "", l->note);
}

/* The targets new since the last scan: located now (start-up: probed
 * before the capture says it started), or by the locator's worker. */
static void attach_new(struct keyfn_source *g, bool now)
{
	struct keyfn_layout l;
	char why[256];

	for (int i = 0; i < g->targets.n; i++) {
		struct tls_target *tg = &g->targets.t[i];
		int err;

		if (!tg->is_new)
			continue;
		if (!now && locator_submit(g->loc, i, tg->path) == 0)
			continue;
		err = locator_run(g->loc, tg->path, &l, why, sizeof(why));
		attach_located(g, tg, err, &l, why);
	}
}

/* What the worker located since the last call. */
static void attach_done(struct keyfn_source *g)
{
	struct locator_result r;

	while (locator_take(g->loc, &r) == 1)
		if (r.idx >= 0 && r.idx < g->targets.n)
			attach_located(g, &g->targets.t[r.idx], r.err, &r.l, r.why);
}

/* A program just started: probe it now if it has the stack in it, rather
 * than at the next scan (its first handshake may come within 2 s). */
static void on_exec(void *ctx, uint32_t pid, uint64_t ino)
{
	struct keyfn_source *g = ctx;

	if (g->named_only)
		return;
	if (targets_scan_pid(&g->targets, (pid_t)pid) > 0)
		attach_new(g, false);
	keyfn_probe_known(g->probe, ino);
}

/* A program held at its exec (the gate): located and probed now, on the
 * loop, before it runs (a copy of a build located before is one cache
 * look-up away, locator.h). */
bool keyfn_source_exec(void *state, const struct source_exec *x)
{
	struct keyfn_source *g = state;
	int n;

	if (g->named_only)
		return true;
	n = targets_add_exec(&g->targets, x->path, x->name, (pid_t)x->pid);
	if (n > 0) {
		attach_new(g, true);
		targets_exec_done(&g->targets);
	}
	keyfn_probe_known(g->probe, x->ino);
	return n >= 0;
}

bool keyfn_source_wants_execs(const void *state)
{
	const struct keyfn_source *g = state;

	return !g->named_only;
}

const struct target_kind *keyfn_source_ahead_judge(const void *state)
{
	const struct keyfn_source *g = state;

	return g->named_only ? NULL : g->st->kind;
}

static bool not_ours(int err)
{
	return err == -ENODATA || err == -ENOEXEC;
}

/* The file the user named: that file only; it must be one we can probe
 * (with a shared option, a file of another stack is simply not ours). */
static int add_named(struct keyfn_source *g, const char *path)
{
	const struct keyfn_stack *st = g->st;
	struct keyfn_layout l;
	char why[256];
	int err = st->locate(path, &l, why, sizeof(why));

	g->named_only = true;
	g->targets.flags = 0; /* nothing else */
	if (st->option_shared && not_ours(err))
		return 0;
	if (not_ours(err))
		snprintf(why, sizeof(why), "not a %s library or program", st->name);
	if (!err)
		err = targets_add_path(&g->targets, path);
	if (err < 0) {
		log_err("%s %s: %s", st->option, path,
			err == -EPROTO || not_ours(err) ? why : strerror(-err));
		return EXIT_USAGE;
	}
	return 0;
}

int keyfn_source_start(void **state, const struct source_env *env,
		       const struct keyfn_stack *st)
{
	struct keyfn_source *g = calloc(1, sizeof(*g));
	struct proc_want w = cli_want(env->cfg);
	const char *named = st->named(env->cfg);
	int err;

	*state = g;
	if (!g)
		return EXIT_RUNTIME;
	g->st = st;
	g->cfg = env->cfg;
	g->sec = env->sec;
	g->origin_base = env->origin_base;
	targets_init_kind(&g->targets, TARGETS_PROC | TARGETS_DEFAULTS, st->kind);
	if (named) {
		err = add_named(g, named);
		if (err)
			return err;
	}
	err = locator_new(&g->loc, st->locate);
	if (err)
		return EXIT_RUNTIME;
	err = keyfn_probe_open(&g->probe, env->rings, on_event, g->named_only ? NULL : on_exec,
			       g, &w);
	if (err) {
		char what[64];

		snprintf(what, sizeof(what), "the %s probes", st->name);
		return exit_of_load(err, what);
	}
	targets_scan(&g->targets);
	attach_new(g, true);
	if (!g->attached && st->warn_none && g->cfg->cmd == st->cmd)
		log_warn("no %s library could be probed: no %s secrets will be captured",
			 st->name, st->name);
	return 0;
}

void keyfn_source_serve(void *state)
{
	struct keyfn_source *g = state;

	if (g->probe)
		attach_done(g);
}

void keyfn_source_rescan(void *state, const pid_t *pids, size_t n, bool now)
{
	struct keyfn_source *g = state;

	if (!g->named_only && targets_rescan(&g->targets, pids, n) > 0)
		attach_new(g, now);
}

bool keyfn_source_active(void *state, unsigned slot)
{
	struct keyfn_source *g = state;

	return keyfn_probe_active(g->probe, slot);
}

const char *keyfn_source_name_of(void *state, unsigned slot)
{
	struct keyfn_source *g = state;

	return keyfn_probe_path(g->probe, slot);
}

void keyfn_source_refute(void *state, unsigned slot)
{
	struct keyfn_source *g = state;

	keyfn_probe_disable(g->probe, slot);
}

void keyfn_source_stop(void *state)
{
	struct keyfn_source *g = state;
	uint64_t c[KEYFN_N_COUNTERS];

	if (!g)
		return;
	if (g->probe) {
		keyfn_probe_counters(g->probe, c);
		log_debug("%s probes: %llu secrets sent, %llu of processes the filters exclude, %llu not for a key log",
			  g->st->name, (unsigned long long)c[KEYFN_SENT],
			  (unsigned long long)g->foreign,
			  (unsigned long long)g->skipped);
		if (c[KEYFN_RING_FULL] || c[KEYFN_READ_FAULTS] || c[KEYFN_BAD_ARGS])
			fprintf(stderr, "%llu %s secrets lost, %llu unreadable\n",
				(unsigned long long)c[KEYFN_RING_FULL], g->st->name,
				(unsigned long long)(c[KEYFN_READ_FAULTS] +
						     c[KEYFN_BAD_ARGS]));
	}
	if (g->loc && locator_pending(g->loc))
		log_debug("%s: %d files were still being located at the end",
			  g->st->name, locator_pending(g->loc));
	locator_free(g->loc);
	keyfn_probe_close(g->probe);
	targets_free(&g->targets);
	free(g);
}

static const struct keyfn_stack *listing; /* targets_list's print has no ctx */

static void print_target(const struct tls_target *t)
{
	const struct keyfn_stack *st = listing;
	struct keyfn_layout l;
	char why[256];

	printf("%s\n  %s %s%s\n", t->display, st->name,
	       t->version[0] ? t->version : "(version not found)",
	       t->is_static ? " (linked into the executable)" : "");
	if (st->locate(t->path, &l, why, sizeof(why)) == 0) {
		printf("  key-log function at 0x%llx (probe at file offset 0x%llx); %s\n",
		       (unsigned long long)l.fn_vaddr,
		       (unsigned long long)l.fn_probe, l.detail);
		if (l.note[0])
			printf("  %s\n", l.note);
	} else {
		printf("  %s: not probed\n", why);
	}
	targets_print_procs(t, stdout);
}

int keyfn_source_list(const struct config *cfg, const struct keyfn_stack *st)
{
	const char *named = st->named(cfg);
	struct tls_target_set set;
	char none[64];
	int n;

	targets_init_kind(&set, TARGETS_PROC | TARGETS_DEFAULTS, st->kind);
	if (named && targets_add_path(&set, named) < 0 && !st->option_shared)
		log_warn("%s %s: not a %s file", st->option, named, st->name);
	snprintf(none, sizeof(none), "no %s found", st->name);
	listing = st;
	n = targets_list(&set, print_target, st->option_shared ? NULL : none);
	if (n < 0)
		log_err("cannot read /proc: %s", strerror(-n));
	return n < 0 ? EXIT_RUNTIME : EXIT_OK;
}
