// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* learn13.c - see learn13.h. */
#include "sources/keyfn/learn13.h"

#include <stdio.h>
#include <string.h>

/* In key.proto.tls13's order, 64 bytes apart (MAX_HASH_SIZE). */
static const char *const labels[LEARN13_N] = {
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	"CLIENT_TRAFFIC_SECRET_0",         "SERVER_TRAFFIC_SECRET_0",
	"EXPORTER_SECRET",
};

#define STRIDE 64
#define SIZE_BEFORE 68 /* temp_secret_size, then e_ckey[64], then hs_ckey */

int learn13_index(const char *label)
{
	for (int i = 0; i < LEARN13_N; i++)
		if (!strcmp(label, labels[i]))
			return i;
	return -1;
}

int learn13_judge(const int64_t off[LEARN13_N], unsigned size,
		  uint32_t *t13_off, char *why, size_t wlen)
{
	if (size != 32 && size != 48) {
		snprintf(why, wlen, "secrets of %u bytes", size);
		return -1;
	}
	if (off[0] < SIZE_BEFORE ||
	    off[LEARN13_N - 1] + STRIDE > (int64_t)LEARN13_MAX_OFFSET) {
		snprintf(why, wlen, "%s at %+lld from the session", labels[0],
			 (long long)off[0]);
		return -1;
	}
	for (int i = 1; i < LEARN13_N; i++)
		if (off[i] != off[0] + i * STRIDE) {
			snprintf(why, wlen, "%s at %+lld, not %s%+d", labels[i],
				 (long long)(off[i] - off[0]), labels[0],
				 i * STRIDE);
			return -1;
		}
	*t13_off = (uint32_t)off[0];
	return 1;
}

int learn13_event(struct learn13 *s, uint64_t object, const char *label,
		  uint64_t secret_addr, unsigned size, uint32_t *t13_off,
		  char *why, size_t wlen)
{
	int i = learn13_index(label);

	if (i < 0 || !object)
		return 0;
	if (object != s->object) {
		if (i != 0)
			return 0; /* another session's, mid-way: wait */
		memset(s, 0, sizeof(*s));
		s->object = object;
		s->size = size;
	}
	if (size != s->size) {
		snprintf(why, wlen, "secrets of %u and %u bytes in one session",
			 s->size, size);
		return -1;
	}
	s->off[i] = (int64_t)(secret_addr - object);
	s->seen |= 1u << i;
	if (s->seen != (1u << LEARN13_N) - 1)
		return 0;
	return learn13_judge(s->off, s->size, t13_off, why, wlen);
}
