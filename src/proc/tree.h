// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* tree.h - keeps the shared want_tree set (proc/want.h) equal to the
 * process tree of `-- CMD`: tree.bpf.c adds every process forked by a
 * member and removes a member whose last thread exits, in the kernel, as
 * it happens.  User space adds the root (the child tlsdump forked for
 * CMD, which waits until it is let go).
 *
 * Lifecycle: proctree_open (load, attach) -> proctree_add (the root) ->
 * proctree_close (detach, free). */
#ifndef TLSDUMP_TREE_H
#define TLSDUMP_TREE_H

#include <stdint.h>

struct proctree;

/* tree_fd: the shared set (want_maps_create).  0 or -errno. */
int proctree_open(struct proctree **out, int tree_fd);
/* pid (a thread group id) and every process it forks from now on join
 * the set.  0 or -errno. */
int proctree_add(struct proctree *t, uint32_t pid);
/* Processes that could not join because the set was full. */
uint64_t proctree_missed(const struct proctree *t);
void proctree_close(struct proctree *t);

#endif
