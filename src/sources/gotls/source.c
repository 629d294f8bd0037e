// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.c - Go as a key source (sources/source.h): find Go programs
 * (running ones, new ones as they exec, or the --elfpath files), probe
 * their writeKeyLog, hand each line Go writes to the run as data. */
#include "sources/source.h"
#include "crypto/keys.h"
#include "crypto/keylabel.h"
#include "exitcode.h"
#include "log.h"
#include "binary/goelf.h"
#include "binary/gopclntab.h"
#include "sources/gotls/gotls.h"
#include "binary/gotargets.h"
#include "run/secrets.h"
#include "binary/targets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct go_source {
	const struct config *cfg;
	struct secrets *sec;
	struct goprobe *probe;
	struct tls_target_set targets;
	int attached;
	uint64_t foreign; /* lines of processes the filters exclude */
};

/* One event as a key-log line, as Go wrote it (gotls.bpf.c): 1 with
 * *l, 0 when the random or the secret is all zero (nothing to write),
 * -EINVAL for a label we do not know or lengths out of range. */
static int line_of(const struct gotls_event *e, struct keys_line *l)
{
	static const uint8_t zero[KEYS_SECRET_MAX];
	char label[GOTLS_LABEL_MAX + 1];
	int lab = KEYS_CLIENT_RANDOM;

	memset(l, 0, sizeof(*l));
	if (e->label_len >= GOTLS_LABEL_MAX || !e->secret_len ||
	    e->secret_len > KEYS_SECRET_MAX)
		return -EINVAL;
	if (e->label_len) { /* else Go <= 1.11: CLIENT_RANDOM */
		memcpy(label, e->label, e->label_len);
		label[e->label_len] = '\0';
		lab = keys_label_parse(label);
		if (lab < 0)
			return -EINVAL;
	}
	if (!memcmp(e->client_random, zero, KEYS_RANDOM_LEN) ||
	    !memcmp(e->secret, zero, e->secret_len))
		return 0;
	l->label = (uint8_t)lab;
	l->secret_len = e->secret_len;
	memcpy(l->client_random, e->client_random, KEYS_RANDOM_LEN);
	memcpy(l->secret, e->secret, e->secret_len);
	return 1;
}

/* One key-log line of a Go program: a line that is not one Go writes is
 * counted as refused, not written.  Go's lines come from Go itself, not
 * from offsets of ours: no target is to blame (origin -1). */
static int add_line(struct go_source *g, const struct gotls_event *e)
{
	char comm[sizeof(e->comm) + 1] = "";
	struct keys_set set = { .n = 1 };
	struct key_origin o = { e->pid, comm, 0x0303, -1 };
	int n = line_of(e, &set.line[0]);

	if (n < 0)
		return secrets_refused(g->sec, -1);
	if (n == 0)
		return 0; /* all-zero secret or random */
	memcpy(comm, e->comm, sizeof(e->comm));
	if (set.line[0].label != KEYS_CLIENT_RANDOM)
		o.version = 0x0304;
	return secrets_add(g->sec, &o, &set, e->ts_ns);
}

static int on_line(void *ctx, const struct gotls_event *e)
{
	struct go_source *g = ctx;

	if (!cli_wants(g->cfg, e->pid, e->uid, e->comm)) {
		g->foreign++;
		return 0;
	}
	return add_line(g, e);
}

static void attach_new(struct go_source *g)
{
	struct goelf_info gi;
	char why[256];
	int err;

	for (int i = g->targets.n - 1; i >= 0; i--) {
		struct tls_target *tg = &g->targets.t[i];

		if (!tg->is_new)
			continue;
		err = goelf_inspect_path(tg->path, &gi, why, sizeof(why));
		if (!err)
			err = goprobe_attach(g->probe, tg->path, &gi, -1);
		if ((err == -ENOENT || err == -ESRCH) && !g->cfg->n_elfpaths) {
			/* its process (our way in) ended: find it again
			 * (a file named with --elfpath: say why below) */
			targets_forget(&g->targets, i);
			continue;
		}
		if (err) {
			log_warn("%s: cannot probe Go's key-log function: %s",
				 tg->display, err == -EPROTO ? why : strerror(-err));
			continue;
		}
		g->attached++;
		log_info("%s: Go %s, %s ABI, writeKeyLog at 0x%llx (probe at 0x%llx)",
			 tg->display, tg->version, goprologue_abi_name(gi.abi),
			 (unsigned long long)gi.func_vaddr,
			 (unsigned long long)gi.probe_vaddr);
	}
}

/* A program just started: probe it now if it is a new Go binary, rather
 * than at the next scan (it may be a client done in less than 2 s). */
static void on_exec(void *ctx, uint32_t pid, uint64_t ino)
{
	struct go_source *g = ctx;

	if (g->cfg->n_elfpaths)
		return;
	if (targets_scan_pid(&g->targets, (pid_t)pid) > 0)
		attach_new(g);
	goprobe_known(g->probe, ino);
}

/* A program held at its exec (the gate): probed before it runs. */
static bool exec_file(void *state, const struct source_exec *x)
{
	struct go_source *g = state;
	int n;

	if (g->cfg->n_elfpaths)
		return true;
	n = targets_add_exec(&g->targets, x->path, x->name, (pid_t)x->pid);
	if (n > 0) {
		attach_new(g);
		targets_exec_done(&g->targets);
	}
	goprobe_known(g->probe, x->ino); /* no tracepoint news of it */
	return n >= 0;
}

static bool wants_execs(const void *state)
{
	const struct go_source *g = state;

	return !g->cfg->n_elfpaths;
}

static const struct target_kind *ahead_judge(const void *state)
{
	return wants_execs(state) ? &gotargets_kind : NULL;
}

/* --elfpath files: each must be a Go program with crypto/tls. */
static int add_elfpaths(struct go_source *g)
{
	struct goelf_info gi;
	char why[256];

	for (int i = 0; i < g->cfg->n_elfpaths; i++) {
		const char *p = g->cfg->elfpaths[i];

		if (goelf_inspect_path(p, &gi, why, sizeof(why)) != 0) {
			log_err("--elfpath %s: %s", p, why);
			return EXIT_USAGE;
		}
		if (targets_add_path(&g->targets, p) < 0) {
			log_err("--elfpath %s: cannot use it", p);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int start(void **state, const struct source_env *env)
{
	struct go_source *g = calloc(1, sizeof(*g));
	const struct config *cfg = env->cfg;
	struct proc_want w;
	int err;

	*state = g;
	if (!g)
		return EXIT_RUNTIME;
	g->cfg = cfg;
	g->sec = env->sec;
	gotargets_init(&g->targets, cfg->n_elfpaths > 0);
	err = add_elfpaths(g);
	if (err)
		return err;
	w = cli_want(cfg);
	err = goprobe_open(&g->probe, env->rings, on_line, cfg->n_elfpaths ? NULL : on_exec, g,
			   &w);
	if (err)
		return exit_of_load(err, "the Go TLS probe");
	targets_scan(&g->targets);
	attach_new(g);
	if (cfg->n_elfpaths && !g->attached)
		return EXIT_RUNTIME;
	return 0;
}

static void rescan(void *state, const pid_t *pids, size_t n, bool now)
{
	struct go_source *g = state;

	if (!g->cfg->n_elfpaths && targets_rescan(&g->targets, pids, n) > 0)
		attach_new(g);
}

static void stop(void *state)
{
	struct go_source *g = state;
	uint64_t c[GOTLS_N_COUNTERS];

	if (!g)
		return;
	if (g->probe) {
		goprobe_counters(g->probe, c);
		log_debug("Go key-log probe: %llu lines read, %llu passes through the stack check skipped (morestack), %llu lines of processes the filters exclude",
			 (unsigned long long)c[GOTLS_SENT],
			 (unsigned long long)c[GOTLS_GROWS],
			 (unsigned long long)g->foreign);
		if (c[GOTLS_RING_FULL] || c[GOTLS_BAD_ARGS])
			fprintf(stderr, "%llu Go key lines lost, %llu unreadable\n",
				(unsigned long long)c[GOTLS_RING_FULL],
				(unsigned long long)c[GOTLS_BAD_ARGS]);
	}
	goprobe_close(g->probe);
	targets_free(&g->targets);
	free(g);
}

static void print_target(const struct tls_target *t)
{
	struct goelf_info gi;
	char why[256];
	printf("%s\n", t->display);
	if (goelf_inspect_path(t->path, &gi, why, sizeof(why)) != 0) {
		printf("  %s\n", why);
		return;
	}
	printf("  Go %s (pclntab %s), %s ABI%s\n  writeKeyLog at 0x%llx, probe at 0x%llx (file offset 0x%llx)\n",
	       gi.version[0] ? gi.version : "version unknown (no buildinfo)",
	       gopcln_version_name(gi.pcln_magic), goprologue_abi_name(gi.abi),
	       gi.pie ? ", PIE" : "", (unsigned long long)gi.func_vaddr,
	       (unsigned long long)gi.probe_vaddr,
	       (unsigned long long)gi.probe_offset);
	targets_print_procs(t, stdout);
}

static int list(const struct config *cfg)
{
	struct tls_target_set set;
	int n;

	gotargets_init(&set, false); /* running ones, and the named ones */
	for (int i = 0; i < cfg->n_elfpaths; i++)
		if (targets_add_path(&set, cfg->elfpaths[i]) < 0)
			log_warn("--elfpath %s: not a Go program with crypto/tls",
				 cfg->elfpaths[i]);
	n = targets_list(&set, print_target, "no Go program with crypto/tls found");
	if (n < 0)
		log_err("cannot read /proc: %s", strerror(-n));
	return n < 0 ? EXIT_RUNTIME : EXIT_OK;
}

/* Go's lines are its own: nothing of ours to be wrong, no origin. */
static bool active(void *state, unsigned slot) { return true; }
static const char *name_of(void *state, unsigned slot) { return "Go"; }
static void refute(void *state, unsigned slot) {}

const struct key_source_ops gotls_source = {
	.name = "Go",
	.cmd = CMD_GOTLS,
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
