// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keyslib.h - a session's keys (crypto/keys.h) for tests, from text: the
 * written lines as key-log text (crypto/keylabel.h parses it: text coming
 * in), an internal line from its label and hex. */
#ifndef TLSDUMP_KEYSLIB_H
#define TLSDUMP_KEYSLIB_H

#include <stdio.h>
#include <string.h>

#include "crypto/keys.h"
#include "crypto/keylabel.h"

/* Adds the key-log lines of text to set: the number added, -1 for a
 * line that does not parse. */
static inline int test_keys_text(struct keys_set *set, const char *text)
{
	struct keys_line l;
	int added = 0;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) + 1 : strlen(text);

		if (keys_line_parse(text, n, &l))
			return -1;
		added += keys_set_put(set, &l);
		text += n;
	}
	return added;
}

/* Adds one line of label (an internal one too): client random and
 * secret in hex (cr 64 digits).  1 added, 0 not, -1 bad hex. */
static inline int test_keys_line(struct keys_set *set, unsigned label,
				 const char *cr, const char *secret)
{
	struct keys_line l = { .label = (uint8_t)label };
	size_t n = strlen(secret) / 2;

	if (strlen(cr) != 64 || n > KEYS_SECRET_MAX)
		return -1;
	for (size_t i = 0; i < 32 + n; i++) {
		const char *h = i < 32 ? cr + 2 * i : secret + 2 * (i - 32);
		unsigned v;

		if (sscanf(h, "%2x", &v) != 1)
			return -1;
		if (i < 32)
			l.client_random[i] = (uint8_t)v;
		else
			l.secret[i - 32] = (uint8_t)v;
	}
	l.secret_len = (uint8_t)n;
	return keys_set_put(set, &l);
}

#endif
