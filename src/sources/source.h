// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.h - the key-source interface: one TLS stack (OpenSSL, Go, ...)
 * that finds its targets, probes them, and hands each session's keys to
 * the run as data (run/secrets.h: secrets_add).
 *
 * The run holds a list of sources (run/session_sources.h) and has no
 * code of its own for any stack: the TLS run starts the key sources
 * (all_sources[] in run/session_tls.c), text mode the plaintext source
 * (plain_source, run/text_run.c), which fills the same table with no
 * keys.  A new stack is one folder under sources/ with its x.bpf.c /
 * x.c / x.h triplet and a source.c that fills one struct
 * key_source_ops, plus one line in all_sources[].
 *
 * Lifecycle: start (load, its rings into env->rings, find the targets,
 * attach) -> its records drained by the run, rescan every 2 s -> refute
 * when the key check says its keys of one target do not open their
 * records -> stop (counters, close; the run drained the rings before).
 * Errors: start and list return exit statuses (exitcode.h); the others
 * 0 or -errno. */
#ifndef TLSDUMP_SOURCE_H
#define TLSDUMP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"
#include "binary/targets.h"

struct secrets;
struct ringset;
struct plain_event;

/* Where a plaintext source's chunks go (data: e->len bytes); 0 to go
 * on, < 0 to stop the drain with that error. */
typedef int (*source_chunk_fn)(void *ctx, const struct plain_event *e,
			       const uint8_t *data);

/* What the run gives a source. */
struct source_env {
	const struct config *cfg;
	struct secrets *sec;  /* where its keys go */
	int32_t origin_base;  /* its origins are origin_base + slot */
	bool checked;         /* keys are checked against their captured
			       * records before they are written (a pcapng
			       * is written): a refuted origin writes none */
	struct ringset *rings; /* the run's one ring set: its BPF rings go
				* in, the loop drains them all at once */
	source_chunk_fn chunk; /* text mode's plaintext source: its chunks */
	void *chunk_ctx;
};

/* A program about to run, held at its exec until every source has
 * looked at its file (proc/execgate.h, run/session_gate.c).  While it is
 * held, /proc/PID/exe still shows the program it replaces. */
struct source_exec {
	const char *path; /* opens the file now ("/proc/self/fd/N"); only
			   * valid during the call */
	const char *name; /* its name in our mount namespace ("" unknown) */
	uint32_t pid;     /* the process executing it; 0: a program judged
			   * ahead of any exec (one on PATH) */
	uint64_t dev, ino;
};

/* Slots per source: origins of source i are i * SOURCE_SLOTS + slot. */
#define SOURCE_SLOTS 256

struct key_source_ops {
	const char *name;      /* "OpenSSL", "Go": for messages */
	enum cli_cmd cmd;      /* the subcommand that selects it alone */
	/* Load its probes, find and attach its targets. */
	int (*start)(void **state, const struct source_env *env);
	/* Each loop round, before the rings are drained: work that finished
	 * off the loop (files a worker thread located, to attach), or NULL.
	 * Its records come through env->rings, to the callbacks it gave. */
	void (*serve)(void *state);
	/* Whether it wants exec news (it looks for programs that start
	 * later), or NULL: no. */
	bool (*wants_execs)(const void *state);
	/* A held exec: judge its file and attach before returning (the
	 * program waits for it).  true when the file is settled for good (a
	 * later exec of it needs no look), false after a read error that may
	 * pass.  NULL with wants_execs. */
	bool (*exec)(void *state, const struct source_exec *x);
	/* The kind of target it looks for, whose judge (thread-safe: it
	 * only reads the file) runs off the loop on the programs on PATH
	 * before anyone starts them (run/session_ahead.h); NULL: none.  NULL
	 * with wants_execs. */
	const struct target_kind *(*ahead_judge)(const void *state);
	/* Every 2 s: targets that appeared since, in the processes with
	 * news (proc/dlwatch.h: pids, n), or in every process (pids NULL).
	 * now: the processes are held until this returns (proc/dlhold.h):
	 * attach before returning, as for a held exec. */
	void (*rescan)(void *state, const pid_t *pids, size_t n, bool now);
	/* Origins (see run/secrets.h) by slot. */
	bool (*active)(void *state, unsigned slot);
	const char *(*name_of)(void *state, unsigned slot);
	void (*refute)(void *state, unsigned slot);
	/* Drain, print its part of the summary (counters at -vv), free. */
	void (*stop)(void *state);
	/* `--list`: one block per target on stdout; exit status. */
	int (*list)(const struct config *cfg);
};

extern const struct key_source_ops openssl_source;
extern const struct key_source_ops gotls_source;
extern const struct key_source_ops gnutls_source;
extern const struct key_source_ops boringssl_source;
extern const struct key_source_ops nss_source;
/* Text mode's: plaintext (env->chunk), no keys (active, name_of,
 * refute NULL). */
extern const struct key_source_ops plain_source;

#endif
