// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* dlwatch.h - which processes may have mapped a new library since the
 * last look: those that exec'd (sched_process_exec) and those whose
 * dynamic linker changed its list of objects (a uprobe on ld.so's
 * _dl_debug_state, the empty function it calls for debuggers before and
 * after every load and unload: at start-up and at each dlopen).
 *
 * The key sources look for libraries that appear later.  Reading every
 * process's /proc/PID/maps every 2 s made most of what an idle tlsdump
 * cost; with this news a round reads the maps of these processes only,
 * and the whole of /proc only every DLWATCH_FULL_MS (for what no linker
 * we know loads: a program that maps a library by hand, or one whose
 * ld.so we have not seen yet until its exec brings it here).
 *
 * The ABI with dlwatch.bpf.c and its user side.  The news come through
 * the run's ring set (ringset.h) but never wake the loop
 * (BPF_RB_NO_WAKEUP): each drain of the rings only queues their pids,
 * and a round takes the queue. */
#ifndef TLSDUMP_DLWATCH_H
#define TLSDUMP_DLWATCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define DLWATCH_RING (256u << 10)
#define DLWATCH_FULL_MS 30000
#define DLWATCH_MAX_LINKERS 32 /* distinct ld.so files probed */

struct dlwatch_event {
	__u32 pid;
};

#ifndef __bpf__
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct dlwatch;
struct ringset;

/* Loads and attaches the exec news and the system's ld.so, its ring into
 * rings; 0 or -errno (then every round reads all of /proc, as before). */
int dlwatch_open(struct dlwatch **out, struct ringset *rings);
/* The processes with news queued since the last call (deduplicated,
 * valid until the rings are drained again; drain them just before).
 * Returns true when news were lost (the ring or the queue was full): the
 * round must look at every process. */
bool dlwatch_take(struct dlwatch *w, const pid_t **pids, size_t *n);
/* Looks for dynamic linkers not probed yet in the maps of pids (n), or
 * of every process when pids is NULL, and probes them. */
void dlwatch_find_linkers(struct dlwatch *w, const pid_t *pids, size_t n);
/* Linkers probed, and news lost (for -vv). */
unsigned dlwatch_linkers(const struct dlwatch *w);
unsigned long long dlwatch_lost(const struct dlwatch *w);
void dlwatch_close(struct dlwatch *w);
#endif

#endif
