// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_flowkeys.c - keys in every rotated file (join/flowkeys.h): a
 * session's keys, as data, go into a new file again, its earlier lines
 * first, before its flow's first packet there. */
#include "join/flowkeys.h"
#include "join/sequencer.h"
#include "crypto/keys.h"
#include "testlib.h"

#include <string.h>

static struct keys_set last[4];
static unsigned n_dsb, last_n, n_carry;

static int on_dsb(void *ctx, const struct keys_set *sets, unsigned n)
{
	(void)ctx;
	n_dsb++;
	last_n = n;
	memcpy(last, sets, (n < 4 ? n : 4) * sizeof(*sets));
	return 0;
}

static int on_carry(void *ctx, const struct flowkeys_pkt *p)
{
	(void)ctx, (void)p;
	n_carry++;
	return 0;
}

/* One line of session cr0 (all its bytes) with a label. */
static struct keys_set one(uint8_t cr0, unsigned label)
{
	struct keys_set s = { .n = 1 };

	s.line[0].label = (uint8_t)label;
	s.line[0].secret_len = 32;
	memset(s.line[0].client_random, cr0, 32);
	memset(s.line[0].secret, 0x40 + (int)label, 32);
	return s;
}

/* IPv4/TCP 127.0.0.1:40000 -> :443: a ClientHello of random cr0, or
 * 10 bytes of data. */
static uint32_t make(uint8_t *b, int hello, uint8_t cr0)
{
	uint32_t n = 40;

	memset(b, 0, 160);
	b[0] = 0x45, b[9] = 6, b[12] = b[16] = 127, b[15] = b[19] = 1;
	b[20] = 40000 >> 8, b[21] = 40000 & 0xff, b[22] = 1, b[23] = 0xbb;
	b[32] = 5 << 4;
	if (hello) {
		b[n] = 22, b[n + 1] = 3, b[n + 2] = 1, b[n + 5] = 1;
		b[n + 9] = 3, b[n + 10] = 3;
		memset(b + n + 11, cr0, 32);
		n += 60;
	} else {
		memset(b + n, 0x17, 10);
		n += 10;
	}
	b[2] = (uint8_t)(n >> 8), b[3] = (uint8_t)n;
	return n;
}

static int packet(struct flowkeys *fk, int hello, uint8_t cr0)
{
	static const struct flowkeys_out out = { on_dsb, on_carry, NULL };
	uint8_t b[160];
	uint32_t n = make(b, hello, cr0);
	struct seq_packet p = { .body = b, .bodylen = n, .origlen = n,
				.ip = b, .iplen = n };

	return flowkeys_packet(fk, &p, 1, &out);
}

/* A DSB's keys: as they are in the file that has the session's earlier
 * ones; with those first in a new file. */
static void test_dsb(void)
{
	struct flowkeys *fk = flowkeys_new(16);
	struct keys_set in, out;
	struct flowkeys_stats st;

	in = one(0x11, KEYS_CLIENT_HANDSHAKE_TRAFFIC);
	CHECK(flowkeys_dsb(fk, &in, &out) == 0 && out.n == 1);
	in = one(0x11, KEYS_SERVER_HANDSHAKE_TRAFFIC);
	CHECK(flowkeys_dsb(fk, &in, &out) == 0 && out.n == 1 &&
	      out.line[0].label == KEYS_SERVER_HANDSHAKE_TRAFFIC);
	flowkeys_next_file(fk);
	in = one(0x11, KEYS_CLIENT_TRAFFIC_0);
	CHECK(flowkeys_dsb(fk, &in, &out) == 0 && out.n == 3);
	CHECK(out.line[0].label == KEYS_CLIENT_HANDSHAKE_TRAFFIC &&
	      out.line[1].label == KEYS_SERVER_HANDSHAKE_TRAFFIC &&
	      out.line[2].label == KEYS_CLIENT_TRAFFIC_0);
	/* in this file now: only what is new */
	in = one(0x11, KEYS_SERVER_TRAFFIC_0);
	CHECK(flowkeys_dsb(fk, &in, &out) == 0 && out.n == 1);
	flowkeys_get_stats(fk, &st);
	CHECK(st.reemitted == 1);
	flowkeys_free(fk);
}

/* A flow's first packet in a new file: its session's keys (one DSB),
 * then its packets from the ClientHello on. */
static void test_flow(void)
{
	struct flowkeys *fk = flowkeys_new(16);
	struct keys_set in = one(0x22, KEYS_CLIENT_RANDOM), out;

	n_dsb = n_carry = 0;
	CHECK(packet(fk, 1, 0x22) == 0 && n_dsb == 0 && n_carry == 0);
	CHECK(flowkeys_dsb(fk, &in, &out) == 0 && out.n == 1);
	CHECK(packet(fk, 0, 0) == 0 && n_dsb == 0 && n_carry == 0);
	flowkeys_next_file(fk);
	CHECK(packet(fk, 0, 0) == 0);
	CHECK(n_dsb == 1 && last_n == 1 && last[0].n == 1 &&
	      last[0].line[0].label == KEYS_CLIENT_RANDOM &&
	      last[0].line[0].client_random[0] == 0x22);
	CHECK(n_carry == 2); /* the ClientHello and the data before */
	CHECK(packet(fk, 0, 0) == 0 && n_dsb == 1 && n_carry == 2);
	flowkeys_free(fk);
}

int main(void)
{
	test_dsb();
	test_flow();
	return test_done("test_flowkeys");
}
