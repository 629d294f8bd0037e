// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* crset.h - a bounded set of TLS client randoms: the newest `cap` added
 * are members, each in a slot (0..cap-1) that callers may use to index
 * their own data; adding to a full set replaces the oldest.  O(1) add and
 * find: hashed with a per-set random key, since client randoms come from
 * peers.  The same random may be added twice (two slots). */
#ifndef TLSDUMP_CRSET_H
#define TLSDUMP_CRSET_H

#include <stdint.h>

struct crset;

/* cap 1..65535; NULL + errno (ENOMEM, EINVAL). */
struct crset *crset_new(unsigned cap);
/* Adds cr; returns its slot. */
unsigned crset_add(struct crset *c, const uint8_t cr[32]);
/* The set's keyed hash of cr (for callers' own tables of randoms). */
uint64_t crset_hash(const struct crset *c, const uint8_t cr[32]);
/* The slot of the newest copy of cr, or -1. */
int crset_find(const struct crset *c, const uint8_t cr[32]);
void crset_free(struct crset *c);

#endif
