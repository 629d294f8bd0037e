// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_gate.c - see session_gate.h. */
#include "run/session_gate.h"
#include "proc/execgate.h"
#include "run/session_ahead.h"
#include "sources/source.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AHEAD_BUDGET_NS 3000000  /* of each loop pass (every 10 ms) */

struct session_gate {
	struct execgate *gate;
	session_gate_fn fn;
	void *ctx;
	struct ahead *ahead;   /* programs on PATH judged off the loop */
};

#ifdef TLSDUMP_TEST_HOOKS
/* Test hook, only in the test build (tests/e2e/test_execgate.sh):
 * TLSDUMP_TEST_GATE_STALL_MS=N makes the loop take N ms more over a held
 * exec of a file whose name holds "gate-stall", as a huge cold file or a
 * stuck loop would: the exec must be let go after EXECGATE_HOLD_MAX_MS
 * all the same. */
static void test_stall(const char *name)
{
	const char *v = getenv("TLSDUMP_TEST_GATE_STALL_MS");
	int ms = v ? atoi(v) : 0;

	if (ms > 0 && ms <= 10000 && strstr(name, "gate-stall"))
		usleep((useconds_t)ms * 1000);
}
#else
static void test_stall(const char *name) {}
#endif

/* Test hook, only in the test build: TLSDUMP_TEST_NO_AHEAD=1 judges no
 * program ahead, so that a test sees what the gate alone does. */
static bool no_ahead(void)
{
#ifdef TLSDUMP_TEST_HOOKS
	const char *v = getenv("TLSDUMP_TEST_NO_AHEAD");

	return v && *v == '1';
#else
	return false;
#endif
}

void session_gate_open(struct session_gate **out, const struct config *cfg,
		       session_gate_fn fn, void *ctx,
		       const struct ahead_judge *judges, int n_judges)
{
	struct session_gate *g;
	struct execgate_stats st;
	int err;

	*out = NULL;
	if (cfg->no_exec_gate) {
		log_info("--no-exec-gate: programs that start later are probed when the exec tracepoint reports them, at the latest by the 2 s scan");
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return;
	err = execgate_open(&g->gate);
	if (err) {
		log_info("no exec gate (fanotify exec permission events: %s): programs that start later are probed when the exec tracepoint reports them, at the latest by the 2 s scan",
			 strerror(-err));
		free(g);
		return;
	}
	g->fn = fn;
	g->ctx = ctx;
	execgate_get_stats(g->gate, &st);
	log_info("exec gate: every exec from %d filesystems waits until the new program is probed",
		 st.filesystems);
	err = n_judges > 0 && !no_ahead() ? ahead_start(&g->ahead, judges, n_judges) : 0;
	if (err) /* nothing judged ahead: each at its first exec */
		log_debug("exec gate: programs on PATH not judged ahead: %s",
			  strerror(-err));
	*out = g;
}


int session_gate_fd(const struct session_gate *g)
{
	return g ? execgate_fd(g->gate) : -1;
}

static void serve_held(struct session_gate *g)
{
	const struct execgate_exec *x;

	while (execgate_take(g->gate, &x) == 1) {
		struct source_exec se = { x->path, x->name, (uint32_t)x->pid,
					  (uint64_t)x->dev, (uint64_t)x->ino };
		int64_t t0 = clock_mono_ns();
		bool settled;

		test_stall(x->name);
		settled = g->fn(g->ctx, &se);
		log_debug("exec gate: pid %u: %s judged in %lld us%s", se.pid,
			  x->name[0] ? x->name : x->path,
			  (long long)(clock_mono_ns() - t0) / 1000,
			  settled ? "" : " (to be judged again)");
		execgate_done(g->gate, x, settled);
	}
}

/* A program on PATH judged off the loop: settled (the kernel lets its
 * execs through unasked) when no judge wants it.  One a judge wants is
 * left to its first exec, which the gate holds while it is probed:
 * probing every TLS program on PATH ahead made tlsdump's exit seconds
 * long (each uprobe's detach costs milliseconds), for programs that may
 * never run. */
static void use_verdict(struct session_gate *g, const struct ahead_verdict *v)
{
	int fd = open(v->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_dev != v->dev ||
	    (uint64_t)st.st_ino != v->ino || st.st_mtim.tv_sec != v->mtime_sec ||
	    st.st_mtim.tv_nsec != v->mtime_nsec || execgate_judged(g->gate, fd)) {
		close(fd);
		return;
	}
	if (!v->wanted)
		execgate_settle(g->gate, fd);
	close(fd);
}

/* The verdicts ready, within this pass's budget; a held exec goes
 * first. */
static void serve_ahead(struct session_gate *g)
{
	int64_t t0 = clock_mono_ns();
	struct ahead_verdict v;
	int r = 0, judged, wanted, cached;
	long ms;

	while (g->ahead && clock_mono_ns() - t0 < AHEAD_BUDGET_NS &&
	       (r = ahead_take(g->ahead, &v)) == 1) {
		use_verdict(g, &v);
		serve_held(g);
	}
	if (r != -1)
		return;
	ahead_counts(g->ahead, &judged, &wanted, &cached, &ms);
	log_debug("exec gate: %d programs on PATH judged ahead of their first exec in %ld ms (%d from the verdict cache), %d of them to probe at their exec",
		  judged, ms, cached, wanted);
	ahead_stop(g->ahead);
	g->ahead = NULL;
}

void session_gate_serve(struct session_gate *g)
{
	if (!g)
		return;
	serve_held(g);
	serve_ahead(g);
}

void session_gate_rescan(struct session_gate *g, const pid_t *pids, size_t np)
{
	int n = g ? execgate_rescan(g->gate, pids, np) : 0;

	if (n > 0)
		log_info("exec gate: %d more filesystems held (mounted or a container started since)",
			 n);
}

void session_gate_close(struct session_gate *g)
{
	struct execgate_stats st;

	if (!g)
		return;
	execgate_get_stats(g->gate, &st);
	log_debug("exec gate: %llu execs, %llu answered at once, %llu held (%llu ms in all, longest %llu ms), %llu let go on the %d ms timeout, %llu unjudged (too many held), %llu judged ahead, %u files the kernel answers for, %u verdicts cached, %d filesystems",
		  (unsigned long long)st.events, (unsigned long long)st.at_once,
		  (unsigned long long)st.held,
		  (unsigned long long)(st.held_ns / 1000000),
		  (unsigned long long)(st.held_ns_max / 1000000),
		  (unsigned long long)st.late, EXECGATE_HOLD_MAX_MS,
		  (unsigned long long)st.busy, (unsigned long long)st.ahead,
		  st.ignored, st.cached, st.filesystems);
	ahead_stop(g->ahead);
	execgate_close(g->gate);
	free(g);
}
