// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* want.c - see want.h. */
#include "proc/want.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <unistd.h>

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

int want_maps_create(int *tree_fd, int *cg_fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);

	*tree_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "want_tree", 4, 1,
				  WANT_MAX_TREE, &o);
	if (*tree_fd < 0)
		return -errno;
	*cg_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "want_cgroups", 8, 1,
				WANT_MAX_CGROUPS, &o);
	if (*cg_fd < 0) {
		int err = -errno;

		close(*tree_fd);
		*tree_fd = -1;
		return err;
	}
	return 0;
}

int want_cgroup_add(int cg_fd, uint64_t id)
{
	uint8_t one = 1;

	return bpf_map_update_elem(cg_fd, &id, &one, BPF_ANY) ? -errno : 0;
}

int want_share_maps(struct bpf_map *tree, struct bpf_map *cgroups,
		    const struct proc_want *w)
{
	int err = 0;

	if (w->tree)
		err = bpf_map__reuse_fd(tree, w->tree_fd);
	if (!err && w->cgroups)
		err = bpf_map__reuse_fd(cgroups, w->cg_fd);
	return err;
}
