// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_cmd.h - a run's `-- CMD` and its --cgroup/--container filters:
 * the shared sets of the process filter (proc/want.h) filled before any
 * BPF object loads, the child of CMD (run/cmd.h) followed by
 * proc/tree.h, let go once the loop runs; the run ends when CMD does,
 * with CMD's status. */
#ifndef TLSDUMP_SESSION_CMD_H
#define TLSDUMP_SESSION_CMD_H

struct session;
struct config;
struct loop;

/* Before anything loads: checks --cgroup paths (status 2 for one that
 * does not exist), finds CMD (127/126), creates the sets, forks CMD's
 * child.  Fills c->tree_fd and c->cg_fd (c is the run's copy of the
 * options).  An exit status. */
int session_cmd_start(struct session *s, struct config *c);
/* Once everything is ready: the loop stops when CMD exits, signals go
 * on to CMD, and CMD runs.  0 or -errno. */
int session_cmd_watch(struct session *s, struct loop *l);
/* Every 2 s: containers that started since (--container). */
void session_cmd_rescan(struct session *s);
/* The run's exit status given tlsdump's own rc: CMD's when rc is 0.
 * Frees. */
int session_cmd_stop(struct session *s, int rc);

#endif
