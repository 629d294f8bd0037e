// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* comment.c - see comment.h. */
#include "proc/comment.h"
#include "proc/cgname.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Appends up to max bytes of s at buf[len], each byte that is not
 * printable ASCII as '?'; with !spaces (a path) also spaces, '"' and
 * '\\' (text mode's JSON takes a path as is). */
static size_t put_clean(char *buf, size_t len, size_t size, const char *s,
			size_t max, int spaces)
{
	size_t i;

	for (i = 0; i < max && s[i] && len + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		bool path_safe = spaces || (c != '"' && c != '\\');

		buf[len++] = c > 0x20 && c < 0x7f && path_safe ? (char)c :
			     c == 0x20 && spaces ? ' ' : '?';
	}
	buf[len] = 0;
	return len;
}

size_t conn_cgroup_text(const char *cg, char *buf, size_t size)
{
	char id[CGNAME_ID_LEN + 1], pod[CGNAME_POD_LEN + 1];
	size_t len;
	int n;

	if (!size)
		return 0;
	buf[0] = 0;
	if (!cg || size < 9)
		return 0;
	memcpy(buf, " cgroup=", 9);
	len = put_clean(buf, 8, size, cg, CONN_CGROUP_MAX, 0);
	if (cgname_container(cg, id))
		n = snprintf(buf + len, size - len, " container=%.*s",
			     CGNAME_SHORT, id);
	else if (cgname_pod(cg, pod))
		n = snprintf(buf + len, size - len, " pod=%s", pod);
	else
		n = 0;
	if (n > 0 && (size_t)n < size - len)
		len += (size_t)n;
	buf[len] = 0;
	return len;
}

size_t conn_comment(const struct conn_owner *o, const char *cgroup,
		    char *buf, size_t size)
{
	int n = snprintf(buf, size, "pid=%u tid=%u uid=%u", o->pid, o->tid,
			 o->uid);
	size_t len;

	if (n < 0 || (size_t)n + 6 >= size) {
		if (size)
			buf[0] = 0;
		return 0;
	}
	len = (size_t)n;
	len += conn_cgroup_text(cgroup, buf + len, size - len - 6);
	memcpy(buf + len, " comm=", 7);
	return put_clean(buf, len + 6, size, o->comm, CONN_COMM_LEN, 1);
}
