// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execgate.h - hold every exec until the key sources have looked at the
 * file, so that a program with TLS built in (a Go binary, node's static
 * OpenSSL, a BoringSSL executable) is probed before its first
 * instruction: the one fanotify group of a run.
 *
 * The group has a filesystem mark for FAN_OPEN_EXEC_PERM on every
 * filesystem programs come from (execmarks.h).  The kernel then asks it
 * about each execve (and ld.so's open with exec intent) and lets the exec
 * go on only once the group answers for the event's fd.  A thread of
 * this module reads the events:
 *   - a file judged before (execcache.h: device, inode, mtime; our own
 *     execs) is answered at once, and the kernel itself stops asking about
 *     a settled file (an inode ignore mark, cleared when the file is
 *     written to);
 *   - any other is held: the loop gets it from execgate_take() (the fd
 *     of execgate_fd() becomes readable), the sources judge and probe the
 *     file, and execgate_done() answers.
 * The answer is always FAN_ALLOW, also on any error; an exec held longer
 * than EXECGATE_HOLD_MAX_MS is let go by the thread even if the loop is
 * not done with it.  If tlsdump dies, the kernel allows what is pending. */
#ifndef TLSDUMP_EXECGATE_H
#define TLSDUMP_EXECGATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define EXECGATE_HOLD_MAX_MS 2000 /* longest an exec waits for us */
#define EXECGATE_HELD_MAX 256     /* more held at once: let go unjudged */

/* One exec waiting for the answer. */
struct execgate_exec {
	int fd;              /* the file about to run (the gate closes it) */
	pid_t pid;           /* its process: /proc/PID/exe is its old program */
	dev_t dev;
	ino_t ino;
	char path[32];       /* "/proc/self/fd/N": that very file, until done */
	char name[PATH_MAX]; /* its name in our mount namespace ("" unknown) */
};

struct execgate_stats {
	uint64_t events;    /* exec events read */
	uint64_t at_once;   /* answered without the loop (judged before, ours) */
	uint64_t held;      /* handed to the loop */
	uint64_t late;      /* let go on the timeout before the loop was done */
	uint64_t busy;      /* let go unjudged: EXECGATE_HELD_MAX held */
	uint64_t held_ns;   /* time the held ones waited, summed */
	uint64_t held_ns_max;
	uint64_t ahead;     /* files settled before any exec (execgate_settle) */
	unsigned ignored;   /* files the kernel no longer asks about */
	unsigned cached;    /* verdicts kept (device, inode, mtime) */
	int filesystems;    /* marked */
};

struct execgate;

/* The group, its marks and its thread.  -errno when fanotify or its
 * permission events are not available (EPERM in a container without
 * CAP_SYS_ADMIN, EINVAL or ENOSYS on an old kernel) or "/" cannot be
 * marked: nothing is held then. */
int execgate_open(struct execgate **out);
/* Readable when execs are held for the loop. */
int execgate_fd(const struct execgate *g);
/* The next exec held for the loop: 1 and *x (valid until done), or 0. */
int execgate_take(struct execgate *g, const struct execgate_exec **x);
/* Answers for x (if the thread has not) and releases it.  settled: the
 * file needs no look at its next exec (a read error that may pass: false). */
void execgate_done(struct execgate *g, const struct execgate_exec *x,
		   bool settled);
/* A file judged ahead of any exec (fd: opened by the caller): whether
 * it needs no look, and, once it is settled, that its execs need none
 * (the cache and the kernel's ignore mark, as execgate_done). */
bool execgate_judged(struct execgate *g, int fd);
void execgate_settle(struct execgate *g, int fd);
/* Filesystems mounted since, mount namespaces (containers) started
 * since: marked.  How many were added.  With pids (n): only the mount
 * namespaces of those processes (the news of a rescan, run/session_tls.c);
 * NULL: ours read again and every process's. */
int execgate_rescan(struct execgate *g, const pid_t *pids, size_t n);
void execgate_get_stats(struct execgate *g, struct execgate_stats *st);
/* Stops the thread, lets everything held go, closes the group. */
void execgate_close(struct execgate *g);

#endif
