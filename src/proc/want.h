// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* want.h - filling a BPF object's copy of the process filter
 * (proc/want.bpf.h) from --pid/--uid/--comm.
 *
 * Before load, WANT_SET_RODATA(skel->rodata, w) sets the counts and the
 * command names; after load, want_fill_maps() puts the pids and uids in
 * the object's want_pids and want_uids maps.  0 or -errno (-E2BIG: more
 * --comm values than the kernel checks). */
#ifndef TLSDUMP_WANT_H
#define TLSDUMP_WANT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "proc/conn.h"

struct proc_want {
	const uint32_t *pids;
	int n_pids;
	const uint32_t *uids;
	int n_uids;
	const char *const *comms;
	int n_comms;
	/* The shared sets (want_maps_create), when on: the process tree of
	 * -- CMD, the cgroups of --cgroup/--container. */
	bool tree, cgroups;
	int tree_fd, cg_fd;
};

/* Creates the two shared sets (want_tree: __u32 tgid -> __u8,
 * want_cgroups: __u64 cgroup id -> __u8).  0 or -errno. */
int want_maps_create(int *tree_fd, int *cg_fd);
/* Adds a cgroup id to the shared set; 0 or -errno. */
int want_cgroup_add(int cg_fd, uint64_t id);

/* The kernel's comm: 15 bytes and a NUL. */
#define WANT_SET_RODATA(ro, w)                                               \
	({                                                                   \
		int r_ = (w)->n_comms > CONN_MAX_COMMS ? -E2BIG : 0;         \
		if (!r_) {                                                   \
			(ro)->n_pids = (uint32_t)(w)->n_pids;                \
			(ro)->n_uids = (uint32_t)(w)->n_uids;                \
			(ro)->n_comms = (uint32_t)(w)->n_comms;              \
			(ro)->want_tree_on = (w)->tree;                      \
			(ro)->want_cg_on = (w)->cgroups;                     \
			for (int i_ = 0; i_ < (w)->n_comms; i_++)            \
				strncpy((char *)(ro)->comms[i_],             \
					(w)->comms[i_], CONN_COMM_LEN - 1);  \
		}                                                            \
		r_;                                                          \
	})

int want_fill_maps(int pids_fd, int uids_fd, const struct proc_want *w);

struct bpf_map;
/* Before load: an object's want_tree and want_cgroups become the shared
 * sets (when on).  0 or -errno. */
int want_share_maps(struct bpf_map *tree, struct bpf_map *cgroups,
		    const struct proc_want *w);

#endif
