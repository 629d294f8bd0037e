// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ringset.h - the run's one libbpf ring_buffer.  Every BPF ring of the
 * sources (keys, plaintext, exec news, library news) is added to it, so
 * that the loop watches one epoll fd and drains every ring with one
 * consume.  The packet ring (packets/tc.c) is not in it: it has its own
 * consumer.
 *
 * A ring whose records must not wake the loop says so in the kernel
 * (BPF_RB_NO_WAKEUP); the loop's poll reads it.  libbpf cannot take a
 * ring out of a ring_buffer: ringset_remove makes its records go nowhere,
 * so that an owner may close before the set. */
#ifndef TLSDUMP_RINGSET_H
#define TLSDUMP_RINGSET_H

#include <stddef.h>

#define RINGSET_MAX 16 /* rings: each source's, and its exec news */

/* One record; 0 to go on, < 0 to stop the consume with that error. */
typedef int (*ringset_fn)(void *ctx, void *data, size_t size);

struct ringset;

/* An empty set (the ring_buffer is made at the first add); NULL with
 * errno. */
struct ringset *ringset_new(void);
/* Adds the BPF ring map_fd: fn(ctx, ...) for each of its records.  A
 * handle (>= 0) for ringset_remove, or -errno. */
int ringset_add(struct ringset *rs, int map_fd, ringset_fn fn, void *ctx);
/* The records of ring h are not work: they do not count in
 * ringset_consume's result, so that they never keep the loop's poll at
 * its fastest (news a 2 s round reads, proc/dlwatch.h). */
void ringset_quiet(struct ringset *rs, int h);
/* The ring of handle h is no one's any more: its records are dropped.
 * rs NULL or h < 0: nothing. */
void ringset_remove(struct ringset *rs, int h);
/* Readable when a ring that wakes has records; -1 while empty. */
int ringset_fd(const struct ringset *rs);
/* Every ring's records: how many of the rings that are not quiet
 * (>= 0), or a callback's error. */
int ringset_consume(struct ringset *rs);
void ringset_free(struct ringset *rs);

#endif
