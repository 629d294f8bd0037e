// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* procfs.h - parsers of /proc text (untrusted: any process names its
 * own comm, and these are fuzzed, tests/fuzz/fuzz_procfs.c).  No I/O. */
#ifndef TLSDUMP_PROCFS_H
#define TLSDUMP_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* A /proc/PID/fd/N link "socket:[12345]" -> 12345; -EINVAL otherwise. */
int procfs_socket_inode(const char *link, uint64_t *inode);
/* The real uid in /proc/PID/status text ("Uid:\t1000\t1000\t...");
 * len bytes, not necessarily NUL-terminated.  -ENOENT: no Uid line. */
int procfs_status_uid(const char *text, size_t len, uint32_t *uid);

/* The cgroup v2 path in /proc/PID/cgroup text (the "0::PATH" line) into
 * out (cap bytes, NUL-terminated).  -ENOENT: no such line; -ENAMETOOLONG. */
int procfs_cgroup_v2(const char *text, size_t len, char *out, size_t cap);

#endif
