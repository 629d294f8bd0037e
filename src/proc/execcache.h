// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execcache.h - executables already judged, by (device, inode, mtime):
 * the exec gate (execgate.h) answers at once for a file found here.
 * A file rewritten in place gets a new mtime and is judged again; a
 * file replaced (a new inode) is a new key anyway.
 *
 * A fixed table (open addressing); when it is three quarters full it is
 * emptied: judging a file again only costs time.  Not locked: the gate
 * holds its own lock around it. */
#ifndef TLSDUMP_EXECCACHE_H
#define TLSDUMP_EXECCACHE_H

#include <stdbool.h>
#include <stdint.h>

struct execcache_key {
	uint64_t dev, ino;
	int64_t mtime_sec, mtime_nsec;
};

struct execcache;

/* A cache of up to 3/4 of slots keys (slots: a power of two >= 16).
 * 0 or -errno. */
int execcache_new(struct execcache **out, unsigned slots);
bool execcache_has(const struct execcache *c, const struct execcache_key *k);
void execcache_add(struct execcache *c, const struct execcache_key *k);
/* Keys it holds. */
unsigned execcache_count(const struct execcache *c);
void execcache_free(struct execcache *c);

#endif
