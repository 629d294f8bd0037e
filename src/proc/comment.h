// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* comment.h - the per-packet text that names its process, in the EPB's
 * opt_comment (Wireshark: frame.comment), a fixed format:
 *
 *     pid=1234 tid=1240 uid=1000 cgroup=/user.slice/user-1000.slice/session-2.scope comm=curl
 *     pid=88 tid=88 uid=0 cgroup=/system.slice/docker-<64 hex>.scope container=<12 hex> comm=nginx
 *
 * cgroup is the owner's cgroup v2 path (absent when not known); when the
 * path holds a container id, container= gives its first 12 hex digits
 * (as `docker ps`), else a kubepods path's pod UID as pod=.  The path
 * keeps at most CONN_CGROUP_MAX bytes, and spaces and bytes that are not
 * printable ASCII become '?'.  comm is last and kept as the kernel has
 * it (up to 15 bytes; it may hold spaces), with the same replacement, so
 * the option is always valid UTF-8. */
#ifndef TLSDUMP_COMMENT_H
#define TLSDUMP_COMMENT_H

#include <stddef.h>

#include "proc/conn.h"

#define CONN_CGROUP_MAX 200
#define CONN_COMMENT_MAX 360

/* Writes the text (NUL-terminated) into buf; returns its length.  cgroup:
 * the owner's cgroup path, or NULL. */
size_t conn_comment(const struct conn_owner *o, const char *cgroup,
		    char *buf, size_t size);
/* " cgroup=PATH[ container=ID| pod=UID]" for cgroup path cg into buf
 * (text mode's header uses it too); its length. */
size_t conn_cgroup_text(const char *cg, char *buf, size_t size);

#endif
