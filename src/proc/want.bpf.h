// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* want.bpf.h - --pid/--uid/--comm in the kernel, for every BPF object
 * that records something of a process (packets, keys, plaintext).  Each
 * object that includes it gets its own copy of the filter, filled by
 * proc/want.c before and after load.
 *
 * A process is wanted when it matches every kind of criterion given (any
 * value of a kind): want_pids (when n_pids), want_uids (when n_uids),
 * comms (when n_comms).  Nothing given: every process. */
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

	if (!n_pids && !n_uids && !n_comms)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	return want_process(bpf_get_current_pid_tgid() >> 32,
			    (__u32)bpf_get_current_uid_gid(), comm);
}

#endif
