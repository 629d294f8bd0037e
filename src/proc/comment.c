// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* comment.c - see comment.h. */
#include "proc/comment.h"

#include <stdio.h>

size_t conn_comment(const struct conn_owner *o, char *buf, size_t size)
{
	int n = snprintf(buf, size, "pid=%u tid=%u uid=%u comm=", o->pid,
			 o->tid, o->uid);
	size_t i, len;

	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = 0;
		return 0;
	}
	len = (size_t)n;
	for (i = 0; i < CONN_COMM_LEN && o->comm[i] && len + 1 < size; i++) {
		unsigned char c = (unsigned char)o->comm[i];

		buf[len++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[len] = 0;
	return len;
}
