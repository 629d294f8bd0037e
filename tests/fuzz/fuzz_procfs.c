// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_procfs.c - the /proc text parsers (proc/procfs.c) on any bytes:
 * /proc/PID/status holds a name any process can choose. */
#include "proc/procfs.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t ino;
	uint32_t uid;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	procfs_socket_inode(s, &ino);
	/* not NUL-terminated: the parser must stay within len */
	procfs_status_uid((const char *)data, size, &uid);
	free(s);
	return 0;
}
