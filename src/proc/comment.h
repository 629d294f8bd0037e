// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* comment.h - the per-packet text that names its process, in the EPB's
 * opt_comment (Wireshark: frame.comment), a fixed format:
 *
 *     pid=1234 tid=1240 uid=1000 comm=curl
 *
 * comm is last and kept as the kernel has it (up to 15 bytes; it may hold
 * spaces); bytes that are not printable ASCII become '?', so the option
 * is always valid UTF-8. */
#ifndef TLSDUMP_COMMENT_H
#define TLSDUMP_COMMENT_H

#include <stddef.h>

#include "proc/conn.h"

#define CONN_COMMENT_MAX 80

/* Writes the text (NUL-terminated) into buf; returns its length. */
size_t conn_comment(const struct conn_owner *o, char *buf, size_t size);

#endif
