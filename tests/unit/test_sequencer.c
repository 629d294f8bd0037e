// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_sequencer.c - keys before packets: a flow is held from its
 * ClientHello until its keys are complete (or the timeout), other flows
 * pass at once, order is kept, memory is bounded. */
#include "join/sequencer.h"
#include "join/streams.h"
#include "crypto/keys.h"
#include "testlib.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MS 1000000ull

static int written[64], n_written;
static unsigned dsb_n; /* lines of the last DSB */
static unsigned n_dsb;

static int record(void *ctx, const struct seq_packet *p)
{
	if (n_written < 64)
		written[n_written++] = (int)p->ts_ns; /* ts = packet's name */
	return 0;
}

/* A DSB shows in the same sequence as -(its marker). */
static int record_dsb(void *ctx, const struct keys_set *keys)
{
	if (n_written < 64 && keys->n)
		written[n_written++] = -(int)keys->line[0].secret[0];
	dsb_n = keys->n;
	n_dsb++;
	return 0;
}

/* Keys of session cr: one line per label in labels (enum keys_label
 * values as digits), marker in their secrets (a DSB shows it). */
static int add_keys(struct sequencer *s, const uint8_t cr[32], char marker,
		    const char *labels, bool complete, uint64_t now)
{
	struct keys_set set = { 0 };

	for (; *labels; labels++) {
		struct keys_line l = { .label = (uint8_t)(*labels - '0'),
				       .secret_len = 32 };

		memcpy(l.client_random, cr, 32);
		memset(l.secret, marker, 32);
		keys_set_put(&set, &l);
	}
	return seq_keys(s, cr, &set, complete, now);
}

/* IPv4/TCP packet sport->dport; with a ClientHello of random cr0 when
 * hello is 1, 10 bytes of data when 2, a 10-byte TLS application-data
 * record when 3, a handshake record (encrypted: not a ClientHello) of 10
 * bytes when 4, of 20 when 5; a ServerHello in clear (random cr0, suite
 * 0xc02f) when 6; a ChangeCipherSpec and a Finished record when 7. */
static uint32_t make(uint8_t *b, uint16_t sport, uint16_t dport, int hello,
		     uint8_t cr0, int v6)
{
	uint32_t ip = v6 ? 40 : 20, n = ip + 20;

	memset(b, 0, 200);
	if (v6) {
		b[0] = 0x60, b[6] = 6, b[23] = 1, b[39] = 1; /* ::1 -> ::1 */
	} else {
		b[0] = 0x45, b[9] = 6;
		b[12] = b[16] = 127, b[15] = b[19] = 1;
	}
	b[ip] = sport >> 8, b[ip + 1] = sport & 0xff;
	b[ip + 2] = dport >> 8, b[ip + 3] = dport & 0xff;
	b[ip + 12] = 5 << 4;
	if (hello == 6) {
		uint8_t *pl = b + n;

		pl[0] = 22, pl[1] = 3, pl[2] = 3, pl[4] = 42;
		pl[5] = 2, pl[8] = 38, pl[9] = 3, pl[10] = 3;
		memset(pl + 11, cr0, 32);
		pl[43] = 0, pl[44] = 0xc0, pl[45] = 0x2f;
		n += 47;
	} else if (hello == 7) {
		static const uint8_t r[] = { 20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 4, 0xee,
					     0xee, 0xee, 0xee };

		memcpy(b + n, r, sizeof(r));
		n += sizeof(r);
	} else if (hello == 2) { /* 10 bytes of application data */
		memset(b + n, 0x17, 10);
		n += 10;
	} else if (hello >= 3) {
		uint32_t len = hello == 5 ? 20 : 10;

		memset(b + n, 0xee, len);
		b[n] = hello == 3 ? 23 : 22, b[n + 1] = 3, b[n + 2] = 3;
		b[n + 3] = 0, b[n + 4] = (uint8_t)(len - 5);
		n += len;
	} else if (hello) {
		uint8_t *pl = b + n;

		pl[0] = 22, pl[1] = 3, pl[2] = 1, pl[5] = 1, pl[9] = 3, pl[10] = 3;
		memset(pl + 11, cr0, 32);
		n += 60;
	}
	if (v6) /* payload length; IPv4: total length */
		b[4] = (uint8_t)((n - 40) >> 8), b[5] = (uint8_t)(n - 40);
	else
		b[2] = (uint8_t)(n >> 8), b[3] = (uint8_t)n;
	return n;
}

static int feed(struct sequencer *s, int name, uint16_t sp, uint16_t dp,
		int hello, uint8_t cr0, uint64_t now)
{
	uint8_t b[200];
	uint32_t n = make(b, sp, dp, hello, cr0, 0);
	struct seq_packet p = { .ts_ns = (uint64_t)name, .body = b,
				.bodylen = n, .origlen = n };

	return seq_packet(s, &p, b, n, now);
}

static void test_hold_until_keys(void)
{
	struct sequencer *s = seq_new(2000 * MS, 1 << 20, record, record_dsb, NULL);
	uint8_t cr[32];
	struct seq_stats st;

	n_written = 0;
	memset(cr, 0xaa, 32);
	CHECK(feed(s, 1, 40000, 443, 0, 0, 0) == 0);     /* SYN: passes */
	CHECK(feed(s, 2, 40000, 443, 1, 0xaa, 0) == 0);  /* ClientHello: held */
	CHECK(feed(s, 3, 443, 40000, 0, 0, MS) == 0);    /* reply: held */
	CHECK(feed(s, 4, 50000, 80, 0, 0, MS) == 0);     /* other flow */
	CHECK(n_written == 2 && written[0] == 1 && written[1] == 4);
	/* partial keys wait with the flow; complete, all go as one DSB */
	CHECK(add_keys(s, cr, 'A', "1", false, MS) == 0 && n_written == 2);
	CHECK(seq_tick(s, 1000 * MS) == 0 && n_written == 2);
	CHECK(add_keys(s, cr, 'B', "2", true, MS) == 0);
	CHECK(n_written == 5 && written[2] == -'A' && dsb_n == 2);
	CHECK(written[3] == 2 && written[4] == 3);
	CHECK(feed(s, 5, 443, 40000, 0, 0, 2 * MS) == 0 && n_written == 6);
	seq_get_stats(s, &st);
	CHECK(st.held == 2 && st.released == 1 && st.timed_out == 0);
	seq_free(s);
}

static void test_timeout_and_known_keys(void)
{
	struct sequencer *s = seq_new(2000 * MS, 1 << 20, record, record_dsb, NULL);
	uint8_t cr[32];
	struct seq_stats st;

	n_written = 0;
	CHECK(feed(s, 1, 40001, 443, 1, 0x11, 10 * MS) == 0);
	CHECK(feed(s, 2, 40001, 443, 0, 0, 11 * MS) == 0);
	CHECK(seq_tick(s, 2009 * MS) == 0 && n_written == 0);
	CHECK(seq_tick(s, 2010 * MS) == 0 && n_written == 2);
	CHECK(written[0] == 1 && written[1] == 2);
	/* Keys complete before the ClientHello is seen: they wait for it,
	 * go first, and the flow goes at once. */
	memset(cr, 0x22, 32);
	CHECK(add_keys(s, cr, 'C', "6", true, 2900 * MS) == 0 && n_written == 2);
	CHECK(feed(s, 3, 40002, 443, 1, 0x22, 3000 * MS) == 0 && n_written == 4);
	CHECK(written[2] == -'C' && written[3] == 3);
	/* Keys of a session never captured: never in the file. */
	memset(cr, 0x33, 32);
	CHECK(add_keys(s, cr, 'D', "6", true, 3000 * MS) == 0 && n_written == 4);
	CHECK(seq_tick(s, 5000 * MS) == 0);
	CHECK(feed(s, 4, 40003, 443, 1, 0x33, 5001 * MS) == 0);
	CHECK(n_written == 4); /* held now: its keys were dropped */
	seq_get_stats(s, &st);
	CHECK(st.timed_out == 1 && st.held == 4 && st.keys_dropped == 1);
	seq_free(s);
}

static void test_new_hello_and_drain(void)
{
	struct sequencer *s = seq_new(2000 * MS, 1 << 20, record, record_dsb, NULL);

	n_written = 0;
	CHECK(feed(s, 1, 40003, 443, 1, 0x33, 0) == 0);
	CHECK(feed(s, 2, 40003, 443, 1, 0x33, 0) == 0); /* retransmission */
	CHECK(n_written == 0);
	CHECK(feed(s, 3, 40003, 443, 1, 0x44, 0) == 0); /* new handshake */
	CHECK(n_written == 2 && written[0] == 1 && written[1] == 2);
	CHECK(seq_drain(s) == 0 && n_written == 3 && written[2] == 3);
	seq_free(s);
}

static void test_bounded(void)
{
	struct sequencer *s = seq_new(2000 * MS, 300, record, record_dsb, NULL);
	struct seq_stats st;

	n_written = 0;
	CHECK(feed(s, 1, 40004, 443, 1, 0x55, 0) == 0); /* 100 bytes */
	CHECK(feed(s, 2, 40005, 443, 1, 0x66, 0) == 0);
	CHECK(feed(s, 3, 40004, 443, 0, 0, 0) == 0);   /* 40 */
	CHECK(n_written == 0);
	CHECK(feed(s, 4, 40005, 443, 1, 0x66, 0) == 0); /* > 300: oldest out */
	CHECK(n_written == 2 && written[0] == 1 && written[1] == 3);
	seq_get_stats(s, &st);
	CHECK(st.overflow == 1);
	seq_free(s);
}

/* The check: answers from a script; remembers what it was shown. */
static int verdicts[8], n_calls;
static size_t seen_cli;
static bool seen_final;

static int check(void *ctx, const uint8_t cr[32], const struct streams *st,
		 struct keys_set *k, unsigned flags, bool final)
{
	(void)ctx, (void)cr, (void)k;
	if (flags & SEQ_CHECK_RENEG)
		return 0;
	seen_cli = st->cli_len;
	seen_final = final;
	return verdicts[n_calls < 8 ? n_calls++ : 7];
}

/* Sessions whose random starts with 0x83 need no check. */
static bool wants(void *ctx, const uint8_t cr[32], const struct keys_set *k)
{
	(void)ctx, (void)k;
	return cr[0] != 0x83;
}

static void test_check(void)
{
	struct sequencer *s = seq_new(2000 * MS, 1 << 20, record, record_dsb, NULL);
	uint8_t cr[32];
	struct seq_stats st;

	seq_set_check(s, check, wants);
	n_written = 0, n_calls = 0;
	/* undecided, then refused: no DSB, the packets go */
	verdicts[0] = -EAGAIN, verdicts[1] = 0;
	memset(cr, 0x81, 32);
	CHECK(feed(s, 1, 41000, 443, 1, 0x81, 0) == 0);
	CHECK(add_keys(s, cr, 'E', "6", true, MS) == 0);
	CHECK(n_calls == 1 && n_written == 0 && seen_cli == 60 && !seen_final);
	CHECK(feed(s, 2, 443, 41000, 0, 0, MS) == 0); /* nothing new: no call */
	CHECK(n_calls == 1 && n_written == 0);
	CHECK(feed(s, 2, 443, 41000, 2, 0, MS) == 0);
	CHECK(n_calls == 2 && n_written == 3);
	CHECK(written[0] == 1 && written[1] == 2 && written[2] == 2);
	/* never decided: 200 ms after the keys, they go unchecked */
	verdicts[2] = -EAGAIN, verdicts[3] = -EAGAIN, verdicts[4] = 1;
	memset(cr, 0x82, 32);
	CHECK(feed(s, 3, 41001, 443, 1, 0x82, 10 * MS) == 0);
	CHECK(add_keys(s, cr, 'F', "6", true, 11 * MS) == 0);
	CHECK(feed(s, 4, 443, 41001, 2, 0, 12 * MS) == 0 && n_written == 3);
	CHECK(seq_tick(s, 210 * MS) == 0 && n_written == 3 && n_calls == 4);
	CHECK(seq_tick(s, 211 * MS) == 0 && seen_final && n_calls == 5);
	CHECK(n_written == 6 && written[3] == -'F');
	CHECK(written[4] == 3 && written[5] == 4);
	/* not wanted: written at once, the check never called */
	memset(cr, 0x83, 32);
	CHECK(feed(s, 5, 41002, 443, 1, 0x83, 300 * MS) == 0);
	CHECK(add_keys(s, cr, 'J', "6", true, 301 * MS) == 0);
	CHECK(n_calls == 5 && n_written == 8 && written[6] == -'J' && written[7] == 5);
	seq_get_stats(s, &st);
	CHECK(st.keys_refused == 1 && st.timed_out == 0 && st.released == 3);
	seq_free(s);
}

/* More sessions than the sequencer remembers: the oldest are forgotten,
 * the recent ones are not (its hashed rings replace entries in place). */
static void test_many(void)
{
	struct sequencer *s = seq_new(2000 * MS, 1 << 20, record, record_dsb, NULL);
	uint8_t b[200], cr[32];
	struct seq_stats st;
	unsigned i, dsb0;

	memset(cr, 0x99, 32);
	for (i = 0; i < 10000; i++) {
		uint32_t n = make(b, (uint16_t)(1024 + i % 60000), 443, 1, 0x99, 0);
		struct seq_packet p = { .ts_ns = 1, .body = b, .bodylen = n,
					.origlen = n };

		memcpy(b + 40 + 11, &i, 4); /* the random: i, then 0x99s */
		memcpy(cr, &i, 4);
		CHECK(seq_packet(s, &p, b, n, MS) == 0);
		CHECK(add_keys(s, cr, 'G', "6", true, MS) == 0);
	}
	seq_get_stats(s, &st);
	CHECK(st.released == 10000 && st.held == 10000);
	dsb0 = n_dsb;
	i = 10; /* long forgotten: its keys wait for a ClientHello */
	memcpy(cr, &i, 4);
	CHECK(add_keys(s, cr, 'H', "6", true, MS) == 0 && n_dsb == dsb0);
	for (i = 10000 - 4000; i < 10000; i += 997) { /* remembered */
		memcpy(cr, &i, 4);
		CHECK(add_keys(s, cr, 'I', "6", true, MS) == 0 && n_dsb == ++dsb0);
	}
	seq_free(s);
}

static void test_parse(void)
{
	uint8_t b[200], cr[32], want[32];
	struct seq_flow_key k1, k2;

	memset(want, 0x77, 32);
	CHECK(seq_parse(b, make(b, 1234, 443, 1, 0x77, 1), &k1, cr) == 1);
	CHECK(k1.v6 && !memcmp(cr, want, 32));
	CHECK(seq_parse(b, make(b, 443, 1234, 0, 0, 1), &k2, cr) == 0);
	CHECK(!memcmp(&k1, &k2, sizeof(k1))); /* both directions: one key */
	CHECK(seq_parse(b, 30, &k1, cr) == -1);  /* cut in the TCP header */
	b[0] = 0x45, b[9] = 17;
	CHECK(seq_parse(b, 60, &k1, cr) == -1);  /* UDP */
	make(b, 1, 2, 1, 0x77, 0);
	b[6] = 0, b[7] = 10; /* a later fragment: no TCP header */
	CHECK(seq_parse(b, 120, &k1, cr) == -1);
	make(b, 1, 2, 1, 0x77, 0);
	CHECK(seq_parse(b, 70, &k1, cr) == 0); /* ClientHello cut short */
}

/* The check of a renegotiation: a scripted answer, what it was shown. */
static int reneg_verdict;
static unsigned reneg_calls;
static size_t reneg_cli, reneg_srv;

static int check_reneg(void *ctx, const uint8_t cr[32],
		       const struct streams *st, struct keys_set *k,
		       unsigned flags, bool final)
{
	(void)ctx, (void)cr, (void)k, (void)final;
	if (!(flags & SEQ_CHECK_RENEG))
		return 1;
	reneg_calls++;
	reneg_cli = st->cli_len, reneg_srv = st->srv_len;
	return reneg_verdict;
}

/* a TLS 1.2 session's master secret and its internal server hello */
#define RENEG_KEYS 'C', "08"

static void test_renegotiation(void)
{
	struct sequencer *s = seq_new(2000 * MS, 1 << 20, record, record_dsb, NULL);
	uint8_t cr[32], cr2[32];
	struct seq_stats st;

	seq_set_check(s, check_reneg, NULL);
	n_written = 0, reneg_calls = 0, reneg_verdict = 0;
	memset(cr, 0xa1, 32);
	memset(cr2, 0xb2, 32);
	/* a TLS 1.2 session, its keys out: the flow is watched */
	CHECK(feed(s, 1, 42000, 443, 1, 0xa1, 0) == 0);
	CHECK(add_keys(s, cr, 'C', "0", true, MS) == 0);
	CHECK(n_written == 2 && written[0] == -'C' && written[1] == 1);
	/* handshake records before any application data: the first
	 * handshake's last flight, not a renegotiation */
	CHECK(feed(s, 2, 443, 42000, 5, 0, MS) == 0 && n_written == 3);
	CHECK(feed(s, 3, 42000, 443, 3, 0, MS) == 0 && n_written == 4);
	/* the server's HelloRequest (20 bytes), then the client's encrypted
	 * ClientHello (10): held */
	CHECK(feed(s, 4, 443, 42000, 5, 0, 10 * MS) == 0 && n_written == 4);
	CHECK(feed(s, 5, 42000, 443, 4, 0, 11 * MS) == 0 && n_written == 4);
	/* keys of a session never seen, that do not open it: not its own */
	CHECK(add_keys(s, cr2, RENEG_KEYS, true, 12 * MS) == 0);
	CHECK(reneg_calls == 1 && n_written == 4);
	/* the client's stream starts with its own packet, the server's is
	 * the HelloRequest */
	CHECK(reneg_cli == 10 && reneg_srv == 20);
	/* keys without the server random are no candidate (the one
	 * pending is tried again) */
	memset(cr, 0xc3, 32);
	CHECK(add_keys(s, cr, 'C', "0", true, 13 * MS) == 0);
	CHECK(reneg_calls == 2 && n_written == 4);
	/* they open it once its next packet is in: DSB, then the flow */
	reneg_verdict = 1;
	CHECK(feed(s, 6, 443, 42000, 4, 0, 14 * MS) == 0);
	CHECK(reneg_calls == 3 && n_written == 8 && written[4] == -'C');
	CHECK(dsb_n == 2);
	CHECK(written[5] == 4 && written[6] == 5 && written[7] == 6);
	/* watched again: a third handshake held too, and with no keys
	 * for it, let go at the timeout without a DSB */
	CHECK(feed(s, 7, 42000, 443, 3, 0, 20 * MS) == 0 && n_written == 9);
	CHECK(feed(s, 8, 42000, 443, 4, 0, 21 * MS) == 0 && n_written == 9);
	CHECK(seq_tick(s, 2020 * MS) == 0 && n_written == 9);
	CHECK(seq_tick(s, 2021 * MS) == 0 && n_written == 10 && written[9] == 8);
	seq_get_stats(s, &st);
	CHECK(st.timed_out == 1);
	/* a TLS 1.3 session (no CLIENT_RANDOM line) is not watched */
	memset(cr, 0xd4, 32);
	CHECK(feed(s, 9, 42001, 443, 1, 0xd4, 3000 * MS) == 0);
	CHECK(add_keys(s, cr, 'S', "5", true, 3000 * MS) == 0);
	CHECK(feed(s, 10, 42001, 443, 3, 0, 3001 * MS) == 0);
	CHECK(feed(s, 11, 42001, 443, 4, 0, 3002 * MS) == 0);
	CHECK(n_written == 14 && written[13] == 11);
	seq_free(s);
}

/* The reading of a renegotiation's ServerHello: scripted, what it was
 * given. */
static int hello_rc;
static unsigned hello_calls;
static struct keys_set hello_prev;

static int read_hello(void *ctx, const struct streams *st,
		      const struct keys_set *prev, bool final, uint8_t out[34])
{
	(void)ctx, (void)st, (void)final;
	hello_calls++;
	hello_prev = *prev;
	memset(out, 0x77, 34);
	return hello_rc;
}

/* Keys of a renegotiation: the server random the check was given. */
static uint8_t reneg_random;

static int check_hello(void *ctx, const uint8_t cr[32],
		       const struct streams *st, struct keys_set *k,
		       unsigned flags, bool final)
{
	const struct keys_line *l = keys_set_find(k, KEYS_SERVER_HELLO);

	reneg_random = l && l->secret_len == 34 ? l->secret[0] : 0;
	return check_reneg(ctx, cr, st, k, flags, final);
}

/* A TLS 1.2 master secret (48 bytes) of session cr, marker in it. */
static int add_master(struct sequencer *s, const uint8_t cr[32], char marker,
		      uint64_t now)
{
	struct keys_set set = { .n = 1 };

	set.line[0] = (struct keys_line){ .label = KEYS_CLIENT_RANDOM,
					  .secret_len = 48 };
	memcpy(set.line[0].client_random, cr, 32);
	memset(set.line[0].secret, marker, 48);
	return seq_keys(s, cr, &set, true, now);
}

/* Keys without the server random (GnuTLS, NSS, Go): the renegotiation's
 * ServerHello is read with the session before it, the master secret and
 * the random of its ServerHello in clear; the client renegotiates at
 * once (its Finished, then a handshake record, no data). */
static void test_reneg_read_hello(void)
{
	struct sequencer *s = seq_new(2000 * MS, 1 << 20, record, record_dsb, NULL);
	const struct keys_line *l;
	uint8_t cr[32], cr2[32];

	seq_set_check(s, check_hello, NULL);
	seq_set_reneg_hello(s, read_hello);
	n_written = 0, reneg_calls = 0, reneg_verdict = 1, hello_calls = 0;
	hello_rc = 1;
	memset(cr, 0xe5, 32);
	memset(cr2, 0xf6, 32);
	CHECK(feed(s, 1, 43000, 443, 1, 0xe5, 0) == 0);
	CHECK(feed(s, 2, 443, 43000, 6, 0x5e, MS) == 0);
	CHECK(add_master(s, cr, 'M', 2 * MS) == 0);
	CHECK(n_written == 3 && written[0] == -'M');
	/* the client's ChangeCipherSpec and Finished, then its new
	 * ClientHello: held */
	CHECK(feed(s, 3, 43000, 443, 7, 0, 3 * MS) == 0 && n_written == 4);
	CHECK(feed(s, 4, 43000, 443, 4, 0, 4 * MS) == 0 && n_written == 4);
	CHECK(feed(s, 5, 443, 43000, 5, 0, 5 * MS) == 0 && n_written == 4);
	/* its keys, no server random: read with the first session's */
	CHECK(add_master(s, cr2, 'N', 6 * MS) == 0);
	CHECK(hello_calls == 1 && reneg_calls == 1 && reneg_random == 0x77);
	l = keys_set_find(&hello_prev, KEYS_CLIENT_RANDOM);
	CHECK(l && l->secret_len == 48 && l->secret[0] == 'M' &&
	      l->client_random[0] == 0xe5);
	l = keys_set_find(&hello_prev, KEYS_SERVER_HELLO);
	CHECK(l && l->secret_len == 34 && l->secret[0] == 0x5e &&
	      l->secret[32] == 0xc0 && l->secret[33] == 0x2f);
	CHECK(n_written == 7 && written[4] == -'N' && written[5] == 4 &&
	      written[6] == 5);
	/* a third handshake: the second session is the one before it (its
	 * server random the one read); this time it cannot be read: no
	 * check, no DSB, the flow goes at the timeout */
	hello_rc = -ENOENT;
	CHECK(feed(s, 6, 443, 43000, 3, 0, 10 * MS) == 0 && n_written == 8);
	CHECK(feed(s, 7, 443, 43000, 4, 0, 11 * MS) == 0 && n_written == 8);
	CHECK(feed(s, 8, 43000, 443, 4, 0, 11 * MS) == 0 && n_written == 8);
	memset(cr, 0xa7, 32);
	CHECK(add_master(s, cr, 'P', 12 * MS) == 0);
	CHECK(hello_calls == 2 && reneg_calls == 1);
	l = keys_set_find(&hello_prev, KEYS_SERVER_HELLO);
	CHECK(l && l->secret[0] == 0x77);
	l = keys_set_find(&hello_prev, KEYS_CLIENT_RANDOM);
	CHECK(l && l->secret[0] == 'N' && l->client_random[0] == 0xf6);
	memset(cr, 0xb8, 32);
	CHECK(add_master(s, cr, 'Q', 13 * MS) == 0);
	CHECK(hello_calls == 2); /* not read again */
	CHECK(seq_tick(s, 2012 * MS) == 0 && n_written == 10 && written[8] == 7 &&
	      written[9] == 8);
	seq_free(s);
}

int main(void)
{
	test_hold_until_keys();
	test_timeout_and_known_keys();
	test_new_hello_and_drain();
	test_bounded();
	test_check();
	test_many();
	test_parse();
	test_renegotiation();
	test_reneg_read_hello();
	return test_done("test_sequencer");
}
