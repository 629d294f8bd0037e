// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* dlhold.h - the processes of the `-- CMD` tree that dlwatch.bpf.c
 * stopped at an exec or a linker call (dlwatch.h says why and which): read
 * from the held ring, handed to the run, let go on (SIGCONT).  The held
 * ring is in the run's ring set (ringset.h) and wakes the loop: each
 * drain of the set queues the processes it names.
 *
 * Lifecycle: dlwatch_open makes it (dlwatch_hold) -> after each drain of
 * the rings dlhold_take, probe, dlhold_release -> dlwatch_close lets go
 * of every process still held. */
#ifndef TLSDUMP_DLHOLD_H
#define TLSDUMP_DLHOLD_H

#include <stddef.h>
#include <sys/types.h>

struct dlhold;
struct ringset;

/* ring_fd: the held ring (struct dlwatch_held records), added to rings;
 * since_fd: the map of the processes held and since when, which its
 * watchdog thread reads.  0 or -errno. */
int dlhold_open(struct dlhold **out, struct ringset *rings, int ring_fd,
		int since_fd);
/* The processes the drains of the rings named since the last release
 * (deduplicated; valid until dlhold_release); 0 when none. */
size_t dlhold_take(struct dlhold *h, const pid_t **pids);
/* Lets the processes of the last dlhold_take go on. */
void dlhold_release(struct dlhold *h);
/* -vv: how many holds, their time in all and the longest; not_held: the
 * processes the kernel could not hold (the ring was full). */
void dlhold_log(const struct dlhold *h, unsigned long long not_held);
/* Stops the watchdog, lets go of what is still held, frees (after the
 * programs that hold are detached). */
void dlhold_close(struct dlhold *h);

#endif
