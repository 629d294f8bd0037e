// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cgname.c - see cgname.h. */
#include "proc/cgname.h"

#include <string.h>

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool cgname_container(const char *path, char *id)
{
	const char *found = NULL, *p = path;

	while (*p) {
		size_t n = 0;

		while (is_hex(p[n]))
			n++;
		if (n == CGNAME_ID_LEN)
			found = p;
		p += n ? n : 1;
	}
	if (!found)
		return false;
	memcpy(id, found, CGNAME_ID_LEN);
	id[CGNAME_ID_LEN] = 0;
	return true;
}

/* A pod UID at s (8-4-4-4-12 hex digits, separated by '-' or '_'). */
static bool pod_uid_at(const char *s, char *uid)
{
	static const int dash[] = { 8, 13, 18, 23 };
	int i, d = 0;

	for (i = 0; i < CGNAME_POD_LEN; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-' && s[i] != '_')
				return false;
			uid[i] = '-';
			d++;
		} else if (is_hex(s[i])) {
			uid[i] = s[i];
		} else {
			return false;
		}
	}
	if (is_hex(s[i]))
		return false;
	uid[CGNAME_POD_LEN] = 0;
	return true;
}

bool cgname_pod(const char *path, char *uid)
{
	const char *p = strstr(path, "kubepods");

	while (p && (p = strstr(p, "pod"))) {
		p += 3;
		if (pod_uid_at(p, uid))
			return true;
	}
	return false;
}
