// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keytext.c - see keytext.h. */
#include "out/keytext.h"
#include "crypto/keylabel.h"

#include <errno.h>
#include <string.h>

static char *hex(char *p, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		*p++ = digits[b[i] >> 4];
		*p++ = digits[b[i] & 15];
	}
	return p;
}

int keys_line_format(const struct keys_line *line, char *buf, size_t size)
{
	const char *name;
	size_t nlen, need;
	char *p = buf;

	name = keys_label_text(line->label);
	if (!name || !line->secret_len || line->secret_len > KEYS_SECRET_MAX)
		return -EINVAL;
	nlen = strlen(name);
	need = nlen + 1 + 2 * KEYS_RANDOM_LEN + 1 + 2 * line->secret_len + 1;
	if (size < need + 1)
		return -ENOSPC;
	memcpy(p, name, nlen);
	p += nlen;
	*p++ = ' ';
	p = hex(p, line->client_random, KEYS_RANDOM_LEN);
	*p++ = ' ';
	p = hex(p, line->secret, line->secret_len);
	*p++ = '\n';
	*p = '\0';
	return need;
}

int keys_sets_format(const struct keys_set *sets, unsigned n, char *buf,
		     size_t size)
{
	size_t len = 0;
	int r;

	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < sets[i].n; j++) {
			if (keys_label_internal(sets[i].line[j].label))
				continue;
			r = keys_line_format(&sets[i].line[j], buf + len,
					     size - len);
			if (r == -ENOSPC)
				return r;
			len += r > 0 ? (size_t)r : 0;
		}
	return (int)len;
}
