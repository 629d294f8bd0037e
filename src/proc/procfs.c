// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* procfs.c - see procfs.h. */
#include "proc/procfs.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int procfs_socket_inode(const char *s, uint64_t *inode)
{
	unsigned long long v = 0;
	const char *p;

	if (strncmp(s, "socket:[", 8))
		return -EINVAL;
	for (p = s + 8; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (p == s + 8 || p[0] != ']' || p[1])
		return -EINVAL;
	*inode = v;
	return 0;
}

int procfs_status_uid(const char *text, size_t len, uint32_t *uid)
{
	const char *p = text, *end = text + len;
	unsigned long long v = 0;
	int digits = 0;

	while (p < end) { /* line by line: "Uid:" starts a line */
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (end - p > 4 && !memcmp(p, "Uid:", 4)) {
			for (p += 4; p < end && (*p == ' ' || *p == '\t'); p++)
				;
			for (; p < end && isdigit((unsigned char)*p) &&
			       v <= UINT32_MAX; p++, digits++)
				v = v * 10 + (unsigned)(*p - '0');
			if (!digits || v > UINT32_MAX)
				return -EINVAL;
			*uid = (uint32_t)v;
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -ENOENT;
}

int procfs_cgroup_v2(const char *text, size_t len, char *out, size_t cap)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n > 3 && !memcmp(p, "0::", 3)) {
			if (n - 3 >= cap)
				return -ENAMETOOLONG;
			memcpy(out, p + 3, n - 3);
			out[n - 3] = 0;
			return 0;
		}
		p += n + 1;
	}
	return -ENOENT;
}
