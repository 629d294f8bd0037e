// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session.h - one capture run from a parsed command line to the exit
 * status: interfaces, filter, BPF, file, event loop, summary. */
#ifndef TLSDUMP_SESSION_H
#define TLSDUMP_SESSION_H

#include "cli.h"

/* Returns an exit status (exitcode.h). */
int session_run(const struct config *cfg);
/* `tlsdump tls|gotls --list`: the targets of that key source; exit status. */
int session_list(const struct config *cfg);

#endif
