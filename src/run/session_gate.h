// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_gate.h - a run's exec gate (proc/execgate.h): opened when a
 * key source or text mode wants news of programs that start later (and
 * not --no-exec-gate); every held exec is given to them through one
 * callback, on the loop, and let go when it returns.  Without the gate
 * (no fanotify, no permission events, no CAP_SYS_ADMIN) the sources keep
 * their exec tracepoint and the 2 s scan; -v says which it is. */
#ifndef TLSDUMP_SESSION_GATE_H
#define TLSDUMP_SESSION_GATE_H

#include <stdbool.h>

#include "cli.h"
#include "run/session_ahead.h"

struct source_exec;
struct session_gate;

/* Judge and probe x's file before returning; true: settled for good. */
typedef bool (*session_gate_fn)(void *ctx, const struct source_exec *x);

/* *out is NULL when there is no gate (said at -v); never fails a run.
 * judges: the sources' (thread-safe) judges, run off the loop on the
 * programs on PATH (run/session_ahead.h); those one wants go to fn. */
void session_gate_open(struct session_gate **out, const struct config *cfg,
		       session_gate_fn fn, void *ctx,
		       const struct ahead_judge *judges, int n_judges);
/* Readable when execs are held (-1: no gate). */
int session_gate_fd(const struct session_gate *g);
/* Every exec held now: judged, probed, let go; then some of the programs
 * judged ahead. */
void session_gate_serve(struct session_gate *g);
/* Every 2 s: filesystems and containers that appeared since, in the
 * mount namespaces of pids (the news, n) or of every process (NULL). */
void session_gate_rescan(struct session_gate *g, const pid_t *pids, size_t n);
/* Lets everything go; its counters at -vv. */
void session_gate_close(struct session_gate *g);

#endif
