// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* sequencer.c - see sequencer.h. */
#include "join/sequencer.h"
#include "join/crset.h"
#include "join/renego.h"
#include "join/streams.h"
#include "crypto/keys.h"
#include "crypto/verify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 1024
#define N_RING 4096    /* client randoms remembered (seen, done) */
#define N_PENDING 1024 /* sessions whose keys wait for their ClientHello */
/* Bytes of each direction the key check may look at: the handshake up
 * to the first encrypted records (a certificate chain, a 16 KiB record). */
#define CHECK_BYTES (128u << 10)
/* How long a flow whose keys are complete may wait for the records its
 * check needs (a TLS 1.3 server's first application record) before the
 * check decides on what it has. */
#define CHECK_WAIT_NS (200ull * 1000000)

/* Keys that came before their ClientHello was seen. */
struct pending {
	struct pending *next;
	uint8_t cr[32];
	uint64_t since_ns;
	bool complete;
	struct keys_set keys;
};

struct held {
	struct held *next;
	struct seq_packet p; /* head/body point into data, owner to owner */
	uint32_t iplen;      /* the IP packet: the last iplen bytes of data */
	struct conn_owner owner;
	uint8_t data[];
};

struct flow {
	struct flow *next;       /* hash chain */
	struct flow *next_cr;    /* chain of the client random's bucket */
	struct flow *older, *newer; /* by hold start, for the timeout */
	struct seq_flow_key key;
	uint8_t cr[32];
	uint64_t since_ns;
	struct held *first, **tail;
	size_t n_held, bytes;
	struct keys_set keys; /* one DSB, before its packets */
	bool complete;   /* all its keys are in keys */
	size_t checked;  /* stream bytes the last undecided check saw */
	uint64_t complete_ns; /* when the keys became complete */
	bool waiting;    /* complete, the check undecided: in n_waiting */
	bool client_is_a; /* the client is key.a (from its ClientHello) */
	/* A second handshake, started encrypted (join/renego.h): held with
	 * no client random until keys of a session never seen in clear
	 * prove to be its own (the check opens its records with them). */
	bool reneg;
	bool proven;     /* its keys passed the check already */
	/* Its ServerHello's random and suite (as KEYS_SERVER_HELLO): read
	 * in clear (a first handshake) or, for a renegotiation, decrypted
	 * with prev, the session before it (seq_hello_fn), once. */
	bool have_hello, hello_failed;
	uint8_t hello[34];
	size_t hello_seen; /* server stream bytes the last reading saw */
	struct renego_prev prev;
};

struct sequencer {
	uint64_t hold_ns;
	size_t max_bytes, bytes;
	seq_write_fn fn;
	seq_dsb_fn dsb;
	seq_check_fn check;
	seq_wants_fn wants;
	seq_hello_fn hello;
	void *ctx;
	struct flow *buckets[N_BUCKETS];
	struct flow *by_cr[N_BUCKETS];
	unsigned n_waiting; /* flows with f->waiting */
	unsigned n_reneg;   /* flows with f->reneg */
	struct flow *oldest, *newest;
	struct crset *done;   /* sessions whose keys are complete */
	struct crset *seen;   /* sessions whose ClientHello was captured */
	struct renego *renego; /* TLS 1.2 flows watched for a renegotiation */
	struct pending *pending; /* newest first */
	unsigned n_pending;
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

/* The canonical key (lower end first); true when the sender is side a. */
static bool order(struct seq_flow_key *k, const uint8_t *s, const uint8_t *d,
		  size_t alen, uint16_t sp, uint16_t dp)
{
	int c = memcmp(s, d, alen);
	bool swap = c > 0 || (c == 0 && sp > dp);

	if (swap) {
		const uint8_t *t = s;
		uint16_t tp = sp;

		s = d, d = t, sp = dp, dp = tp;
	}
	memcpy(k->a, s, alen);
	memcpy(k->b, d, alen);
	k->pa = sp;
	k->pb = dp;
	return !swap;
}

/* A TCP packet's canonical flow key, its payload, whether its sender
 * is the key's side a, and its flags: 0, or -1 (not TCP, too short). */
static int parse_tcp_flags(const uint8_t *ip, uint32_t len,
			   struct seq_flow_key *key, const uint8_t **pl,
			   uint32_t *pl_len, bool *src_is_a, uint8_t *flags)
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
	*src_is_a = order(key, src, dst, alen,
			  (uint16_t)(ip[l4] << 8 | ip[l4 + 1]),
			  (uint16_t)(ip[l4 + 2] << 8 | ip[l4 + 3]));
	doff = (ip[l4 + 12] >> 4) * 4u;
	*flags = ip[l4 + 13];
	*pl = ip + l4 + doff;
	*pl_len = doff >= 20 && len >= l4 + doff ? len - l4 - doff : 0;
	return 0;
}

static int parse_tcp(const uint8_t *ip, uint32_t len, struct seq_flow_key *key,
		     const uint8_t **pl, uint32_t *pl_len, bool *src_is_a)
{
	uint8_t flags;

	return parse_tcp_flags(ip, len, key, pl, pl_len, src_is_a, &flags);
}

int seq_parse_tcp(const uint8_t *ip, uint32_t len, struct seq_flow_key *key,
		  uint8_t cr[32], struct seq_tcp_info *ti)
{
	const uint8_t *pl;

	if (parse_tcp_flags(ip, len, key, &pl, &ti->payload, &ti->from_a,
			    &ti->flags))
		return -1;
	return client_hello(pl, ti->payload, cr);
}

int seq_parse(const uint8_t *ip, uint32_t len, struct seq_flow_key *key,
	      uint8_t cr[32])
{
	struct seq_tcp_info ti;

	return seq_parse_tcp(ip, len, key, cr, &ti);
}

struct sequencer *seq_new(uint64_t hold_ns, size_t max_bytes,
			  seq_write_fn fn, seq_dsb_fn dsb, void *ctx)
{
	struct sequencer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->seen = crset_new(N_RING);
	s->done = crset_new(N_RING);
	s->renego = renego_new();
	if (!s->seen || !s->done || !s->renego) {
		seq_free(s);
		return NULL;
	}
	s->hold_ns = hold_ns;
	s->max_bytes = max_bytes;
	s->fn = fn;
	s->dsb = dsb;
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

static struct flow **cr_bucket(struct sequencer *s, const uint8_t cr[32])
{
	/* keyed, as peers choose client randoms */
	return &s->by_cr[(crset_hash(s->seen, cr) >> 40) % N_BUCKETS];
}

static void unlink_flow(struct sequencer *s, struct flow *f)
{
	struct flow **pp = &s->buckets[hash_key(&f->key)];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	for (pp = cr_bucket(s, f->cr); *pp != f;)
		pp = &(*pp)->next_cr;
	*pp = f->next_cr;
	s->n_waiting -= f->waiting;
	s->n_reneg -= f->reneg;
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
	keys_set_clear(&f->keys);
	explicit_bzero(&f->prev, sizeof(f->prev));
	free(f);
	return err;
}

static const uint8_t *ip_of(const struct held *h)
{
	return h->data + h->p.headlen + h->p.bodylen - h->iplen;
}

/* The IP packets of the flow, in capture order, its client's first (the
 * streams take their sender as the client: a renegotiation the server
 * starts begins with the server's HelloRequest).  The count. */
static size_t flow_packets(const struct flow *f, const uint8_t **pkts,
			   uint32_t *lens)
{
	const struct held *h, *first = NULL;
	struct seq_flow_key k;
	const uint8_t *pl;
	uint32_t pn;
	size_t n = 0;
	bool a;

	for (h = f->first; h && !first; h = h->next)
		if (h->iplen && !parse_tcp(ip_of(h), h->iplen, &k, &pl, &pn, &a) &&
		    a == f->client_is_a)
			first = h;
	if (first) {
		pkts[n] = ip_of(first);
		lens[n++] = first->iplen;
	}
	for (h = f->first; h; h = h->next)
		if (h->iplen && h != first) {
			pkts[n] = ip_of(h);
			lens[n++] = h->iplen;
		}
	return n;
}

/* The flow's two streams, as far as captured: 0 or -ENOMEM (st is
 * always valid to streams_free). */
static int flow_streams(const struct flow *f, struct streams *st)
{
	const uint8_t **pkts = malloc(f->n_held * sizeof(*pkts));
	uint32_t *lens = malloc(f->n_held * sizeof(*lens));
	int rc = -ENOMEM;

	if (pkts && lens)
		rc = streams_build(pkts, lens, flow_packets(f, pkts, lens),
				   CHECK_BYTES, st);
	free(pkts);
	free(lens);
	return rc;
}

/* The check on what is captured of the flow, for the keys of session
 * cr: 1 write them, 0 drop them, -EAGAIN wait for more packets.
 * *checked: the stream bytes the last undecided check saw. */
static int check_streams(struct sequencer *s, struct flow *f,
			 const uint8_t cr[32], struct keys_set *keys,
			 unsigned flags, size_t *checked, bool final)
{
	struct streams st = { 0 };
	/* no memory for the check: the keys go unchecked, but a
	 * renegotiation's are not known to be the flow's */
	int rc = !(flags & SEQ_CHECK_RENEG);

	if (!flow_streams(f, &st)) {
		size_t seen = st.cli_len + st.srv_len;

		/* nothing new since it could not decide: it cannot now */
		rc = seen == *checked && !final ? -EAGAIN :
		     s->check(s->ctx, cr, &st, keys, flags, final);
		*checked = seen;
	}
	streams_free(&st);
	return rc;
}

static int check_flow(struct sequencer *s, struct flow *f, bool final)
{
	return check_streams(s, f, f->cr, &f->keys, 0, &f->checked, final);
}

/* The flow's session, for a renegotiation after it: its client random
 * and master secret, its ServerHello's random and suite (pv->have
 * unset when one is not known). */
static void prev_of(const struct flow *f, struct renego_prev *pv)
{
	const struct keys_line *m = keys_set_find(&f->keys, KEYS_CLIENT_RANDOM);
	const struct keys_line *h = keys_set_find(&f->keys, KEYS_SERVER_HELLO);

	memset(pv, 0, sizeof(*pv));
	if (h && h->secret_len != sizeof(pv->hello))
		h = NULL;
	if (!m || m->secret_len != sizeof(pv->master) || (!h && !f->have_hello))
		return;
	memcpy(pv->client_random, m->client_random, 32);
	memcpy(pv->master, m->secret, sizeof(pv->master));
	memcpy(pv->hello, f->have_hello ? f->hello : h->secret, sizeof(pv->hello));
	pv->have = true;
}

/* The flow is watched for a second handshake, from what it carried. */
static void watch(struct sequencer *s, const struct flow *f)
{
	struct renego_prev pv;
	struct seq_flow_key k;
	const struct held *h;
	const uint8_t *pl;
	uint32_t pn;
	bool a;

	prev_of(f, &pv);
	renego_add(s->renego, &f->key, f->client_is_a, &pv);
	explicit_bzero(&pv, sizeof(pv));
	for (h = f->first; h; h = h->next)
		if (h->iplen && !parse_tcp(ip_of(h), h->iplen, &k, &pl, &pn, &a))
			renego_note(s->renego, &k, pl, pn, a);
}

/* Lets the flow go, its keys first unless the check refuses them: 0 or
 * a write error.  With final unset, a flow whose check needs more
 * packets stays: returns 1. */
static int settle(struct sequencer *s, struct flow *f, bool final)
{
	int v = 1, err = 0, e;

	if (f->keys.n && s->check && !f->proven &&
	    (!s->wants || s->wants(s->ctx, f->cr, &f->keys))) {
		v = check_flow(s, f, final);
		if (v == -EAGAIN && !final) {
			s->n_waiting += !f->waiting;
			f->waiting = true;
			return 1;
		}
	}
	if (v == 0)
		s->st.keys_refused++;
	else if (f->keys.n)
		err = s->dsb(s->ctx, &f->keys);
	if (f->complete)
		crset_add(s->done, f->cr);
	/* TLS 1.2 with its keys out: watch it for a second handshake */
	if (v != 0 && keys_set_find(&f->keys, KEYS_CLIENT_RANDOM))
		watch(s, f);
	e = release(s, f);
	return err ?: e;
}

/* Keys join the flow's (they go out with it, as one DSB). */
static void add_keys(struct flow *f, const struct keys_set *keys,
		     bool complete, uint64_t now)
{
	keys_set_merge(&f->keys, keys);
	if (complete && !f->complete)
		f->complete_ns = now;
	f->complete = f->complete || complete;
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
	f->next_cr = *cr_bucket(s, cr);
	*cr_bucket(s, cr) = f;
	f->older = s->newest;
	if (s->newest)
		s->newest->newer = f;
	else
		s->oldest = f;
	s->newest = f;
	return f;
}

static int hold(struct sequencer *s, struct flow *f, const struct seq_packet *p,
		uint32_t iplen)
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
	/* the IP header, where it lies in the body: the copy's */
	h->p.ip = NULL;
	if (p->ip && p->ip >= p->body && p->ip < p->body + p->bodylen) {
		h->p.ip = h->p.body + (p->ip - p->body);
		h->p.iplen = (uint32_t)(p->body + p->bodylen - p->ip);
		if (p->iplen < h->p.iplen)
			h->p.iplen = p->iplen;
	}
	if (p->owner) {
		h->owner = *p->owner;
		h->p.owner = &h->owner;
	}
	h->iplen = iplen <= n ? iplen : 0;
	h->next = NULL;
	*f->tail = h;
	f->tail = &h->next;
	f->n_held++;
	f->bytes += n;
	s->bytes += n;
	s->st.held++;
	while (s->bytes > s->max_bytes && s->oldest) {
		int err;

		s->st.overflow++;
		err = settle(s, s->oldest, true);
		if (err)
			return err;
	}
	return 0;
}

/* Detaches the pending keys of cr, if any. */
static struct pending *take_pending(struct sequencer *s, const uint8_t cr[32])
{
	struct pending **pp = &s->pending, *p;

	for (; *pp; pp = &(*pp)->next)
		if (!memcmp((*pp)->cr, cr, 32)) {
			p = *pp;
			*pp = p->next;
			s->n_pending--;
			return p;
		}
	return NULL;
}

/* The held flow of a session, if any. */
static struct flow *flow_of(struct sequencer *s, const uint8_t cr[32])
{
	struct flow *f = *cr_bucket(s, cr);

	while (f && memcmp(f->cr, cr, 32))
		f = f->next_cr;
	return f;
}

/* A flow whose keys are complete goes, once its check is decided. */
static int try_settle(struct sequencer *s, struct flow *f)
{
	int rc;

	if (!f->complete)
		return 0;
	rc = settle(s, f, false);
	s->st.released += rc == 0;
	return rc > 0 ? 0 : rc;
}

/* A captured ClientHello of session cr on flow k (f: held already, or
 * NULL): keys that waited for it join the flow, which is held unless
 * the session is done.  Returns the flow (NULL: not held) in *out. */
static int hello_seen(struct sequencer *s, const struct seq_flow_key *k,
		      const uint8_t cr[32], uint64_t now, struct flow **out)
{
	struct pending *p;
	struct flow *f = *out;
	int err = 0;

	crset_add(s->seen, cr);
	p = take_pending(s, cr);
	if (!f && (p || crset_find(s->done, cr) < 0))
		f = start_flow(s, k, cr, now);
	if (p && f)
		add_keys(f, &p->keys, p->complete, now);
	else if (p) /* no memory for a flow: the keys go first, unchecked */
		err = s->dsb(s->ctx, &p->keys);
	if (p)
		keys_set_clear(&p->keys);
	free(p);
	*out = f;
	return err;
}

/* The flow's client random becomes cr (its renegotiation's keys). */
static void set_cr(struct sequencer *s, struct flow *f, const uint8_t cr[32])
{
	struct flow **pp = cr_bucket(s, f->cr);

	while (*pp != f)
		pp = &(*pp)->next_cr;
	*pp = f->next_cr;
	memcpy(f->cr, cr, 32);
	f->next_cr = *cr_bucket(s, cr);
	*cr_bucket(s, cr) = f;
}

/* A key line of session cr: label, secret. */
static void put_line(struct keys_set *set, unsigned label,
		     const uint8_t cr[32], const uint8_t *secret, size_t len)
{
	struct keys_line l = { .label = (uint8_t)label,
			       .secret_len = (uint8_t)len };

	memcpy(l.client_random, cr, 32);
	memcpy(l.secret, secret, len);
	keys_set_put(set, &l);
	explicit_bzero(&l, sizeof(l));
}

/* The renegotiation's ServerHello, read once with the session before it
 * (for keys that do not bring it): f->have_hello, or f->hello_failed
 * when it cannot be read. */
static void reneg_hello(struct sequencer *s, struct flow *f, bool final)
{
	struct keys_set prev = { 0 };
	struct streams st = { 0 };
	int rc;

	if (!s->hello || !f->prev.have || f->have_hello || f->hello_failed)
		return;
	if (!flow_streams(f, &st) && (st.srv_len > f->hello_seen || final)) {
		f->hello_seen = st.srv_len;
		put_line(&prev, KEYS_CLIENT_RANDOM, f->prev.client_random,
			 f->prev.master, sizeof(f->prev.master));
		put_line(&prev, KEYS_SERVER_HELLO, f->prev.client_random,
			 f->prev.hello, sizeof(f->prev.hello));
		rc = s->hello(s->ctx, &st, &prev, final, f->hello);
		keys_set_clear(&prev);
		f->have_hello = rc == 1;
		f->hello_failed = rc != 1 && rc != -EAGAIN;
	}
	streams_free(&st);
}

/* Pending keys as a candidate for the renegotiation flow f: complete,
 * TLS 1.2, with the server random the check needs (theirs, or read from
 * the flow).  Into keys; false: not one. */
static bool reneg_candidate(struct sequencer *s, struct flow *f,
			    const struct pending *p, bool final,
			    struct keys_set *keys)
{
	if (!p->complete || !keys_set_find(&p->keys, KEYS_CLIENT_RANDOM))
		return false;
	*keys = p->keys; /* the check may add to them */
	if (keys_set_find(keys, KEYS_SERVER_HELLO))
		return true;
	reneg_hello(s, f, final);
	if (f->have_hello)
		put_line(keys, KEYS_SERVER_HELLO, p->cr, f->hello,
			 sizeof(f->hello));
	return f->have_hello;
}

/* A renegotiation flow takes the pending keys that open its records:
 * 1 taken (the flow is gone, written), 0 none fits yet, or an error. */
static int try_reneg(struct sequencer *s, struct flow *f, bool final)
{
	struct pending **pp = &s->pending, *p;
	struct keys_set keys;
	size_t checked;
	int rc;

	for (; (p = *pp); pp = rc == 1 ? pp : &p->next) {
		rc = 0;
		if (!reneg_candidate(s, f, p, final, &keys)) {
			keys_set_clear(&keys);
			continue;
		}
		checked = 0;
		rc = check_streams(s, f, p->cr, &keys, SEQ_CHECK_RENEG,
				   &checked, final);
		if (rc != 1) {
			keys_set_clear(&keys);
			continue;
		}
		*pp = p->next; /* its keys: the session is this flow's */
		s->n_pending--;
		crset_add(s->seen, p->cr);
		set_cr(s, f, p->cr);
		f->reneg = false;
		s->n_reneg--;
		f->proven = true;
		add_keys(f, &keys, true, f->since_ns); /* its server random too */
		keys_set_clear(&keys);
		keys_set_clear(&p->keys);
		free(p);
		s->st.released++;
		return settle(s, f, true) ?: 1;
	}
	return 0;
}

/* Every renegotiation flow tries the pending keys (new keys came). */
static int reneg_flows(struct sequencer *s, bool final_only, uint64_t now)
{
	struct flow *f, *next;
	int rc = 0;

	for (f = s->n_reneg ? s->oldest : NULL; f && rc >= 0; f = next) {
		next = f->newer;
		if (!f->reneg)
			continue;
		if (final_only && now - f->since_ns < s->hold_ns)
			break; /* younger ones are not timing out */
		rc = try_reneg(s, f, final_only);
		if (rc == 1)
			next = s->oldest; /* the list changed */
	}
	return rc < 0 ? rc : 0;
}

/* A first handshake's ServerHello, in clear at the start of the
 * server's first segment, after its record header (the record may go
 * on in later segments): its random and suite. */
static void clear_hello(struct flow *f, const uint8_t *pl, uint32_t n)
{
	if (n >= 5 && pl[0] == 22 && pl[1] == 3)
		f->have_hello = verify_hello_fields(pl + 5, n - 5, f->hello) == 1;
}

/* A segment of a flow not held: a renegotiation starting holds it. */
static struct flow *reneg_start(struct sequencer *s,
				const struct seq_flow_key *k,
				const uint8_t *pl, uint32_t n, bool src_a,
				uint64_t now)
{
	static const uint8_t none[32];
	struct renego_prev pv;
	struct flow *f;
	bool cli_a;

	if (!renego_packet(s->renego, k, pl, n, src_a, &cli_a, &pv))
		return NULL;
	f = start_flow(s, k, none, now);
	if (f) {
		f->reneg = true;
		f->client_is_a = cli_a;
		f->prev = pv;
		s->n_reneg++;
	}
	explicit_bzero(&pv, sizeof(pv));
	return f;
}

int seq_packet(struct sequencer *s, const struct seq_packet *p,
	       const uint8_t *ip, uint32_t iplen, uint64_t now_ns)
{
	struct seq_flow_key k;
	const uint8_t *pl;
	uint32_t pn;
	struct flow *f;
	uint8_t cr[32];
	int ch, err;
	bool src_a;

	if (!ip || parse_tcp(ip, iplen, &k, &pl, &pn, &src_a))
		return s->fn(s->ctx, p);
	ch = client_hello(pl, pn, cr);
	f = find(s, &k);
	if (ch == 1 && f && memcmp(f->cr, cr, 32)) {
		/* A new handshake on the same 4-tuple: the old one is over. */
		err = settle(s, f, true);
		if (err)
			return err;
		f = NULL;
	}
	if (ch == 1)
		renego_forget(s->renego, &k); /* a new connection, or 1.3 */
	if (ch == 1 && (err = hello_seen(s, &k, cr, now_ns, &f)))
		return err;
	if (ch == 1 && f)
		f->client_is_a = src_a;
	if (!f && ch == 0)
		f = reneg_start(s, &k, pl, pn, src_a, now_ns);
	if (!f)
		return s->fn(s->ctx, p);
	err = hold(s, f, p, iplen);
	/* hold may have let the oldest flows go: look f up again */
	f = err ? NULL : find(s, &k);
	if (f && !f->reneg && !f->have_hello && src_a != f->client_is_a)
		clear_hello(f, pl, pn);
	if (f && f->reneg)
		return try_reneg(s, f, false) < 0 ? -ENOMEM : 0;
	return f ? try_settle(s, f) : err;
}

/* Keys of a session not (yet) seen: they wait for its ClientHello. */
static int add_pending(struct sequencer *s, const uint8_t cr[32],
		       const struct keys_set *keys, bool complete,
		       uint64_t now_ns)
{
	struct pending *p = take_pending(s, cr);

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		memcpy(p->cr, cr, 32);
		p->since_ns = now_ns;
	}
	p->complete = complete;
	keys_set_merge(&p->keys, keys);
	p->next = s->pending;
	s->pending = p;
	s->n_pending++;
	return 0;
}

int seq_keys(struct sequencer *s, const uint8_t cr[32],
	     const struct keys_set *keys, bool complete, uint64_t now_ns)
{
	struct flow *f;
	int err = 0;

	if (crset_find(s->seen, cr) < 0) {
		/* a session never seen in clear: a renegotiation's? */
		err = add_pending(s, cr, keys, complete, now_ns);
		return err ?: reneg_flows(s, false, now_ns);
	}
	f = flow_of(s, cr);
	if (f) { /* held: the keys go out with it */
		add_keys(f, keys, complete, now_ns);
		return try_settle(s, f);
	}
	if (keys->n) /* its packets are out already */
		err = s->dsb(s->ctx, keys);
	if (!err && complete)
		crset_add(s->done, cr);
	return err;
}

/* Drops pending keys older than hold_ns (their session is not in the
 * capture), and the oldest beyond N_PENDING. */
static void expire_pending(struct sequencer *s, uint64_t now_ns)
{
	struct pending **pp = &s->pending, *p;
	unsigned kept = 0;

	while ((p = *pp)) {
		if (now_ns - p->since_ns >= s->hold_ns || ++kept > N_PENDING) {
			*pp = p->next;
			s->n_pending--;
			s->st.keys_dropped++;
			keys_set_clear(&p->keys);
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

bool seq_idle(const struct sequencer *s)
{
	return !s->oldest && !s->pending;
}

int seq_tick(struct sequencer *s, uint64_t now_ns)
{
	int err = 0;

	struct flow *f, *next;

	/* renegotiations about to time out: a last look at the keys */
	err = reneg_flows(s, true, now_ns);
	expire_pending(s, now_ns);
	while (!err && s->oldest && now_ns - s->oldest->since_ns >= s->hold_ns) {
		s->st.timed_out++;
		err = settle(s, s->oldest, true);
	}
	for (f = s->oldest; !err && s->n_waiting && f; f = next) {
		next = f->newer;
		if (f->waiting && now_ns - f->complete_ns >= CHECK_WAIT_NS) {
			s->st.released++;
			err = settle(s, f, true);
		}
	}
	return err;
}

int seq_drain(struct sequencer *s)
{
	int err = 0, e;

	while (s->oldest) {
		e = settle(s, s->oldest, true);
		err = err ? err : e;
	}
	return err;
}

void seq_set_check(struct sequencer *s, seq_check_fn check,
		   seq_wants_fn wants)
{
	s->check = check;
	s->wants = wants;
}

void seq_set_reneg_hello(struct sequencer *s, seq_hello_fn hello)
{
	s->hello = hello;
}

void seq_get_stats(const struct sequencer *s, struct seq_stats *out)
{
	*out = s->st;
}

void seq_free(struct sequencer *s)
{
	struct held *h, *next;
	struct pending *p;

	if (!s)
		return;
	while ((p = s->pending)) {
		s->pending = p->next;
		keys_set_clear(&p->keys);
		free(p);
	}
	while (s->oldest) { /* discard: seq_drain is the way to keep them */
		struct flow *f = s->oldest;

		unlink_flow(s, f);
		for (h = f->first; h; h = next) {
			next = h->next;
			free(h);
		}
		keys_set_clear(&f->keys);
		explicit_bzero(&f->prev, sizeof(f->prev));
		free(f);
	}
	renego_free(s->renego);
	crset_free(s->seen); /* last: the flows' chains hash with it */
	crset_free(s->done);
	free(s);
}
