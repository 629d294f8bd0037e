// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* flowkeys.c - see flowkeys.h. */
#include "join/flowkeys.h"
#include "join/sequencer.h"
#include "crypto/keys.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define N_BUCKETS 4096
#define FLOW_SESS 4       /* sessions kept per flow (4-tuple reused) */
#define TCP_FIN 0x01
#define TCP_RST 0x04

struct fsess {
	struct fsess *next;            /* hash chain */
	struct fsess *older, *newer;   /* the list of sessions with no flow */
	struct fflow *flow;            /* NULL: no flow yet */
	uint8_t cr[32];
	unsigned gen;                  /* the file its lines all went into */
	struct keys_set keys;          /* the lines written so far */
};

/* A packet of a flow's history: a copy. */
struct hpkt {
	struct hpkt *next;
	struct flowkeys_pkt p;         /* data, owner point below */
	struct conn_owner owner;
	uint8_t data[];
};

struct fflow {
	struct fflow *next;            /* hash chain */
	struct fflow *older, *newer;   /* by last packet */
	struct seq_flow_key key;
	struct fsess *sess[FLOW_SESS];
	int n;
	uint8_t fin;                   /* 1: side a sent FIN, 2: side b */
	bool hist_off;                 /* too long: no history kept */
	unsigned gen;                  /* the file it was last carried into */
	size_t hist_bytes;
	struct hpkt *hist, **hist_tail;
};

/* A doubly linked list, oldest first. */
struct lru {
	void *oldest, *newest;
	unsigned n;
};

struct flowkeys {
	unsigned max, gen;
	uint32_t seed;
	struct fsess *sb[N_BUCKETS];
	struct fflow *fb[N_BUCKETS];
	struct lru flows, orphans;
	size_t hist_bytes;             /* of every flow */
	struct flowkeys_stats st;
};

/* Keyed: peers choose client randoms and ports. */
static unsigned hash(const struct flowkeys *fk, const void *k, size_t n)
{
	const uint8_t *p = k;
	uint32_t h = 2166136261u ^ fk->seed;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return (h ^ h >> 15) % N_BUCKETS;
}

/* The lists: fsess and fflow both start with next, older, newer. */
#define LRU_UNLINK(l, x) do {                                          \
	if ((x)->older) (x)->older->newer = (x)->newer;                    \
	else (l)->oldest = (x)->newer;                                     \
	if ((x)->newer) (x)->newer->older = (x)->older;                    \
	else (l)->newest = (x)->older;                                     \
	(x)->older = (x)->newer = NULL;                                    \
	(l)->n--;                                                          \
} while (0)
#define LRU_PUSH(l, x, type) do {                                      \
	(x)->older = (type *)(l)->newest;                                  \
	(x)->newer = NULL;                                                 \
	if ((x)->older) (x)->older->newer = (x);                           \
	else (l)->oldest = (x);                                            \
	(l)->newest = (x);                                                 \
	(l)->n++;                                                          \
} while (0)

struct flowkeys *flowkeys_new(unsigned max_flows)
{
	struct flowkeys *fk = calloc(1, sizeof(*fk));

	if (!fk)
		return NULL;
	fk->max = max_flows ? max_flows : 1;
	fk->gen = 1;
	if (getrandom(&fk->seed, sizeof(fk->seed), GRND_NONBLOCK) !=
	    sizeof(fk->seed))
		fk->seed = (uint32_t)(uintptr_t)fk;
	return fk;
}

static struct fsess **sess_slot(struct flowkeys *fk, const uint8_t cr[32])
{
	struct fsess **pp = &fk->sb[hash(fk, cr, 32)];

	while (*pp && memcmp((*pp)->cr, cr, 32))
		pp = &(*pp)->next;
	return pp;
}

static void sess_free(struct flowkeys *fk, struct fsess *x)
{
	struct fsess **pp = sess_slot(fk, x->cr);

	*pp = x->next;
	if (!x->flow)
		LRU_UNLINK(&fk->orphans, x);
	keys_set_clear(&x->keys);
	free(x);
}

static struct fflow **flow_slot(struct flowkeys *fk,
				const struct seq_flow_key *k)
{
	struct fflow **pp = &fk->fb[hash(fk, k, sizeof(*k))];

	while (*pp && memcmp(&(*pp)->key, k, sizeof(*k)))
		pp = &(*pp)->next;
	return pp;
}

static void hist_free(struct flowkeys *fk, struct fflow *f)
{
	while (f->hist) {
		struct hpkt *h = f->hist;

		f->hist = h->next;
		free(h);
	}
	f->hist_tail = &f->hist;
	fk->hist_bytes -= f->hist_bytes;
	f->hist_bytes = 0;
}

static void flow_free(struct flowkeys *fk, struct fflow *f)
{
	struct fflow **pp = flow_slot(fk, &f->key);

	hist_free(fk, f);
	*pp = f->next;
	LRU_UNLINK(&fk->flows, f);
	for (int i = 0; i < f->n; i++) {
		f->sess[i]->flow = NULL;
		LRU_PUSH(&fk->orphans, f->sess[i], struct fsess);
		sess_free(fk, f->sess[i]);
	}
	free(f);
}

void flowkeys_free(struct flowkeys *fk)
{
	if (!fk)
		return;
	while (fk->flows.oldest)
		flow_free(fk, fk->flows.oldest);
	while (fk->orphans.oldest)
		sess_free(fk, fk->orphans.oldest);
	free(fk);
}

void flowkeys_next_file(struct flowkeys *fk)
{
	fk->gen++;
}

/* The session of cr, made (with no flow, no lines) when new. */
static struct fsess *sess_get(struct flowkeys *fk, const uint8_t cr[32])
{
	struct fsess **pp = sess_slot(fk, cr), *x = *pp;

	if (x)
		return x;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	memcpy(x->cr, cr, 32);
	x->gen = fk->gen - 1;
	*pp = x;
	LRU_PUSH(&fk->orphans, x, struct fsess);
	if (fk->orphans.n > fk->max) {
		fk->st.evicted++;
		sess_free(fk, fk->orphans.oldest);
	}
	return x;
}

/* Whether x's lines are to be written again: not all of them are in
 * this file yet (they are from now on). */
static bool catch_up(struct flowkeys *fk, struct fsess *x)
{
	if (x->gen == fk->gen)
		return false;
	x->gen = fk->gen;
	if (!x->keys.n)
		return false;
	fk->st.reemitted++;
	return true;
}

int flowkeys_dsb(struct flowkeys *fk, const struct keys_set *keys,
		 struct keys_set *out)
{
	struct fsess *x;
	bool again;

	*out = *keys;
	if (!keys->n)
		return 0;
	x = sess_get(fk, keys->line[0].client_random);
	if (!x)
		return -ENOMEM;
	again = catch_up(fk, x);
	keys_set_merge(&x->keys, keys);
	if (again) /* its earlier lines first, then these */
		*out = x->keys;
	return 0;
}

/* The flow of k, made when new (the least recently seen one goes when
 * there are too many). */
static struct fflow *flow_get(struct flowkeys *fk, const struct seq_flow_key *k)
{
	struct fflow **pp = flow_slot(fk, k), *f = *pp;

	if (f) {
		LRU_UNLINK(&fk->flows, f);
		LRU_PUSH(&fk->flows, f, struct fflow);
		return f;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = *k;
	f->gen = fk->gen;
	f->hist_tail = &f->hist;
	*pp = f;
	LRU_PUSH(&fk->flows, f, struct fflow);
	if (fk->flows.n > fk->max) {
		fk->st.evicted++;
		flow_free(fk, fk->flows.oldest);
	}
	return f;
}

/* A ClientHello of cr on flow f: the session joins the flow. */
static int flow_adopt(struct flowkeys *fk, struct fflow *f, const uint8_t cr[32])
{
	struct fsess *x;

	for (int i = 0; i < f->n; i++)
		if (!memcmp(f->sess[i]->cr, cr, 32))
			return 0; /* a retransmission, or after a HelloRetryRequest */
	x = sess_get(fk, cr);
	if (!x)
		return -ENOMEM;
	if (x->flow) /* the same random on two flows: the newer wins */
		return 0;
	if (f->n == FLOW_SESS) { /* the 4-tuple reused: the oldest goes */
		LRU_PUSH(&fk->orphans, f->sess[0], struct fsess);
		f->sess[0]->flow = NULL;
		sess_free(fk, f->sess[0]);
		memmove(f->sess, f->sess + 1, sizeof(f->sess[0]) * (FLOW_SESS - 1));
		f->n--;
	}
	LRU_UNLINK(&fk->orphans, x);
	x->flow = f;
	f->sess[f->n++] = x;
	return 0;
}

/* The keys of f's sessions that this file lacks, as one DSB. */
static int flow_catch_up(struct flowkeys *fk, struct fflow *f,
			 const struct flowkeys_out *out)
{
	struct keys_set sets[FLOW_SESS];
	unsigned n = 0;
	int err = 0;

	for (int i = 0; i < f->n; i++)
		if (catch_up(fk, f->sess[i]))
			sets[n++] = f->sess[i]->keys;
	if (n)
		err = out->dsb(out->ctx, sets, n);
	explicit_bzero(sets, n * sizeof(sets[0]));
	return err;
}

/* f's first packet in this file: its keys, then its history. */
static int flow_carry(struct flowkeys *fk, struct fflow *f,
		      const struct flowkeys_out *out)
{
	int err = flow_catch_up(fk, f, out);

	if (f->gen == fk->gen)
		return err;
	f->gen = fk->gen;
	for (struct hpkt *h = f->hist; h && !err; h = h->next) {
		err = out->carry(out->ctx, &h->p);
		fk->st.carried++;
	}
	return err;
}

/* p joins f's history (a copy), within the bounds. */
static int flow_remember(struct flowkeys *fk, struct fflow *f,
			 const struct seq_packet *p, uint64_t ts_ns)
{
	uint32_t len = p->headlen + p->bodylen;
	struct hpkt *h;

	if (f->hist_off)
		return 0;
	if (f->hist_bytes + len > FLOWKEYS_HISTORY_FLOW ||
	    fk->hist_bytes + len > FLOWKEYS_HISTORY_ALL) {
		fk->st.too_long++;
		f->hist_off = true;
		hist_free(fk, f);
		return 0;
	}
	h = malloc(sizeof(*h) + len);
	if (!h)
		return -ENOMEM;
	memcpy(h->data, p->head, p->headlen);
	memcpy(h->data + p->headlen, p->body, p->bodylen);
	h->p = (struct flowkeys_pkt){ p->iface, p->dir, ts_ns, len, p->origlen,
				      h->data, NULL };
	if (p->owner) {
		h->owner = *p->owner;
		h->p.owner = &h->owner;
	}
	h->next = NULL;
	*f->hist_tail = h;
	f->hist_tail = &h->next;
	f->hist_bytes += len;
	fk->hist_bytes += len;
	return 0;
}

/* A flow that ended (RST, or FIN from both sides) is forgotten. */
static void packet_end(struct flowkeys *fk, const struct seq_flow_key *k,
		       bool from_a, uint8_t flags)
{
	struct fflow *f = *flow_slot(fk, k);

	if (!f || !(flags & (TCP_FIN | TCP_RST)))
		return;
	if (flags & TCP_FIN)
		f->fin |= from_a ? 1 : 2;
	if ((flags & TCP_RST) || f->fin == 3) {
		fk->st.ended++;
		flow_free(fk, f);
	}
}

/* The flow of a TCP packet: found, or made for a ClientHello. */
static struct fflow *packet_flow(struct flowkeys *fk,
				 const struct seq_flow_key *k, int hello)
{
	struct fflow *f = hello == 1 ? flow_get(fk, k) : *flow_slot(fk, k);

	if (f && hello != 1) { /* most recently seen */
		LRU_UNLINK(&fk->flows, f);
		LRU_PUSH(&fk->flows, f, struct fflow);
	}
	return f;
}

int flowkeys_packet(struct flowkeys *fk, const struct seq_packet *p,
		    uint64_t ts_ns, const struct flowkeys_out *out)
{
	struct seq_flow_key k;
	struct seq_tcp_info ti;
	struct fflow *f;
	uint8_t cr[32];
	int hello, err = 0;

	hello = p->ip ? seq_parse_tcp(p->ip, p->iplen, &k, cr, &ti) : -1;
	if (hello < 0)
		return 0;
	f = packet_flow(fk, &k, hello);
	if (!f)
		return hello == 1 ? -ENOMEM : 0;
	if (hello == 1)
		err = flow_adopt(fk, f, cr);
	if (!err)
		err = flow_carry(fk, f, out);
	if (!err && ti.payload)
		err = flow_remember(fk, f, p, ts_ns);
	if (!err)
		packet_end(fk, &k, ti.from_a, ti.flags);
	return err;
}

void flowkeys_get_stats(const struct flowkeys *fk, struct flowkeys_stats *st)
{
	*st = fk->st;
	st->flows = fk->flows.n;
}
