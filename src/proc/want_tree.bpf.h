// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* want_tree.bpf.h - the set of CMD's process tree (`-- CMD`), one
 * definition for the objects that share it: the tree programs write it
 * (tree.bpf.c), the process filter reads it (want.bpf.h).  User space
 * creates it once (proc/want.c) and every object reuses that map. */
#ifndef TLSDUMP_WANT_TREE_BPF_H
#define TLSDUMP_WANT_TREE_BPF_H

#include "proc/conn.h"

/* Thread group ids of CMD and its descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WANT_MAX_TREE);
	__type(key, __u32);
	__type(value, __u8);
} want_tree SEC(".maps");

#endif
