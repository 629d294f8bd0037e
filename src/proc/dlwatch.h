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
 * The processes of the `-- CMD` tree (proc/tree.h) are held instead, so
 * that their first handshake finds the probes of the libraries they load
 * (a private copy of libssl on LD_LIBRARY_PATH, a dlopen): at each exec
 * and each linker call the kernel stops such a process (SIGSTOP, before
 * it runs another instruction) and names it in a second ring, which wakes
 * the loop; the run looks at its maps at once, probes what is new, and
 * lets it go on (SIGCONT); a watchdog thread lets go of a process held
 * longer than DLWATCH_HOLD_MAX_MS (the loop busy elsewhere).  Only the members of CMD's
 * process group (tlsdump's) are held: a job-control shell puts its jobs
 * in groups of their own and waits for their stops, which it would take
 * for ^Z.
 *
 * The ABI with dlwatch.bpf.c and its user side.  Both rings are in the
 * run's ring set (ringset.h).  The news never wake the loop
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
#define DLWATCH_HELD_RING (16u << 10)
#define DLWATCH_MAX_HELD 256 /* taken at once; more are let go unlooked */
#define DLWATCH_HOLD_MAX_MS 2000 /* longest a process is held */

struct dlwatch_event {
	__u32 pid;
};

/* A process the kernel stopped for us. */
struct dlwatch_held {
	__u32 pid;
	__u32 pad;
	__u64 ts_ns; /* CLOCK_MONOTONIC of the stop */
};

#ifndef __bpf__
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct dlwatch;
struct dlhold;
struct ringset;

/* Loads and attaches the exec news and the system's ld.so, its rings
 * into rings; 0 or -errno (then every round reads all of /proc, as
 * before).  tree_fd >= 0: the set of the `-- CMD` tree (proc/want.h),
 * whose members are held. */
int dlwatch_open(struct dlwatch **out, struct ringset *rings, int tree_fd);
/* The processes held (proc/dlhold.h), NULL when none are. */
struct dlhold *dlwatch_hold(const struct dlwatch *w);
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
/* -vv: holds, their time in all and the longest, those not held. */
void dlwatch_log_holds(const struct dlwatch *w);
/* Lets every process still held go on, detaches, frees. */
void dlwatch_close(struct dlwatch *w);
#endif

#endif
