// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execcache.c - see execcache.h. */
#include "proc/execcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	struct execcache_key k;
	bool used;
};

struct execcache {
	unsigned mask;  /* slots - 1 */
	unsigned n;
	struct slot s[];
};

int execcache_new(struct execcache **out, unsigned slots)
{
	struct execcache *c;

	if (slots < 16 || (slots & (slots - 1)))
		return -EINVAL;
	c = calloc(1, sizeof(*c) + slots * sizeof(c->s[0]));
	if (!c)
		return -ENOMEM;
	c->mask = slots - 1;
	*out = c;
	return 0;
}

static unsigned hash(const struct execcache_key *k)
{
	uint64_t h = k->ino * 0x9e3779b97f4a7c15ull;

	h ^= k->dev * 0xc2b2ae3d27d4eb4full;
	h ^= (uint64_t)k->mtime_nsec * 0x165667b19e3779f9ull;
	h ^= (uint64_t)k->mtime_sec;
	return (unsigned)(h ^ h >> 29);
}

static bool same(const struct execcache_key *a, const struct execcache_key *b)
{
	return a->dev == b->dev && a->ino == b->ino &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

/* The slot holding k, or the free slot where it would go. */
static const struct slot *find(const struct execcache *c,
			       const struct execcache_key *k)
{
	unsigned i = hash(k) & c->mask;

	while (c->s[i].used && !same(&c->s[i].k, k))
		i = (i + 1) & c->mask;
	return &c->s[i];
}

bool execcache_has(const struct execcache *c, const struct execcache_key *k)
{
	return c && find(c, k)->used;
}

void execcache_add(struct execcache *c, const struct execcache_key *k)
{
	struct slot *s;

	if (!c)
		return;
	if ((c->n + 1) * 4 > (c->mask + 1) * 3) {
		memset(c->s, 0, (c->mask + 1) * sizeof(c->s[0]));
		c->n = 0;
	}
	s = (struct slot *)find(c, k);
	if (s->used)
		return;
	s->k = *k;
	s->used = true;
	c->n++;
}

unsigned execcache_count(const struct execcache *c)
{
	return c ? c->n : 0;
}

void execcache_free(struct execcache *c)
{
	free(c);
}
