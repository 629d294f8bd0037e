/* sequencer.c - see sequencer.h. */
#include "out/sequencer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 1024
#define N_DONE 4096 /* client randoms whose keys are complete */

struct held {
	struct held *next;
	struct seq_packet p; /* head/body point into data */
	uint8_t data[];
};

struct flow {
	struct flow *next;       /* hash chain */
	struct flow *older, *newer; /* by hold start, for the timeout */
	struct seq_flow_key key;
	uint8_t cr[32];
	uint64_t since_ns;
	struct held *first, **tail;
	size_t bytes;
};

struct sequencer {
	uint64_t hold_ns;
	size_t max_bytes, bytes;
	seq_write_fn fn;
	void *ctx;
	struct flow *buckets[N_BUCKETS];
	struct flow *oldest, *newest;
	uint8_t done[N_DONE][32]; /* ring of complete client randoms */
	unsigned n_done;
	struct seq_stats st;
};

static unsigned hash_key(const struct seq_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u; /* FNV-1a */
	return h % N_BUCKETS;
}

/* TLS record header (type 22, version 3.x), handshake type 1, then the
 * client version and the 32-byte random: RFC 8446 §4.1.2, §5.1. */
static int client_hello(const uint8_t *pl, uint32_t n, uint8_t cr[32])
{
	if (n < 43 || pl[0] != 22 || pl[1] != 3 || pl[5] != 1)
		return 0;
	memcpy(cr, pl + 11, 32);
	return 1;
}

static void order(struct seq_flow_key *k, const uint8_t *s, const uint8_t *d,
		  size_t alen, uint16_t sp, uint16_t dp)
{
	int c = memcmp(s, d, alen);

	if (c > 0 || (c == 0 && sp > dp)) {
		const uint8_t *t = s;
		uint16_t tp = sp;

		s = d, d = t, sp = dp, dp = tp;
	}
	memcpy(k->a, s, alen);
	memcpy(k->b, d, alen);
	k->pa = sp;
	k->pb = dp;
}

int seq_parse(const uint8_t *ip, uint32_t len, struct seq_flow_key *key,
	      uint8_t cr[32])
{
	uint32_t l4, doff;
	const uint8_t *src, *dst;
	size_t alen;

	memset(key, 0, sizeof(*key));
	if (len >= 20 && ip[0] >> 4 == 4 && ip[9] == 6 &&
	    !((ip[6] & 0x1f) | ip[7])) { /* TCP, first fragment or whole */
		l4 = (ip[0] & 0xf) * 4u, src = ip + 12, dst = ip + 16, alen = 4;
	} else if (len >= 40 && ip[0] >> 4 == 6 && ip[6] == 6) {
		l4 = 40, src = ip + 8, dst = ip + 24, alen = 16, key->v6 = 1;
	} else {
		return -1;
	}
	if (len < l4 + 20)
		return -1;
	order(key, src, dst, alen, (uint16_t)(ip[l4] << 8 | ip[l4 + 1]),
	      (uint16_t)(ip[l4 + 2] << 8 | ip[l4 + 3]));
	doff = (ip[l4 + 12] >> 4) * 4u;
	if (doff < 20 || len < l4 + doff)
		return 0;
	return client_hello(ip + l4 + doff, len - l4 - doff, cr);
}

struct sequencer *seq_new(uint64_t hold_ns, size_t max_bytes,
			  seq_write_fn fn, void *ctx)
{
	struct sequencer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->hold_ns = hold_ns;
	s->max_bytes = max_bytes;
	s->fn = fn;
	s->ctx = ctx;
	return s;
}

static struct flow *find(struct sequencer *s, const struct seq_flow_key *k)
{
	struct flow *f = s->buckets[hash_key(k)];

	while (f && memcmp(&f->key, k, sizeof(*k)))
		f = f->next;
	return f;
}

static bool keys_done(const struct sequencer *s, const uint8_t cr[32])
{
	unsigned i, n = s->n_done < N_DONE ? s->n_done : N_DONE;

	for (i = 0; i < n; i++) /* newest first: the likely match */
		if (!memcmp(s->done[(s->n_done - 1 - i) % N_DONE], cr, 32))
			return true;
	return false;
}

static void unlink_flow(struct sequencer *s, struct flow *f)
{
	struct flow **pp = &s->buckets[hash_key(&f->key)];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	if (f->older)
		f->older->newer = f->newer;
	else
		s->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		s->newest = f->older;
}

/* Writes the flow's packets in order and forgets the flow. */
static int release(struct sequencer *s, struct flow *f)
{
	struct held *h = f->first, *next;
	int err = 0;

	unlink_flow(s, f);
	for (; h; h = next) {
		next = h->next;
		if (!err)
			err = s->fn(s->ctx, &h->p);
		free(h);
	}
	s->bytes -= f->bytes;
	free(f);
	return err;
}

static struct flow *start_flow(struct sequencer *s,
			       const struct seq_flow_key *k,
			       const uint8_t cr[32], uint64_t now)
{
	struct flow *f = calloc(1, sizeof(*f));
	unsigned b = hash_key(k);

	if (!f)
		return NULL;
	f->key = *k;
	memcpy(f->cr, cr, 32);
	f->since_ns = now;
	f->tail = &f->first;
	f->next = s->buckets[b];
	s->buckets[b] = f;
	f->older = s->newest;
	if (s->newest)
		s->newest->newer = f;
	else
		s->oldest = f;
	s->newest = f;
	return f;
}

static int hold(struct sequencer *s, struct flow *f, const struct seq_packet *p)
{
	size_t n = (size_t)p->headlen + p->bodylen;
	struct held *h = malloc(sizeof(*h) + n);

	if (!h)
		return -ENOMEM;
	if (p->headlen)
		memcpy(h->data, p->head, p->headlen);
	memcpy(h->data + p->headlen, p->body, p->bodylen);
	h->p = *p;
	h->p.head = h->data;
	h->p.body = h->data + p->headlen;
	h->next = NULL;
	*f->tail = h;
	f->tail = &h->next;
	f->bytes += n;
	s->bytes += n;
	s->st.held++;
	while (s->bytes > s->max_bytes && s->oldest) {
		int err;

		s->st.overflow++;
		err = release(s, s->oldest);
		if (err)
			return err;
	}
	return 0;
}

int seq_packet(struct sequencer *s, const struct seq_packet *p,
	       const uint8_t *ip, uint32_t iplen, uint64_t now_ns)
{
	struct seq_flow_key k;
	struct flow *f;
	uint8_t cr[32];
	int ch, err;

	ch = ip ? seq_parse(ip, iplen, &k, cr) : -1;
	if (ch < 0)
		return s->fn(s->ctx, p);
	f = find(s, &k);
	if (ch == 1 && f && memcmp(f->cr, cr, 32)) {
		/* A new handshake on the same 4-tuple: the old one is over. */
		err = release(s, f);
		if (err)
			return err;
		f = NULL;
	}
	if (!f && ch == 1 && !keys_done(s, cr))
		f = start_flow(s, &k, cr, now_ns);
	if (!f)
		return s->fn(s->ctx, p);
	return hold(s, f, p);
}

int seq_keys(struct sequencer *s, const uint8_t cr[32], bool complete)
{
	struct flow *f, *next;
	int err = 0;

	if (!complete)
		return 0; /* the DSB is in; the flow waits for the rest */
	memcpy(s->done[s->n_done++ % N_DONE], cr, 32);
	for (f = s->oldest; f && !err; f = next) {
		next = f->newer;
		if (!memcmp(f->cr, cr, 32)) {
			s->st.released++;
			err = release(s, f);
		}
	}
	return err;
}

int seq_tick(struct sequencer *s, uint64_t now_ns)
{
	int err = 0;

	while (!err && s->oldest && now_ns - s->oldest->since_ns >= s->hold_ns) {
		s->st.timed_out++;
		err = release(s, s->oldest);
	}
	return err;
}

int seq_drain(struct sequencer *s)
{
	int err = 0, e;

	while (s->oldest) {
		e = release(s, s->oldest);
		err = err ? err : e;
	}
	return err;
}

void seq_get_stats(const struct sequencer *s, struct seq_stats *out)
{
	*out = s->st;
}

void seq_free(struct sequencer *s)
{
	struct held *h, *next;

	if (!s)
		return;
	while (s->oldest) { /* discard: seq_drain is the way to keep them */
		struct flow *f = s->oldest;

		unlink_flow(s, f);
		for (h = f->first; h; h = next) {
			next = h->next;
			free(h);
		}
		free(f);
	}
	free(s);
}
