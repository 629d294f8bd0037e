// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_verify.c - libFuzzer target: the key check reads captured packets
 * (untrusted: anyone can send them).  The input is a list of packets, each
 * a 2-byte length and the bytes; they go through the stream reassembly and
 * the check, with TLS 1.3 and TLS 1.2 key lines, final or not; the 0-RTT
 * derivation (the ClientHello parsed from the client stream), the
 * renegotiation check and the reading of its ServerHello. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "join/streams.h"
#include "crypto/keys.h"
#include "crypto/verify.h"
#include "../unit/keyslib.h"

#define CR "0101010101010101010101010101010101010101010101010101010101010101"
#define S32 "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"

/* The sets the check is given: TLS 1.3, TLS 1.2, a secret too short,
 * none; a PSK's early secret; a renegotiation's. */
static struct keys_set sets[4], early, reneg;

static void make_sets(void)
{
	static const char *lines[] = {
		"SERVER_HANDSHAKE_TRAFFIC_SECRET " CR " " S32 "\n"
		"SERVER_TRAFFIC_SECRET_0 " CR " " S32 "\n",
		"CLIENT_RANDOM " CR " " S32 S32 "\n",
		"CLIENT_RANDOM " CR " 00\n",
		"",
	};

	for (int i = 0; i < 4; i++)
		test_keys_text(&sets[i], lines[i]);
	test_keys_line(&early, KEYS_EARLY_SECRET, CR, S32);
	test_keys_line(&reneg, KEYS_CLIENT_RANDOM, CR, S32 S32);
	test_keys_line(&reneg, KEYS_SERVER_HELLO, CR, S32 "c02f");
}

static void extra(const struct verify_streams *vs)
{
	struct keys_line out;
	uint8_t hello[34];

	verify_early(vs, &early, false, &out);
	verify_early(vs, &early, true, &out);
	verify_renegotiation(vs, &reneg);
	verify_reneg_hello(vs, &reneg, true, hello);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *pkts[64];
	uint32_t lens[64];
	struct streams st;
	size_t n = 0, off = 0;

	if (!sets[0].n)
		make_sets();

	while (n < 64 && size - off >= 2) {
		uint32_t l = (uint32_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (l > size - off)
			l = (uint32_t)(size - off);
		pkts[n] = data + off;
		lens[n++] = l;
		off += l;
	}
	if (streams_build(pkts, lens, n, 1u << 16, &st) == 0) {
		struct verify_streams vs = { st.cli, st.cli_len, st.srv, st.srv_len };

		for (int i = 0; i < 8; i++)
			verify_session(&vs, &sets[i / 2], i & 1);
		extra(&vs);
	}
	streams_free(&st);
	/* the raw input as a server stream, too */
	struct verify_streams raw = { data, size, data, size };
	verify_session(&raw, &sets[0], true);
	verify_session(&raw, &sets[1], true);
	extra(&raw);
	return 0;
}
