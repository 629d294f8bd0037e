// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* want.c - see want.h. */
#include "proc/want.h"

#include <bpf/bpf.h>
#include <errno.h>

static int fill_set(int fd, const uint32_t *v, int n)
{
	uint8_t one = 1;
	int i;

	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &v[i], &one, BPF_ANY))
			return -errno;
	return 0;
}

int want_fill_maps(int pids_fd, int uids_fd, const struct proc_want *w)
{
	return fill_set(pids_fd, w->pids, w->n_pids) ?:
	       fill_set(uids_fd, w->uids, w->n_uids);
}
