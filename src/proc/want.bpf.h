// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* want.bpf.h - --pid/--uid/--comm in the kernel, for every BPF object
 * that records something of a process (packets, keys, plaintext).  Each
 * object that includes it gets its own copy of the filter, filled by
 * proc/want.c before and after load.
 *
 * A process is wanted when it matches every kind of criterion given (any
 * value of a kind): want_pids (when n_pids), want_uids (when n_uids),
 * comms (when n_comms), the process tree of `-- CMD` (want_tree, when
 * want_tree_on), the cgroups of --cgroup/--container and their
 * descendants (want_cgroups, when want_cg_on).  Nothing given: every
 * process.  want_tree and want_cgroups are one pair of maps shared by
 * every object (proc/want.c creates them; kept up to date from outside:
 * proc/tree.bpf.c, the --container rescan). */
#ifndef TLSDUMP_WANT_BPF_H
#define TLSDUMP_WANT_BPF_H

#include "proc/conn.h"

const volatile __u32 n_pids = 0, n_uids = 0, n_comms = 0;
const volatile char comms[CONN_MAX_COMMS][CONN_COMM_LEN] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} want_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} want_uids SEC(".maps");

const volatile __u32 want_tree_on = 0, want_cg_on = 0;

#include "proc/want_tree.bpf.h"

/* cgroup v2 ids wanted with their descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WANT_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, __u8);
} want_cgroups SEC(".maps");

/* Is the current task's cgroup, or one above it, wanted? */
static __always_inline bool want_cg_current(void)
{
	int i;

	for (i = 0; i < WANT_MAX_DEPTH; i++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(i);

		if (!id) /* above the task's own level */
			return false;
		if (bpf_map_lookup_elem(&want_cgroups, &id))
			return true;
	}
	return false;
}

/* The current task's marks (CONN_IN_*), as kept with a socket's owner:
 * the capture program, which runs in no process's context, reads them
 * there. */
static __always_inline __u32 want_marks_current(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, m = 0;

	if (want_tree_on && bpf_map_lookup_elem(&want_tree, &tgid))
		m |= CONN_IN_TREE;
	if (want_cg_on && want_cg_current())
		m |= CONN_IN_CGROUP;
	return m;
}

/* Do marks m satisfy the tree and cgroup criteria? */
static __always_inline bool want_marks(__u32 m)
{
	return (!want_tree_on || (m & CONN_IN_TREE)) &&
	       (!want_cg_on || (m & CONN_IN_CGROUP));
}

static __always_inline bool want_comm(const char *c)
{
	int i, j;

	for (i = 0; i < CONN_MAX_COMMS && i < n_comms; i++) {
		for (j = 0; j < CONN_COMM_LEN; j++) {
			if (c[j] != comms[i][j])
				break;
			if (!c[j])
				return true;
		}
		if (j == CONN_COMM_LEN)
			return true;
	}
	return false;
}

static __always_inline bool want_process(__u32 pid, __u32 uid,
					 const char *comm)
{
	if (n_pids && !bpf_map_lookup_elem(&want_pids, &pid))
		return false;
	if (n_uids && !bpf_map_lookup_elem(&want_uids, &uid))
		return false;
	return !n_comms || want_comm(comm);
}

/* The current task's process. */
static __always_inline bool want_current(void)
{
	char comm[CONN_COMM_LEN];

	if (!n_pids && !n_uids && !n_comms && !want_tree_on && !want_cg_on)
		return true;
	if (!want_marks(want_marks_current()))
		return false;
	bpf_get_current_comm(comm, sizeof(comm));
	return want_process(bpf_get_current_pid_tgid() >> 32,
			    (__u32)bpf_get_current_uid_gid(), comm);
}

#endif
