// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.c - NSS as a key source (sources/source.h): Firefox,
 * Thunderbird, the NSS tools and every program linking libssl3, whether
 * or not its NSS was built to write a key log.  Every libssl3 and every
 * freebl mapped by a process (containers too), the system's copies and
 * Firefox's and Thunderbird's own are probed (attach.c); each secret
 * reaches the run as one key-log line.  Origins are libssl3 slots. */
#include "sources/source.h"
#include "sources/nss/nss.h"
#include "sources/nss/source_int.h"
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

/* One event as a key-log line: 1, or 0 when there is nothing to write
 * (an all-zero random or secret, a label no decoder uses: ECH_SECRET,
 * EARLY_EXPORTER_SECRET), -EINVAL for a size no such secret has. */
static int line_of(const struct nss_event *e, struct keys_line *line)
{
	static const uint8_t zero[NSS_SECRET_MAX];
	char label[NSS_LABEL_MAX + 1] = "";
	int k;

	memcpy(label, e->label, NSS_LABEL_MAX);
	k = keys_label_parse(label);
	if (k < 0)
		return 0;
	if ((e->secret_len != 32 && e->secret_len != 48) ||
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
 * tests/e2e/test_nss.sh): TLSDUMP_TEST_SKEW=N garbles every secret (each
 * byte XOR N): plausible, non-zero and wrong.  Said once, loudly. */
static void test_skew(struct keys_line *line)
{
	static bool said;
	const char *v = getenv("TLSDUMP_TEST_SKEW");
	int n = v ? atoi(v) : 0;

	if (n <= 0 || n > 255)
		return;
	if (!said)
		log_warn("TLSDUMP_TEST_SKEW=%d: every NSS secret garbled (a test of the key check)",
			 n);
	said = true;
	for (unsigned i = 0; i < line->secret_len; i++)
		line->secret[i] ^= (uint8_t)n;
}
#else
static void test_skew(struct keys_line *line) {}
#endif

static int on_event(void *ctx, const struct nss_event *e)
{
	struct nss_source *g = ctx;
	char comm[sizeof(e->comm) + 1] = "";
	struct keys_set set = { .n = 1 };
	struct key_origin o = { e->pid, comm, 0x0303,
				g->origin_base + (int32_t)e->file };
	int n;

	if (!cli_wants(g->cfg, e->pid, e->uid, e->comm)) {
		g->foreign++;
		return 0;
	}
	if (!nss_probe_active(g->probe, e->file))
		return 0; /* queued before its file was refused */
	n = line_of(e, &set.line[0]);
	if (n < 0)
		return secrets_refused(g->sec, o.origin);
	if (n == 0) {
		g->skipped++;
		return 0;
	}
	test_skew(&set.line[0]);
	memcpy(comm, e->comm, sizeof(e->comm));
	if (set.line[0].label != KEYS_CLIENT_RANDOM)
		o.version = 0x0304;
	return secrets_add(g->sec, &o, &set, e->ts_ns);
}

static int start(void **state, const struct source_env *env)
{
	struct nss_source *g = calloc(1, sizeof(*g));
	struct proc_want w = cli_want(env->cfg);
	int err;

	*state = g;
	if (!g)
		return EXIT_RUNTIME;
	g->cfg = env->cfg;
	g->sec = env->sec;
	g->origin_base = env->origin_base;
	targets_init_kind(&g->ssl, TARGETS_MAPS | TARGETS_DEFAULTS,
			  &nss_ssl_targets);
	targets_init_kind(&g->freebl, TARGETS_MAPS | TARGETS_DEFAULTS,
			  &nss_freebl_targets);
	if (g->cfg->nss) {
		err = nss_add_named(g, g->cfg->nss);
		if (err)
			return err;
	}
	err = nss_probe_open(&g->probe, env->rings, on_event, g, &w);
	if (err)
		return exit_of_load(err, "the NSS probes");
	targets_scan(&g->freebl);
	targets_scan(&g->ssl);
	nss_attach_new(g);
	if ((!g->attached_ssl || !g->attached_freebl) && g->cfg->cmd == CMD_NSS)
		log_warn("no NSS %s could be probed: no NSS secrets will be captured",
			 g->attached_ssl ? "freebl" : "libssl3");
	return 0;
}

static void rescan(void *state, const pid_t *pids, size_t n, bool now)
{
	nss_rescan(state, pids, n);
}

static bool active(void *state, unsigned slot)
{
	struct nss_source *g = state;

	return nss_probe_active(g->probe, slot);
}

static const char *name_of(void *state, unsigned slot)
{
	struct nss_source *g = state;

	return nss_probe_path(g->probe, slot);
}

static void refute(void *state, unsigned slot)
{
	struct nss_source *g = state;

	nss_probe_disable(g->probe, slot);
}

static void stop(void *state)
{
	struct nss_source *g = state;
	uint64_t c[NSS_N_COUNTERS];

	if (!g)
		return;
	if (g->probe) {
		nss_probe_counters(g->probe, c);
		log_debug("NSS probes: %llu secrets sent, %llu key-log calls without bytes from freebl, %llu HMAC outputs and PRF secrets kept, %llu HMACs destroyed unfinished, %llu of processes the filters exclude, %llu not for a key log",
			  (unsigned long long)c[NSS_SENT],
			  (unsigned long long)c[NSS_NO_SECRET],
			  (unsigned long long)c[NSS_KEPT],
			  (unsigned long long)c[NSS_UNFINISHED],
			  (unsigned long long)g->foreign,
			  (unsigned long long)g->skipped);
		if (c[NSS_RING_FULL] || c[NSS_READ_FAULTS])
			fprintf(stderr, "%llu NSS secrets lost, %llu unreadable\n",
				(unsigned long long)c[NSS_RING_FULL],
				(unsigned long long)c[NSS_READ_FAULTS]);
	}
	nss_probe_close(g->probe);
	targets_free(&g->ssl);
	targets_free(&g->freebl);
	free(g);
}

static int list(const struct config *cfg)
{
	return nss_list(cfg);
}

const struct key_source_ops nss_source = {
	.name = "NSS",
	.cmd = CMD_NSS,
	.start = start,
	.rescan = rescan,
	.active = active,
	.name_of = name_of,
	.refute = refute,
	.stop = stop,
	.list = list,
};
