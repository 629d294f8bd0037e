// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_text.h - text mode (`tlsdump tls|gotls -m text`): probe the
 * plaintext of every OpenSSL (tls) or Go program (gotls) and print each
 * read and write on stdout (out/text.c), with who and where. */
#ifndef TLSDUMP_SESSION_TEXT_H
#define TLSDUMP_SESSION_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "binary/targets.h"

struct session_text;

/* --pid/--uid/--comm apply (in user space).  Returns an exit status
 * (0 = running). */
int session_text_start(struct session_text **out, const struct config *cfg);
/* Loop callbacks: the records handled (>= 0), or < 0 (-EPIPE: the
 * reader of stdout left). */
int session_text_consume(struct session_text *t);
void session_text_rescan(struct session_text *t, const pid_t *pids,
			 size_t n);
int session_text_fd(const struct session_text *t);
/* Exec news (sources/source.h): whether it wants them, and a held exec
 * judged and probed before it runs (true: settled). */
struct source_exec;
bool session_text_wants_execs(const struct session_text *t);
bool session_text_exec(struct session_text *t, const struct source_exec *x);
/* Its judge, for the programs judged ahead (run/session_ahead.h). */
targets_judge_fn session_text_ahead_judge(const struct session_text *t);
/* Drains, prints the summary to stderr (summary: the run got going; not
 * after a refused start, whose one line is then all there is), frees. */
void session_text_stop(struct session_text *t, bool summary);

#endif
