// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_hello.c - CLIENT_EARLY_TRAFFIC_SECRET from a ClientHello copied
 * out of OpenSSL's handshake buffer (crypto/hello.c), with RFC 8448 §4
 * (its resumed 0-RTT ClientHello, PSK binder and early secret): the
 * RFC's secret when everything holds; nothing when the binder, the
 * random, the early secret or the message does not. */
#include "crypto/hello.h"
#include "rfc8448_0rtt.h"
#include "testlib.h"

#include <errno.h>
#include <string.h>

static uint8_t ch[1024], cr[32], early[64], want[32];
static size_t chn;

static int derive(const uint8_t *buf, size_t n, struct keys_line *out)
{
	return hello_early_secret(buf, n, cr, early, out);
}

int main(void)
{
	struct keys_line out;
	uint8_t bad[1024];
	size_t at, len;

	chn = test_unhex(RFC8448_4_CH, ch, sizeof(ch));
	test_unhex(RFC8448_4_EARLY, early, 32);
	test_unhex(RFC8448_4_C_E_TRAFFIC, want, 32);
	memcpy(cr, ch + 6, 32);
	CHECK(chn > 200);
	CHECK(!hello_ext(ch, chn, HELLO_EXT_PSK, &at, &len) && at + len == chn);
	CHECK(!hello_ext(ch, chn, HELLO_EXT_EARLY_DATA, &at, &len) && len == 0);
	CHECK(hello_ext(ch, chn, 0x1234, &at, &len) == -ENOENT);
	CHECK(hello_ext(ch, 50, HELLO_EXT_PSK, &at, &len) == -EINVAL);

	/* the RFC's own: its binder proves the early secret */
	memset(&out, 0, sizeof(out));
	CHECK(derive(ch, chn, &out) == 1);
	CHECK(out.label == KEYS_CLIENT_EARLY_TRAFFIC && out.secret_len == 32);
	CHECK(!memcmp(out.secret, want, 32) && !memcmp(out.client_random, cr, 32));
	/* more bytes behind it in the buffer (a later message): the same */
	memcpy(bad, ch, chn);
	memset(bad + chn, 2, 40);
	CHECK(derive(bad, chn + 40, &out) == 1 && !memcmp(out.secret, want, 32));
	/* a binder bit flipped */
	bad[chn - 1] ^= 1;
	CHECK(derive(bad, chn, &out) == 0);
	/* a byte the binder covers */
	memcpy(bad, ch, chn);
	bad[100] ^= 1;
	CHECK(derive(bad, chn, &out) == 0);
	/* another session's random, another early secret */
	cr[0] ^= 1;
	CHECK(derive(ch, chn, &out) == 0);
	cr[0] ^= 1;
	early[5] ^= 1;
	CHECK(derive(ch, chn, &out) == 0);
	early[5] ^= 1;
	/* cut short; not a ClientHello */
	CHECK(derive(ch, chn - 1, &out) == 0);
	CHECK(derive(ch, 30, &out) == 0);
	memcpy(bad, ch, chn);
	bad[0] = 2;
	CHECK(derive(bad, chn, &out) == 0);
	/* no early_data extension (42 -> 43): no line */
	memcpy(bad, ch, chn);
	for (size_t i = 0; i + 3 < chn; i++)
		if (!memcmp(bad + i, "\x00\x2a\x00\x00", 4))
			bad[i + 1] = 0x2b;
	CHECK(derive(bad, chn, &out) == 0);
	return test_done("test_hello");
}
