// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* crset.c - see crset.h.  Slot i is chained in its bucket's list (head[],
 * next[]: slot + 1, 0 = end); newest first, so a find sees the newest
 * copy. */
#include "join/crset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct crset {
	unsigned cap, n;
	uint64_t seed;
	uint8_t (*cr)[32];
	uint16_t *head, *next;
};

struct crset *crset_new(unsigned cap)
{
	struct crset *c;

	if (!cap || cap > 65535) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cap = cap;
	c->cr = calloc(cap, 32);
	c->head = calloc(cap, sizeof(*c->head));
	c->next = calloc(cap, sizeof(*c->next));
	if (!c->cr || !c->head || !c->next) {
		crset_free(c);
		errno = ENOMEM;
		return NULL;
	}
	if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) != sizeof(c->seed))
		c->seed = (uint64_t)(uintptr_t)c ^ (uint64_t)time(NULL);
	return c;
}

uint64_t crset_hash(const struct crset *c, const uint8_t cr[32])
{
	uint64_t a, b;

	memcpy(&a, cr, 8);
	memcpy(&b, cr + 24, 8);
	return ((a ^ c->seed) * 0x9e3779b97f4a7c15ull ^ b) * 0xff51afd7ed558ccdull;
}

static unsigned bucket(const struct crset *c, const uint8_t cr[32])
{
	return (unsigned)((crset_hash(c, cr) >> 32) % c->cap);
}

unsigned crset_add(struct crset *c, const uint8_t cr[32])
{
	unsigned i = c->n++ % c->cap, b;
	uint16_t *pp;

	if (c->n > c->cap) { /* unchain the oldest, whose slot this is */
		pp = &c->head[bucket(c, c->cr[i])];
		while (*pp && *pp != i + 1)
			pp = &c->next[*pp - 1];
		if (*pp)
			*pp = c->next[i];
	}
	memcpy(c->cr[i], cr, 32);
	b = bucket(c, cr);
	c->next[i] = c->head[b];
	c->head[b] = (uint16_t)(i + 1);
	return i;
}

int crset_find(const struct crset *c, const uint8_t cr[32])
{
	unsigned e = c->head[bucket(c, cr)];

	for (; e; e = c->next[e - 1])
		if (!memcmp(c->cr[e - 1], cr, 32))
			return (int)e - 1;
	return -1;
}

void crset_free(struct crset *c)
{
	if (!c)
		return;
	free(c->cr);
	free(c->head);
	free(c->next);
	free(c);
}
