// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* conn_maps.bpf.h - the maps that conn.bpf.c fills and the capture
 * program reads (see conn.h).  Both objects declare them; user space
 * creates them once (conn.c) and hands the fds to the capture skeleton
 * (bpf_map__reuse_fd), so there is one table. */
#ifndef TLSDUMP_CONN_MAPS_BPF_H
#define TLSDUMP_CONN_MAPS_BPF_H

#include "proc/conn.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CONN_MAX_FLOWS);
	__type(key, struct conn_key);
	__type(value, struct conn_flow);
} conn_flows SEC(".maps");

/* BPF_F_CLONE: a socket accepted from a listener starts with the
 * listener's owner (the server), before accept() is even called. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct conn_owner);
} conn_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn_stats);
} conn_stats SEC(".maps");

static __always_inline struct conn_stats *conn_stat(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&conn_stats, &zero);
}

#endif
