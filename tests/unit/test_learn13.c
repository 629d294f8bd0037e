// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_learn13.c - sources/keyfn/learn13.c: the layout of GnuTLS's
 * key.proto.tls13 (3.7.9: hs_ckey at session +0x1794) is accepted from a
 * first TLS 1.3 handshake; a shifted or reordered one, a session too big,
 * a size that is no hash's, are refused; another session's calls in the
 * middle are not mixed in. */
#include "sources/keyfn/learn13.h"
#include "testlib.h"

#include <string.h>

static const char *const order[LEARN13_N] = {
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	"CLIENT_TRAFFIC_SECRET_0",         "SERVER_TRAFFIC_SECRET_0",
	"EXPORTER_SECRET",
};

/* GnuTLS's calls on session obj, hs_ckey at +base, secret i at
 * +base + i * stride + (i == bad ? 8 : 0); the last result. */
static int handshake(struct learn13 *s, uint64_t obj, int64_t base,
		     int64_t stride, int bad, unsigned size, uint32_t *off,
		     char *why)
{
	int r = 0;

	for (int i = 0; i < LEARN13_N && r == 0; i++)
		r = learn13_event(s, obj, order[i],
				  obj + base + i * stride + (i == bad ? 8 : 0),
				  size, off, why, 160);
	return r;
}

int main(void)
{
	struct learn13 s;
	uint32_t off = 0;
	char why[160] = "";
	int64_t o[LEARN13_N];

	memset(&s, 0, sizeof(s));
	CHECK(handshake(&s, 0x5000, 0x1794, 64, -1, 32, &off, why) == 1);
	CHECK(off == 0x1794);
	memset(&s, 0, sizeof(s));
	CHECK(handshake(&s, 0x5000, 0x17f4, 64, -1, 48, &off, why) == 1 &&
	      off == 0x17f4); /* 3.8.13: moved with internals; SHA-384 */

	memset(&s, 0, sizeof(s)); /* one secret 8 bytes off */
	CHECK(handshake(&s, 0x5000, 0x1794, 64, 3, 32, &off, why) == -1);
	CHECK_MSG(strstr(why, "SERVER_TRAFFIC_SECRET_0") != NULL, "%s", why);
	memset(&s, 0, sizeof(s)); /* 48 bytes apart: not MAX_HASH_SIZE */
	CHECK(handshake(&s, 0x5000, 0x1794, 48, -1, 48, &off, why) == -1);
	memset(&s, 0, sizeof(s)); /* no room for temp_secret_size */
	CHECK(handshake(&s, 0x5000, 0x20, 64, -1, 32, &off, why) == -1);
	memset(&s, 0, sizeof(s)); /* beyond the session */
	CHECK(handshake(&s, 0x5000, LEARN13_MAX_OFFSET - 0x100, 64, -1, 32,
			&off, why) == -1);
	memset(&s, 0, sizeof(s)); /* secrets elsewhere (a copy) */
	CHECK(handshake(&s, 0x5000, -0x3000, 64, -1, 32, &off, why) == -1);
	memset(&s, 0, sizeof(s));
	CHECK(handshake(&s, 0x5000, 0x1794, 64, -1, 20, &off, why) == -1);

	/* another session's calls mid-way are ignored; a new first call
	 * starts over */
	memset(&s, 0, sizeof(s));
	CHECK(learn13_event(&s, 0x5000, order[0], 0x5000 + 0x1794, 32, &off,
			    why, sizeof(why)) == 0);
	CHECK(learn13_event(&s, 0x9000, order[1], 0x9000 + 0x1000, 32, &off,
			    why, sizeof(why)) == 0);
	CHECK(learn13_event(&s, 0x5000, "CLIENT_RANDOM", 0x5000, 48, &off,
			    why, sizeof(why)) == 0);
	off = 0;
	CHECK(handshake(&s, 0x7000, 0x1794, 64, -1, 32, &off, why) == 1 &&
	      off == 0x1794);

	for (int i = 0; i < LEARN13_N; i++)
		o[i] = 0x1794 + 64 * i;
	CHECK(learn13_judge(o, 32, &off, why, sizeof(why)) == 1);
	o[4] += 64;
	CHECK(learn13_judge(o, 32, &off, why, sizeof(why)) == -1);
	CHECK(learn13_index("EXPORTER_SECRET") == 4 &&
	      learn13_index("EARLY_EXPORTER_SECRET") == -1);
	return test_done("test_learn13");
}
