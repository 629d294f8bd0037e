// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keylabel.c - see keylabel.h. */
#include "crypto/keylabel.h"

#include <errno.h>
#include <string.h>

/* The labels written to a key log; the internal ones have none. */
static const char *const label_names[KEYS_LABEL_COUNT] = {
	[KEYS_CLIENT_RANDOM] = "CLIENT_RANDOM",
	[KEYS_CLIENT_EARLY_TRAFFIC] = "CLIENT_EARLY_TRAFFIC_SECRET",
	[KEYS_CLIENT_HANDSHAKE_TRAFFIC] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
	[KEYS_SERVER_HANDSHAKE_TRAFFIC] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	[KEYS_CLIENT_TRAFFIC_0] = "CLIENT_TRAFFIC_SECRET_0",
	[KEYS_SERVER_TRAFFIC_0] = "SERVER_TRAFFIC_SECRET_0",
	[KEYS_EXPORTER] = "EXPORTER_SECRET",
};

const char *keys_label_text(unsigned int label)
{
	return label < KEYS_LABEL_COUNT ? label_names[label] : NULL;
}

const char *keys_label_name(unsigned int label)
{
	if (label >= KEYS_LABEL_COUNT)
		return "UNKNOWN";
	return label_names[label] ? label_names[label] : "internal";
}

int keys_label_parse(const char *name)
{
	for (int i = 0; i < KEYS_LABEL_COUNT; i++)
		if (label_names[i] && !strcmp(name, label_names[i]))
			return i;
	return -EINVAL;
}

/* Hex digits (either case) into n bytes: 0, or -EINVAL. */
static int unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		int c = (unsigned char)h[i] | 0x20, v;

		v = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] << 4 | v : v);
	}
	return 0;
}

int keys_line_parse(const char *s, size_t len, struct keys_line *line)
{
	const char *sp = memchr(s, ' ', len);
	char name[40];
	size_t nlen, rest;
	int label;

	if (len && s[len - 1] == '\n')
		len--;
	nlen = sp ? (size_t)(sp - s) : len;
	if (!sp || nlen >= sizeof(name))
		return -EINVAL;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	label = keys_label_parse(name);
	rest = len - nlen - 1; /* "<64 hex> <2..96 hex>" */
	if (label < 0 || rest < 2 * KEYS_RANDOM_LEN + 3 ||
	    sp[1 + 2 * KEYS_RANDOM_LEN] != ' ' ||
	    (rest - 2 * KEYS_RANDOM_LEN - 1) % 2 ||
	    (rest - 2 * KEYS_RANDOM_LEN - 1) / 2 > KEYS_SECRET_MAX)
		return -EINVAL;
	line->label = (uint8_t)label;
	line->secret_len = (uint8_t)((rest - 2 * KEYS_RANDOM_LEN - 1) / 2);
	return unhex(sp + 1, line->client_random, KEYS_RANDOM_LEN) ?:
	       unhex(sp + 2 + 2 * KEYS_RANDOM_LEN, line->secret,
		     line->secret_len);
}
