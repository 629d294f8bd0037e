// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_go.h - the Go part of a run's TLS secrets: find Go programs
 * (running ones, or the --elfpath files), probe their writeKeyLog, hand
 * each line to the shared key path (secrets.c: dedup, key log, DSBs). */
#ifndef TLSDUMP_SESSION_GO_H
#define TLSDUMP_SESSION_GO_H

#include "cli.h"

struct session_go;
struct secrets;

/* Lines of processes --pid/--uid/--comm leave out are dropped.  Returns
 * an exit status (0 = running). */
int session_go_start(struct session_go **out, const struct config *cfg,
		     struct secrets *sec);
int session_go_consume(struct session_go *g);
/* For the loop: readable when Go lines or new programs wait; -1 if none. */
int session_go_fd(const struct session_go *g);
/* New Go processes (every 2 s): probe binaries not seen before. */
void session_go_rescan(struct session_go *g);
/* Prints the Go part of the summary when something went wrong. */
void session_go_stop(struct session_go *g);
/* `tlsdump gotls --list`: exit status. */
int session_go_list(const struct config *cfg);

#endif
