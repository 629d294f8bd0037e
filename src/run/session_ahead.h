// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_ahead.h - the programs on PATH judged before anyone runs them,
 * so that the exec gate has their verdicts when they first start: a
 * thread (SCHED_IDLE: spare CPU only) runs the sources' judges on each program
 * of binary/pathexes.h, off the loop, since reading a cold 100 MB file
 * takes seconds.  A program no judge wants is only to be marked settled;
 * one that some judge wants (node, a Go CLI on PATH) is for the loop to
 * probe as if it were being executed. */
#ifndef TLSDUMP_SESSION_AHEAD_H
#define TLSDUMP_SESSION_AHEAD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "binary/targets.h"

#define AHEAD_MAX_JUDGES 8

struct ahead;

/* A judge (thread-safe: it reads the file and nothing else) and its
 * target kind's name, which names its verdicts in binary/vcache.h: the
 * same name is always the same judge (a source's judge may change with
 * the run's mode, text mode's does). */
struct ahead_judge {
	targets_judge_fn fn;
	const char *name;
};

struct ahead_verdict {
	char path[PATH_MAX];
	bool wanted;        /* some judge said it is one of its targets */
	uint64_t dev, ino;  /* the file as judged: settle only that one */
	int64_t mtime_sec, mtime_nsec;
};

/* Collects the programs and starts the thread with n judges.  Where the
 * verdict cache is on (binary/vcache.h), each judge's verdict on each
 * file is kept across runs and taken from there while the file is
 * unchanged: tlsdump's next start reads none of them again.  0 or
 * -errno. */
int ahead_start(struct ahead **out, const struct ahead_judge *judges, int n);
/* A judged program: 1 and *v, 0 when none is ready yet, -1 when every
 * one was handed out. */
int ahead_take(struct ahead *a, struct ahead_verdict *v);
/* Programs judged, of them wanted, of them judged by the cache alone,
 * and the thread's time (ms). */
void ahead_counts(struct ahead *a, int *judged, int *wanted, int *cached,
		  long *ms);
/* Stops the thread (after the file in hand), frees. */
void ahead_stop(struct ahead *a);

#endif
