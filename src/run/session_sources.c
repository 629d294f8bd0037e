// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_sources.c - see session_sources.h. */
#include "run/session_sources.h"
#include "run/session_gate.h"
#include "run/session_ahead.h"
#include "sources/source.h"
#include "proc/dlhold.h"
#include "proc/dlwatch.h"
#include "binary/procsnap.h"
#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "ringset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run_sources {
	const struct config *cfg;
	struct ringset *rings;
	struct {
		const struct key_source_ops *ops;
		void *state;
	} src[RUN_SOURCES_MAX];
	unsigned n;
	struct session_gate *gate; /* execs held until they are probed */
	struct dlwatch *dl;        /* which processes a rescan looks at */
	uint64_t last_full_ns;     /* the last rescan of every process */
};

struct run_sources *run_sources_new(const struct config *cfg)
{
	struct run_sources *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->cfg = cfg;
	rs->rings = ringset_new();
	if (!rs->rings) {
		free(rs);
		errno = ENOMEM;
		return NULL;
	}
	return rs;
}

int run_sources_start(struct run_sources *rs, const struct key_source_ops *ops,
		      struct source_env *env, void **state)
{
	int rc;

	*state = NULL;
	if (rs->n == RUN_SOURCES_MAX)
		return EXIT_RUNTIME;
	env->rings = rs->rings;
	rs->src[rs->n].ops = ops;
	/* kept also when it fails: its stop frees what it made */
	rc = ops->start(&rs->src[rs->n].state, env);
	*state = rs->src[rs->n++].state;
	return rc;
}

/* A held exec: every source that wants exec news judges and probes its
 * file. */
static bool judge_exec(void *ctx, const struct source_exec *x)
{
	struct run_sources *rs = ctx;
	bool settled = true;

	for (unsigned i = 0; i < rs->n; i++)
		if (rs->src[i].state && rs->src[i].ops->exec &&
		    !rs->src[i].ops->exec(rs->src[i].state, x))
			settled = false;
	return settled;
}

/* The judges of the sources that want exec news, each once. */
static int ahead_judges(const struct run_sources *rs, struct ahead_judge *out,
			int max)
{
	int n = 0;

	for (unsigned i = 0; i < rs->n && n < max; i++) {
		const struct target_kind *j = rs->src[i].state &&
			rs->src[i].ops->ahead_judge ?
			rs->src[i].ops->ahead_judge(rs->src[i].state) : NULL;
		bool dup = false;

		for (int k = 0; k < n; k++)
			dup |= j && out[k].fn == j->judge;
		if (j && !dup)
			out[n++] = (struct ahead_judge){ j->judge, j->name };
	}
	return n;
}

static bool wants_execs(const struct run_sources *rs)
{
	for (unsigned i = 0; i < rs->n; i++)
		if (rs->src[i].state && rs->src[i].ops->wants_execs &&
		    rs->src[i].ops->wants_execs(rs->src[i].state))
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

/* Without the news every rescan reads all of /proc, as it must.  With
 * -- CMD, its processes are held at their execs and library loads. */
static void open_dlwatch(struct run_sources *rs)
{
	const struct config *c = rs->cfg;
	int tree = c->cmd_argv && !no_hold() ? c->tree_fd : -1;
	int err = dlwatch_open(&rs->dl, rs->rings, tree);

	if (err)
		log_debug("no news of library loads (%s): every rescan reads all of /proc",
			  strerror(-err));
	else
		dlwatch_find_linkers(rs->dl, NULL, 0);
	rs->last_full_ns = (uint64_t)clock_mono_ns(); /* the sources just did */
}

void run_sources_watch(struct run_sources *rs)
{
	struct ahead_judge judges[AHEAD_MAX_JUDGES];
	int n;

	open_dlwatch(rs);
	if (!wants_execs(rs))
		return;
	n = ahead_judges(rs, judges, AHEAD_MAX_JUDGES);
	session_gate_open(&rs->gate, rs->cfg, judge_exec, rs, judges, n);
}

/* CMD's processes the kernel stopped at an exec or a library load (the
 * drain just queued them): what they mapped is probed now (their linker
 * too, for their next loads), then they go on (proc/dlhold.h). */
static void serve_holds(struct run_sources *rs)
{
	struct dlhold *h = dlwatch_hold(rs->dl);
	const pid_t *pids;
	size_t n = dlhold_take(h, &pids);

	if (!n)
		return;
	hold_stall();
	for (size_t i = 0; i < n; i++)
		procsnap_forget("/proc", pids[i]); /* it changed just now */
	dlwatch_find_linkers(rs->dl, pids, n);
	for (unsigned i = 0; i < rs->n; i++)
		if (rs->src[i].state)
			rs->src[i].ops->rescan(rs->src[i].state, pids, n, true);
	dlhold_release(h);
}

int run_sources_consume(struct run_sources *rs)
{
	int rc;

	if (!rs)
		return 0;
	session_gate_serve(rs->gate); /* held programs first: they wait for us */
	for (unsigned i = 0; i < rs->n; i++)
		if (rs->src[i].state && rs->src[i].ops->serve)
			rs->src[i].ops->serve(rs->src[i].state);
	rc = ringset_consume(rs->rings);
	serve_holds(rs); /* held processes the drain named */
	return rc;
}

int run_sources_fds(const struct run_sources *rs, int *fds, int max)
{
	int n = 0, fd;

	if (!rs)
		return 0;
	fd = session_gate_fd(rs->gate);
	if (fd >= 0 && n < max)
		fds[n++] = fd;
	fd = ringset_fd(rs->rings);
	if (fd >= 0 && n < max)
		fds[n++] = fd;
	return n;
}

/* The processes a rescan looks at: those with news (none at all while
 * nothing starts or loads a library), or every one (NULL) each
 * DLWATCH_FULL_MS, after lost news, and without the news. */
static const pid_t *round_pids(struct run_sources *rs, size_t *n)
{
	uint64_t now = (uint64_t)clock_mono_ns();
	const pid_t *pids;
	bool lost;

	*n = 0;
	if (!rs->dl)
		return NULL;
	lost = dlwatch_take(rs->dl, &pids, n);
	if (lost || now - rs->last_full_ns >= DLWATCH_FULL_MS * 1000000ull) {
		rs->last_full_ns = now;
		*n = 0;
		return NULL;
	}
	return pids;
}

void run_sources_rescan(struct run_sources *rs)
{
	const pid_t *pids;
	size_t n;

	if (!rs)
		return;
	pids = round_pids(rs, &n);
	session_gate_rescan(rs->gate, pids, n);
	for (unsigned i = 0; i < rs->n; i++)
		if (rs->src[i].state)
			rs->src[i].ops->rescan(rs->src[i].state, pids, n, false);
	dlwatch_find_linkers(rs->dl, pids, n);
}

/* Nothing held while we stop: execs at the gate, CMD's processes at
 * their library loads. */
static void let_go(struct run_sources *rs)
{
	session_gate_close(rs->gate);
	rs->gate = NULL;
	if (rs->dl)
		log_debug("library news: %u dynamic linkers probed, %llu news lost",
			  dlwatch_linkers(rs->dl), dlwatch_lost(rs->dl));
	dlwatch_log_holds(rs->dl);
	dlwatch_close(rs->dl);
	rs->dl = NULL;
}

void run_sources_drain(struct run_sources *rs)
{
	if (!rs)
		return;
	let_go(rs);
	run_sources_consume(rs);
}

void run_sources_stop(struct run_sources *rs)
{
	if (!rs)
		return;
	let_go(rs);
	for (unsigned i = 0; i < rs->n; i++)
		if (rs->src[i].state) {
			rs->src[i].ops->stop(rs->src[i].state);
			rs->src[i].state = NULL;
		}
}

void run_sources_free(struct run_sources *rs)
{
	if (!rs)
		return;
	run_sources_stop(rs);
	ringset_free(rs->rings);
	free(rs);
}
