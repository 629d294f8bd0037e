// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* selfmem.c - see selfmem.h. */
#include "proc/selfmem.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_status(struct selfmem *m)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmHWM: %" SCNu64, &m->peak_kib);
		sscanf(line, "VmRSS: %" SCNu64, &m->rss_kib);
	}
	fclose(f);
	return 0;
}

/* Sums "Rss:" over the mappings named anon_inode:bpf-map. */
static int read_maps(struct selfmem *m)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in_map = false;
	uint64_t kib;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's first line, "addr-addr perms off dev inode name",
		 * starts with lowercase hex; its fields ("Rss:") with capitals */
		if (isdigit((unsigned char)line[0]) ||
		    (line[0] >= 'a' && line[0] <= 'f'))
			in_map = strstr(line, "anon_inode:bpf-map") != NULL;
		else if (in_map && sscanf(line, "Rss: %" SCNu64, &kib) == 1)
			m->maps_kib += kib;
	}
	fclose(f);
	return 0;
}

int selfmem_read(struct selfmem *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	err = read_status(m);
	return err ? err : read_maps(m);
}
