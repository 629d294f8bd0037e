// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* stack.h - a key source built on keyfn probes (keyfn.h): everything but
 * what is particular to one TLS stack, which a struct keyfn_stack gives
 * (how its files are found and judged, how its key-log function is
 * located in a file, how the user names one file).
 *
 * The stack's source.c fills a struct keyfn_stack and defines its
 * struct key_source_ops with KEYFN_SOURCE(): start and list call
 * keyfn_source_start/list with the stack; the other operations are the
 * functions below as they are. */
#ifndef TLSDUMP_KEYFN_STACK_H
#define TLSDUMP_KEYFN_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sources/keyfn/keyfn.h"
#include "sources/source.h"

struct target_kind;

struct keyfn_stack {
	const char *name;               /* "GnuTLS": for messages */
	const struct target_kind *kind; /* its files (binary/targets.h) */
	const char *option;             /* "--gnutls": names one file */
	/* The file the user named with option, or NULL. */
	const char *(*named)(const struct config *cfg);
	/* The option is shared with another stack (--libssl): a named file
	 * that is not this stack's is not an error here, only not ours. */
	bool option_shared;
	/* Where the probes go in the file at path: 0, or -ENOEXEC/-ENODATA
	 * (not this stack), -EPROTO (a build not recognised; why says which
	 * step), -errno. */
	int (*locate)(const char *path, struct keyfn_layout *l, char *why,
		      size_t wlen);
	enum cli_cmd cmd; /* its subcommand (key_source_ops.cmd) */
	/* Warn when nothing of this stack could be probed under cmd. */
	bool warn_none;
};

/* Defines `const struct key_source_ops VAR` for the struct keyfn_stack
 * STACK (its name and subcommand again: an initializer needs constants). */
#define KEYFN_SOURCE(VAR, STACK, NAME, CMD)                                    \
	static int VAR##_start(void **state, const struct source_env *env)    \
	{                                                                      \
		return keyfn_source_start(state, env, &(STACK));               \
	}                                                                      \
	static int VAR##_list(const struct config *cfg)                        \
	{                                                                      \
		return keyfn_source_list(cfg, &(STACK));                       \
	}                                                                      \
	const struct key_source_ops VAR = {                                    \
		.name = NAME, .cmd = CMD, .start = VAR##_start,                \
		.serve = keyfn_source_serve,                                   \
		.wants_execs = keyfn_source_wants_execs,                       \
		.exec = keyfn_source_exec,                                     \
		.ahead_judge = keyfn_source_ahead_judge,                       \
		.rescan = keyfn_source_rescan, .active = keyfn_source_active,  \
		.name_of = keyfn_source_name_of, .refute = keyfn_source_refute,\
		.stop = keyfn_source_stop, .list = VAR##_list,                 \
	}

int keyfn_source_start(void **state, const struct source_env *env,
		       const struct keyfn_stack *st);
void keyfn_source_serve(void *state);
void keyfn_source_rescan(void *state, const pid_t *pids, size_t n,
			 bool now);
bool keyfn_source_wants_execs(const void *state);
bool keyfn_source_exec(void *state, const struct source_exec *x);
const struct target_kind *keyfn_source_ahead_judge(const void *state);
bool keyfn_source_active(void *state, unsigned slot);
const char *keyfn_source_name_of(void *state, unsigned slot);
void keyfn_source_refute(void *state, unsigned slot);
void keyfn_source_stop(void *state);
int keyfn_source_list(const struct config *cfg, const struct keyfn_stack *st);

#endif
