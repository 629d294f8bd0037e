// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_secrets.c - run/secrets.c's count of sessions: a session counts
 * once, when its lines first make it complete, whatever order and
 * batches they come in (GnuTLS's return probe sends EXPORTER_SECRET after
 * the traffic secrets; the key-log function sent it before them), and
 * lines seen again add nothing. */
#include "run/secrets.h"
#include "crypto/keys.h"
#include "testlib.h"

#include <string.h>

static bool active(void *ctx, int32_t origin) { return true; }
static const char *name(void *ctx, int32_t origin) { return "test"; }
static void refute(void *ctx, int32_t origin) {}

/* A set of the given labels for client random cr[0] = id. */
static struct keys_set set_of(uint8_t id, const uint8_t *labels, int n)
{
	struct keys_set set = { 0 };

	for (int i = 0; i < n; i++) {
		struct keys_line l = { .label = labels[i], .secret_len = 32 };

		l.client_random[0] = id;
		memset(l.secret, 0x40 + labels[i], 32);
		keys_set_put(&set, &l);
	}
	return set;
}

static uint64_t sessions(struct secrets *s)
{
	struct secrets_stats st;

	secrets_get_stats(s, &st);
	return st.sessions;
}

int main(void)
{
	static const uint8_t traffic[] = {
		KEYS_CLIENT_HANDSHAKE_TRAFFIC, KEYS_SERVER_HANDSHAKE_TRAFFIC,
		KEYS_CLIENT_TRAFFIC_0, KEYS_SERVER_TRAFFIC_0,
	};
	static const uint8_t exporter[] = { KEYS_EXPORTER };
	static const uint8_t tls12[] = { KEYS_CLIENT_RANDOM };
	struct secrets_sink sink = { 0 };
	struct secrets_origins org = { active, name, refute, NULL };
	struct key_origin o13 = { 1, "t", 0x0304, 0 }, o12 = { 1, "t", 0x0303, 0 };
	struct secrets *s = NULL;
	struct keys_set a, b;

	CHECK(secrets_new(&s, &sink, &org) == 0 && s);
	if (!s)
		return test_done("test_secrets");
	/* TLS 1.3, the traffic secrets first, then the exporter's */
	a = set_of(1, traffic, 4);
	b = set_of(1, exporter, 1);
	CHECK(secrets_add(s, &o13, &a, 1) == 0);
	CHECK(sessions(s) == 1);
	CHECK(secrets_add(s, &o13, &b, 2) == 0);
	CHECK_MSG(sessions(s) == 1, "%llu sessions after the exporter's line",
		  (unsigned long long)sessions(s));
	/* the exporter's first, then the traffic secrets two by two */
	b = set_of(2, exporter, 1);
	CHECK(secrets_add(s, &o13, &b, 3) == 0 && sessions(s) == 1);
	a = set_of(2, traffic, 2);
	CHECK(secrets_add(s, &o13, &a, 4) == 0 && sessions(s) == 1);
	a = set_of(2, traffic + 2, 2);
	CHECK(secrets_add(s, &o13, &a, 5) == 0 && sessions(s) == 2);
	/* all of it again: nothing new */
	a = set_of(2, traffic, 4);
	CHECK(secrets_add(s, &o13, &a, 6) == 0 && sessions(s) == 2);
	/* TLS 1.2: its one line completes it */
	a = set_of(3, tls12, 1);
	CHECK(secrets_add(s, &o12, &a, 7) == 0 && sessions(s) == 3);
	CHECK(secrets_add(s, &o12, &a, 8) == 0 && sessions(s) == 3);
	secrets_free(s);
	return test_done("test_secrets");
}
