// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cgroup.h - cgroup v2 paths and ids in user space: where the hierarchy
 * is mounted, a path's id (name_to_handle_at: the kernel's file handle of
 * a cgroup v2 directory is its id, which bpf_get_current_cgroup_id
 * returns), an id's path (open_by_handle_at, cached: an id is never
 * reused), and the cgroups of the containers whose id starts with a
 * prefix (a walk of the hierarchy).
 *
 * Paths are given as the hierarchy shows them, "/" being its root:
 * "/system.slice/docker-<id>.scope". */
#ifndef TLSDUMP_CGROUP_H
#define TLSDUMP_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Where cgroup2 is mounted in our mount namespace ("/sys/fs/cgroup",
 * "/sys/fs/cgroup/unified" on a hybrid host).  0 or -ENOENT. */
int cgroup_v2_dir(char *dir, size_t size);
/* --cgroup's argument (a path in the hierarchy, or the same under the
 * mount point) -> its id, and its path in the hierarchy into rel.  0,
 * -ENOENT (no such cgroup), or -errno. */
int cgroup_lookup(const char *arg, uint64_t *id, char *rel, size_t size);

/* Called for each cgroup of a container whose id starts with prefix. */
typedef void (*cgroup_found_fn)(void *ctx, uint64_t id, const char *rel);
/* Walks the hierarchy (bounded); the number of cgroups found, or -errno. */
int cgroup_containers(const char *prefix, cgroup_found_fn fn, void *ctx);

struct cgcache;
/* NULL with errno when cgroup v2 is not mounted. */
struct cgcache *cgcache_new(void);
/* The path of cgroup id in the hierarchy; NULL when unknown (a cgroup
 * already removed).  Valid until the next call. */
const char *cgcache_path(struct cgcache *c, uint64_t id);
/* id's path, learnt otherwise (the --container walk): it stays known
 * once the cgroup is removed (a container that ended before its last
 * packets were written). */
void cgcache_learn(struct cgcache *c, uint64_t id, const char *path);
void cgcache_free(struct cgcache *c);

#endif
