// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execmarks.h - which filesystems the exec gate (execgate.h) marks:
 * every one a program can be executed from.  A fanotify filesystem mark
 * covers one superblock, so each is marked once (by its st_dev): the
 * mounts of tlsdump's own mount namespace (/proc/self/mountinfo: /, a
 * separate /tmp, /dev/shm, /home, ...) and those of every other mount
 * namespace a process runs in (a container's root and its volumes),
 * reached through /proc/PID/root.  Pseudo filesystems (proc, sysfs,
 * cgroup, ...) hold no programs and are skipped. */
#ifndef TLSDUMP_EXECMARKS_H
#define TLSDUMP_EXECMARKS_H

#include <stdbool.h>
#include <stddef.h>

#include <stddef.h>
#include <sys/types.h>

struct execmarks;

/* A set for the fanotify group fan (not owned).  0 or -errno. */
int execmarks_new(struct execmarks **out, int fan, const char *proc);
/* Marks the filesystems not marked yet: our mount namespace's mounts
 * (read again each call: mounts made since), then those of mount
 * namespaces not met before.  The number newly marked, or -errno when
 * our own root cannot be marked (then nothing can be held). */
int execmarks_scan(struct execmarks *m);
/* The same for the mount namespaces of pids (n) only, those not met
 * before (a container's first process brings its namespace): what a
 * rescan with news of these processes only looks at. */
int execmarks_scan_pids(struct execmarks *m, const pid_t *pids, size_t n);
/* Filesystems marked so far. */
int execmarks_count(const struct execmarks *m);
void execmarks_free(struct execmarks *m);

/* One line of a mountinfo file: its mount point (the kernel's \NNN
 * escapes undone) into mnt and its filesystem type into fstype.  0, or
 * -EINVAL for a line not in that form, -ENAMETOOLONG when either does
 * not fit. */
int execmarks_parse_line(const char *line, char *mnt, size_t mlen,
			 char *fstype, size_t flen);
/* A filesystem type that holds no programs (proc, sysfs, cgroup2, ...). */
bool execmarks_pseudo(const char *fstype);

#endif
