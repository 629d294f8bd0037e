// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.c - GnuTLS as a key source (sources/source.h): every libgnutls
 * mapped by a process (containers too), the system's default one, and
 * programs with GnuTLS linked in, each probed where locate.c finds its
 * key-log function; each secret GnuTLS derives reaches the run as one
 * key-log line. */
#include "sources/source.h"
#include "sources/gnutls/gnutls.h"
#include "sources/gnutls/locate.h"
#include "sources/gnutls/judge.h"
#include "binary/targets.h"
#include "crypto/keys.h"
#include "run/secrets.h"
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gnutls_source {
	const struct config *cfg;
	struct secrets *sec;
	int32_t origin_base;
	struct gnutls_probe *probe;
	struct tls_target_set targets;
	int attached;
	uint64_t foreign;  /* events of processes the filters exclude */
	uint64_t skipped;  /* labels no key log needs (EARLY_EXPORTER_SECRET) */
};

/* One event as a key-log line: 1, 0 when there is nothing to write (an
 * all-zero random or secret, a label Wireshark does not use), -EINVAL for
 * one GnuTLS does not write. */
static int line_of(const struct gnutls_event *e, struct keys_line *line)
{
	static const uint8_t zero[GNUTLS_SECRET_MAX];
	char label[GNUTLS_LABEL_MAX + 1] = "";
	int k;

	memcpy(label, e->label, GNUTLS_LABEL_MAX);
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
static void test_skew(struct keys_line *line)
{
	static bool said;
	const char *v = getenv("TLSDUMP_TEST_SKEW");
	int n = v ? atoi(v) : 0;

	if (n <= 0 || n > 255)
		return;
	if (!said)
		log_warn("TLSDUMP_TEST_SKEW=%d: every GnuTLS secret garbled (a test of the key check)",
			 n);
	said = true;
	for (unsigned i = 0; i < line->secret_len; i++)
		line->secret[i] ^= (uint8_t)n;
}
#else
static void test_skew(struct keys_line *line) {}
#endif

static int on_event(void *ctx, const struct gnutls_event *e)
{
	struct gnutls_source *g = ctx;
	char comm[sizeof(e->comm) + 1] = "";
	struct keys_set set = { .n = 1 };
	struct key_origin o = { e->pid, comm, 0x0303,
				g->origin_base + (int32_t)e->file };
	int n;

	if (!cli_wants(g->cfg, e->pid, e->uid, e->comm)) {
		g->foreign++;
		return 0;
	}
	if (!gnutls_probe_active(g->probe, e->file))
		return 0; /* queued before its file was refused */
	n = line_of(e, &set.line[0]);
	if (n < 0)
		return secrets_refused(g->sec, o.origin);
	if (n == 0) {
		g->skipped++;
		return 0;
	}
	if (set.line[0].label == KEYS_CLIENT_RANDOM &&
	    (secrets_known(g->sec, e->client_random) & 1u << KEYS_CLIENT_RANDOM))
		return 0; /* the handshake's copy of a line the key log gave */
	test_skew(&set.line[0]);
	memcpy(comm, e->comm, sizeof(e->comm));
	if (set.line[0].label != KEYS_CLIENT_RANDOM)
		o.version = 0x0304;
	return secrets_add(g->sec, &o, &set, e->ts_ns);
}

static void attach_new(struct gnutls_source *g)
{
	struct gnutls_layout l;
	char why[256];
	int slot;

	for (int i = 0; i < g->targets.n; i++) {
		struct tls_target *tg = &g->targets.t[i];

		if (!tg->is_new)
			continue;
		if (gnutls_locate(tg->path, &l, why, sizeof(why)) != 0) {
			log_warn("%s: GnuTLS %s: %s: its TLS secrets are not captured",
				 tg->display, tg->version[0] ? tg->version : "?", why);
			continue;
		}
		slot = gnutls_probe_attach(g->probe, tg->path, tg->display, &l);
		if (slot < 0) {
			log_warn("%s: cannot probe GnuTLS: %s", tg->display,
				 strerror(-slot));
			continue;
		}
		g->attached++;
		log_info("%s: GnuTLS %s, key-log function at 0x%llx (probe at file offset 0x%llx)%s",
			 tg->display, l.version[0] ? l.version : "?",
			 (unsigned long long)l.keylog_vaddr,
			 (unsigned long long)l.keylog_probe,
			 l.inlined ? "; inlined into its CLIENT_RANDOM caller: TLS 1.2 keys at gnutls_handshake's return" : "");
	}
}

/* A program just started: probe it now if GnuTLS is linked into it,
 * rather than at the next scan (its first handshake may come within 2 s).
 * Its shared libgnutls, if any, is not mapped yet: the scan finds that. */
static void on_exec(void *ctx, uint32_t pid, uint64_t ino)
{
	struct gnutls_source *g = ctx;

	if (g->cfg->gnutls)
		return;
	if (targets_scan_pid(&g->targets, (pid_t)pid) > 0)
		attach_new(g);
	gnutls_probe_known(g->probe, ino);
}

/* --gnutls PATH: that file only; it must be a GnuTLS we can probe. */
static int add_named(struct gnutls_source *g, const char *path)
{
	struct gnutls_layout l;
	char why[256];
	int err = gnutls_locate(path, &l, why, sizeof(why));

	if (err == -ENODATA || err == -ENOEXEC)
		snprintf(why, sizeof(why), "not a GnuTLS library or program");
	if (!err)
		err = targets_add_path(&g->targets, path);
	if (err < 0) {
		log_err("--gnutls %s: %s", path, err == -EPROTO || err == -ENODATA ||
			err == -ENOEXEC ? why : strerror(-err));
		return EXIT_USAGE;
	}
	g->targets.flags = 0; /* nothing else */
	return 0;
}

static int start(void **state, const struct source_env *env)
{
	struct gnutls_source *g = calloc(1, sizeof(*g));
	struct proc_want w = cli_want(env->cfg);
	int err;

	*state = g;
	if (!g)
		return EXIT_RUNTIME;
	g->cfg = env->cfg;
	g->sec = env->sec;
	g->origin_base = env->origin_base;
	targets_init_kind(&g->targets, TARGETS_PROC | TARGETS_DEFAULTS,
			  &gnutls_targets);
	if (g->cfg->gnutls) {
		err = add_named(g, g->cfg->gnutls);
		if (err)
			return err;
	}
	err = gnutls_probe_open(&g->probe, on_event, on_exec, g, &w);
	if (err)
		return exit_of_load(err, "the GnuTLS probes");
	targets_scan(&g->targets);
	attach_new(g);
	if (!g->attached && g->cfg->cmd == CMD_GNUTLS)
		log_warn("no GnuTLS library could be probed: no GnuTLS secrets will be captured");
	return 0;
}

static int consume(void *state)
{
	struct gnutls_source *g = state;

	return g->probe ? gnutls_probe_consume(g->probe) : 0;
}

static int fd(const void *state)
{
	const struct gnutls_source *g = state;

	return g->probe ? gnutls_probe_fd(g->probe) : -1;
}

static void rescan(void *state)
{
	struct gnutls_source *g = state;

	if (!g->cfg->gnutls && targets_scan(&g->targets) > 0)
		attach_new(g);
}

static bool active(void *state, unsigned slot)
{
	struct gnutls_source *g = state;

	return gnutls_probe_active(g->probe, slot);
}

static const char *name_of(void *state, unsigned slot)
{
	struct gnutls_source *g = state;

	return gnutls_probe_path(g->probe, slot);
}

static void refute(void *state, unsigned slot)
{
	struct gnutls_source *g = state;

	gnutls_probe_disable(g->probe, slot);
}

static void stop(void *state)
{
	struct gnutls_source *g = state;
	uint64_t c[GNUTLS_N_COUNTERS];

	if (!g)
		return;
	if (g->probe) {
		gnutls_probe_consume(g->probe);
		gnutls_probe_counters(g->probe, c);
		log_debug("GnuTLS probes: %llu secrets sent, %llu of processes the filters exclude, %llu not for a key log",
			  (unsigned long long)c[GNUTLS_SENT],
			  (unsigned long long)g->foreign,
			  (unsigned long long)g->skipped);
		if (c[GNUTLS_RING_FULL] || c[GNUTLS_READ_FAULTS] || c[GNUTLS_BAD_ARGS])
			fprintf(stderr, "%llu GnuTLS secrets lost, %llu unreadable\n",
				(unsigned long long)c[GNUTLS_RING_FULL],
				(unsigned long long)(c[GNUTLS_READ_FAULTS] +
						     c[GNUTLS_BAD_ARGS]));
	}
	gnutls_probe_close(g->probe);
	targets_free(&g->targets);
	free(g);
}

static void print_target(const struct tls_target *t)
{
	struct gnutls_layout l;
	char why[256];
	int err = gnutls_locate(t->path, &l, why, sizeof(why));

	printf("%s\n  GnuTLS %s%s\n", t->display,
	       t->version[0] ? t->version : "(version not found)",
	       t->is_static ? " (linked into the executable)" : "");
	if (err) {
		printf("  %s: not probed\n", why);
	} else {
		printf("  key-log function at 0x%llx (probe at file offset 0x%llx); session: key-log callback +0x%x, client_random +0x%x, master_secret +0x%x, version +0x%x\n",
		       (unsigned long long)l.keylog_vaddr,
		       (unsigned long long)l.keylog_probe, l.keylog_func,
		       l.client_random, l.master_secret, l.pversion);
		if (l.inlined)
			printf("  inlined at %u key-log call(s) (CLIENT_RANDOM): TLS 1.2 keys at gnutls_handshake's return\n",
			       l.inlined);
	}
	targets_print_procs(t, stdout);
}

static int list(const struct config *cfg)
{
	struct tls_target_set set;
	int n;

	targets_init_kind(&set, TARGETS_PROC | TARGETS_DEFAULTS, &gnutls_targets);
	if (cfg->gnutls && targets_add_path(&set, cfg->gnutls) < 0)
		log_warn("--gnutls %s: not a GnuTLS file", cfg->gnutls);
	n = targets_list(&set, print_target, "no GnuTLS found");
	if (n < 0)
		log_err("cannot read /proc: %s", strerror(-n));
	return n < 0 ? EXIT_RUNTIME : EXIT_OK;
}

const struct key_source_ops gnutls_source = {
	.name = "GnuTLS",
	.cmd = CMD_GNUTLS,
	.start = start,
	.consume = consume,
	.fd = fd,
	.rescan = rescan,
	.active = active,
	.name_of = name_of,
	.refute = refute,
	.stop = stop,
	.list = list,
};
