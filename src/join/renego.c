// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* renego.c - see renego.h. */
#include "join/renego.h"

#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 4096
#define NIL UINT32_MAX
#define CT_CCS 20
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
/* a side's handshake: going, its ChangeCipherSpec sent, its Finished */
enum { HS_GOING, HS_CCS, HS_DONE };

struct entry {
	struct seq_flow_key key;
	uint32_t next;  /* bucket chain */
	uint32_t bucket;
	bool used, client_is_a, saw_data;
	uint8_t side[2]; /* [sent by side a]: HS_* */
	struct renego_prev prev;
};

/* Entries in a ring, oldest at head: eviction is O(1) plus unlinking. */
struct renego {
	struct entry e[RENEGO_CAP];
	uint32_t buckets[N_BUCKETS];
	uint32_t head, count;
	uint32_t used; /* entries in a chain: none, no lookup */
};

/* Every packet of a flow not held is looked up: word-wise, not
 * byte-wise (the 4-tuple is not chosen by one peer alone: no key). */
static uint32_t hash(const struct seq_flow_key *k)
{
	uint64_t h = 0, w;

	_Static_assert(sizeof(*k) % 8 == 0, "the key is whole words");
	for (size_t i = 0; i < sizeof(*k); i += 8) {
		memcpy(&w, (const uint8_t *)k + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	}
	return (uint32_t)(h >> 40) % N_BUCKETS;
}

struct renego *renego_new(void)
{
	struct renego *r = calloc(1, sizeof(*r));

	if (r)
		memset(r->buckets, 0xff, sizeof(r->buckets)); /* all NIL */
	return r;
}

static uint32_t *link_of(struct renego *r, const struct seq_flow_key *k)
{
	uint32_t *l = &r->buckets[hash(k)];

	while (*l != NIL && memcmp(&r->e[*l].key, k, sizeof(*k)))
		l = &r->e[*l].next;
	return l;
}

/* Unlinks entry i from its chain; it stays in the ring, unused. */
static void unlink_entry(struct renego *r, uint32_t i)
{
	uint32_t *l = &r->buckets[r->e[i].bucket];

	while (*l != i)
		l = &r->e[*l].next;
	*l = r->e[i].next;
	r->e[i].used = false;
	explicit_bzero(&r->e[i].prev, sizeof(r->e[i].prev));
	r->used--;
}

void renego_add(struct renego *r, const struct seq_flow_key *k,
		bool client_is_a, const struct renego_prev *prev)
{
	uint32_t *l = link_of(r, k), i;

	if (*l != NIL)
		unlink_entry(r, *l);
	if (r->count == RENEGO_CAP) {
		if (r->e[r->head].used)
			unlink_entry(r, r->head);
		r->head = (r->head + 1) % RENEGO_CAP;
		r->count--;
	}
	i = (r->head + r->count++) % RENEGO_CAP;
	r->e[i] = (struct entry){ .key = *k, .bucket = hash(k),
				  .client_is_a = client_is_a, .used = true };
	if (prev)
		r->e[i].prev = *prev;
	r->e[i].next = r->buckets[r->e[i].bucket];
	r->buckets[r->e[i].bucket] = i;
	r->used++;
}

/* The whole records at the start of a segment: whether one is the
 * handshake record of a new handshake. */
static bool walk(struct entry *e, const uint8_t *pl, uint32_t n, bool from_a)
{
	uint8_t *side = &e->side[from_a];
	bool again = false;
	uint32_t off = 0;

	while (n - off >= 5 && pl[off + 1] == 3 && pl[off] >= CT_CCS &&
	       pl[off] <= CT_APPDATA) {
		if (pl[off] == CT_APPDATA) {
			e->saw_data = true;
			*side = HS_DONE;
		} else if (pl[off] == CT_CCS) {
			*side = HS_CCS;
		} else if (pl[off] == CT_HANDSHAKE) {
			again |= e->saw_data || *side == HS_DONE;
			*side = *side == HS_CCS ? HS_DONE : *side;
		}
		off += 5u + (uint32_t)(pl[off + 3] << 8 | pl[off + 4]);
		if (off >= n)
			break;
	}
	return again;
}

/* The entry of a flow whose segment starts with a record: NULL, none. */
static struct entry *entry_of(struct renego *r, const struct seq_flow_key *k,
			      const uint8_t *pl, uint32_t n)
{
	uint32_t i;

	/* only a segment that starts a record counts */
	if (!r->used || n < 5 || pl[1] != 3 || pl[0] < CT_CCS ||
	    pl[0] > CT_APPDATA)
		return NULL;
	i = *link_of(r, k);
	return i == NIL ? NULL : &r->e[i];
}

void renego_note(struct renego *r, const struct seq_flow_key *k,
		 const uint8_t *pl, uint32_t n, bool src_is_a)
{
	struct entry *e = entry_of(r, k, pl, n);

	if (e)
		walk(e, pl, n, src_is_a);
}

int renego_packet(struct renego *r, const struct seq_flow_key *k,
		  const uint8_t *pl, uint32_t n, bool src_is_a,
		  bool *client_is_a, struct renego_prev *prev)
{
	struct entry *e = entry_of(r, k, pl, n);
	uint32_t i;

	if (!e || !walk(e, pl, n, src_is_a))
		return 0;
	i = (uint32_t)(e - r->e);
	*client_is_a = e->client_is_a;
	*prev = e->prev;
	unlink_entry(r, i);
	return 1;
}

void renego_forget(struct renego *r, const struct seq_flow_key *k)
{
	uint32_t i = r->used ? *link_of(r, k) : NIL;

	if (i != NIL)
		unlink_entry(r, i);
}

void renego_free(struct renego *r)
{
	if (r)
		explicit_bzero(r->e, sizeof(r->e));
	free(r);
}
