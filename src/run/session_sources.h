// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_sources.h - the sources of a run (sources/source.h): the key
 * sources of the TLS run (run/session_tls.c) or the plaintext source of
 * text mode (run/text_run.c), and what they share: one ring set
 * (ringset.h) for all their BPF rings, the exec gate that holds new
 * programs until they are probed (run/session_gate.h), and the 2 s
 * rescan rounds with the news of which processes to look at
 * (proc/dlwatch.h).  No code here for any one stack or for what the
 * records become.
 *
 * Lifecycle: run_sources_new -> run_sources_start per source ->
 * run_sources_watch -> (loop) run_sources_consume, run_sources_rescan ->
 * run_sources_drain -> run_sources_stop -> run_sources_free. */
#ifndef TLSDUMP_SESSION_SOURCES_H
#define TLSDUMP_SESSION_SOURCES_H

#include "cli.h"

#define RUN_SOURCES_MAX 8

struct run_sources;
struct key_source_ops;
struct source_env;

/* No source yet, an empty ring set; NULL with errno. */
struct run_sources *run_sources_new(const struct config *cfg);
/* Starts ops (env->rings is set here); *state is its state, which the
 * set stops and frees, also after a failed start.  Its exit status. */
int run_sources_start(struct run_sources *rs, const struct key_source_ops *ops,
		      struct source_env *env, void **state);
/* Once every source is started: the news of library loads, and the
 * exec gate when a source wants exec news (neither fails a run). */
void run_sources_watch(struct run_sources *rs);
/* Loop callback: held execs, each source's serve, then every ring
 * drained.  Records handled (>= 0) or a callback's error (< 0). */
int run_sources_consume(struct run_sources *rs);
/* The fds the loop watches (the gate's, the ring set's): how many, up
 * to max in fds. */
int run_sources_fds(const struct run_sources *rs, int *fds, int max);
/* Every 2 s, just after a drain (the library news are queued by it):
 * each source looks for targets in the processes with news. */
void run_sources_rescan(struct run_sources *rs);
/* The end: no exec held any more, the rings drained one last time. */
void run_sources_drain(struct run_sources *rs);
/* Each source's stop (counters, close), then the news; the set stays
 * for run_sources_free.  rs NULL: nothing. */
void run_sources_stop(struct run_sources *rs);
void run_sources_free(struct run_sources *rs);

#endif
