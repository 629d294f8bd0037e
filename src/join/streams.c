// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* streams.c - see streams.h. */
#include "join/streams.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct endpoint {
	uint8_t addr[16];
	uint16_t port;
};

struct seg {
	uint32_t seq;
	uint32_t len;
	const uint8_t *p;
	size_t order; /* capture order: a stable sort */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

/* A TCP segment's ends, sequence number and payload; false if the packet
 * is not one (or is cut before its TCP header). */
static bool parse(const uint8_t *ip, uint32_t len, struct endpoint *src,
		  struct endpoint *dst, struct seg *sg)
{
	uint32_t l4, end, doff;

	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (len >= 20 && ip[0] >> 4 == 4 && ip[9] == 6 && !(ip[6] & 0x3f) &&
	    !ip[7]) { /* TCP, not a fragment */
		l4 = (ip[0] & 0xfu) * 4;
		end = (uint32_t)ip[2] << 8 | ip[3];
		memcpy(src->addr, ip + 12, 4);
		memcpy(dst->addr, ip + 16, 4);
	} else if (len >= 40 && ip[0] >> 4 == 6 && ip[6] == 6) {
		l4 = 40;
		end = 40 + ((uint32_t)ip[4] << 8 | ip[5]);
		memcpy(src->addr, ip + 8, 16);
		memcpy(dst->addr, ip + 24, 16);
	} else {
		return false;
	}
	if (end > len) /* cut by the snaplen: keep what is there */
		end = len;
	if (end < l4 + 20)
		return false;
	src->port = (uint16_t)(ip[l4] << 8 | ip[l4 + 1]);
	dst->port = (uint16_t)(ip[l4 + 2] << 8 | ip[l4 + 3]);
	doff = (ip[l4 + 12] >> 4) * 4u;
	if (doff < 20 || l4 + doff > end)
		return false;
	sg->seq = be32(ip + l4 + 4);
	sg->p = ip + l4 + doff;
	sg->len = end - l4 - doff;
	return true;
}

static int by_seq(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	int32_t d = (int32_t)(x->seq - y->seq);

	if (d)
		return d < 0 ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Lays the segments (sorted) end to end from base; stops at a gap. */
static int merge(struct seg *sg, size_t n, uint32_t base, size_t cap,
		 uint8_t **out, size_t *out_len)
{
	size_t have = 0, total = 0, i;
	uint8_t *buf;

	*out = NULL;
	*out_len = 0;
	for (i = 0; i < n; i++)
		total += sg[i].len;
	if (cap > total)
		cap = total; /* no more than the segments hold */
	if (!cap)
		return 0;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n && have < cap; i++) {
		uint32_t rel = sg[i].seq - base, skip, take;

		if ((int32_t)rel < 0 || rel > have)
			break; /* before the start, or a gap */
		skip = (uint32_t)have - rel;
		if (skip >= sg[i].len)
			continue; /* all of it we have already */
		take = sg[i].len - skip;
		if (take > cap - have)
			take = (uint32_t)(cap - have);
		memcpy(buf + have, sg[i].p + skip, take);
		have += take;
	}
	*out = buf;
	*out_len = have;
	return 0;
}

int streams_build(const uint8_t *const *pkts, const uint32_t *lens,
		  size_t n, size_t cap, struct streams *st)
{
	struct seg *cs = calloc(n ? n : 1, sizeof(*cs));
	struct seg *ss = calloc(n ? n : 1, sizeof(*ss));
	struct endpoint cli, srv, a, b;
	size_t nc = 0, ns = 0, i;
	uint32_t cbase = 0, sbase = 0;
	struct seg g;
	int err = -ENOMEM;

	memset(st, 0, sizeof(*st));
	if (!cs || !ss)
		goto out;
	err = 0;
	if (!n || !parse(pkts[0], lens[0], &cli, &srv, &g))
		goto out;
	cbase = g.seq;
	for (i = 0; i < n; i++) {
		if (!parse(pkts[i], lens[i], &a, &b, &g) || !g.len)
			continue;
		g.order = i;
		if (!memcmp(&a, &cli, sizeof(a)) && !memcmp(&b, &srv, sizeof(b))) {
			cs[nc++] = g;
		} else if (!memcmp(&a, &srv, sizeof(a)) &&
			   !memcmp(&b, &cli, sizeof(b))) {
			if (!ns || (int32_t)(g.seq - sbase) < 0)
				sbase = g.seq;
			ss[ns++] = g;
		}
	}
	qsort(cs, nc, sizeof(*cs), by_seq);
	qsort(ss, ns, sizeof(*ss), by_seq);
	err = merge(cs, nc, cbase, cap, &st->cli, &st->cli_len) ?:
	      merge(ss, ns, sbase, cap, &st->srv, &st->srv_len);
out:
	free(cs);
	free(ss);
	return err;
}

void streams_free(struct streams *st)
{
	free(st->cli);
	free(st->srv);
	memset(st, 0, sizeof(*st));
}
