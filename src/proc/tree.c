// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* tree.c - see tree.h. */
#include "bpfobj.h"
#include "proc/tree.h"
#include "proc/tree.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>

struct proctree {
	struct tree_bpf *skel;
	int fd;
};

int proctree_open(struct proctree **out, int tree_fd)
{
	struct proctree *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->fd = tree_fd;
	err = BPFOBJ_OPEN(tree_bpf, &t->skel);
	err = err ?: bpf_map__reuse_fd(t->skel->maps.want_tree, tree_fd);
	err = err ?: tree_bpf__load(t->skel);
	err = err ?: tree_bpf__attach(t->skel);
	if (err) {
		proctree_close(t);
		return err;
	}
	*out = t;
	return 0;
}

int proctree_add(struct proctree *t, uint32_t pid)
{
	uint8_t one = 1;

	return bpf_map_update_elem(t->fd, &pid, &one, BPF_ANY) ? -errno : 0;
}

uint64_t proctree_missed(const struct proctree *t)
{
	return t->skel->bss->tree_full;
}

void proctree_close(struct proctree *t)
{
	if (!t)
		return;
	BPFOBJ_CLOSE(tree_bpf, t->skel, NULL);
	free(t);
}
