// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* rotate.c - see rotate.h. */
#include "out/rotate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 4096

/* tcpdump's width: the digits of COUNT-1 (a ring of 10 is 0..9). */
static int width_of(uint32_t count)
{
	int w = 0;

	for (count = count ? count - 1 : 0; count; count /= 10)
		w++;
	return w;
}

void rotate_init(struct rotation *r, const struct rotate_opts *o,
		 const char *base, time_t now)
{
	memset(r, 0, sizeof(*r));
	r->o = *o;
	r->base = base;
	r->width = o->size && o->count ? width_of(o->count) : 0;
	r->started = now;
}

bool rotate_on(const struct rotation *r)
{
	return r->o.size || r->o.seconds;
}

int rotate_name(const struct rotation *r, time_t now, char *buf, size_t n)
{
	char name[NAME_MAX_LEN];
	struct tm tm;
	int len;

	if (r->o.seconds) {
		if (!localtime_r(&now, &tm) ||
		    strftime(name, sizeof(name), r->base, &tm) == 0)
			return -ENAMETOOLONG;
	} else {
		snprintf(name, sizeof(name), "%s", r->base);
	}
	/* tcpdump: the number shows from the second file on, or always in
	 * a ring (-W) */
	if (!r->size_n && !r->width)
		len = snprintf(buf, n, "%s", name);
	else
		len = snprintf(buf, n, "%s%0*u", name, r->width, r->size_n);
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

enum rotate_due rotate_check(struct rotation *r, uint64_t bytes, time_t now)
{
	if (r->ended)
		return ROTATE_LIMIT;
	if (r->o.seconds && now - r->started >= (time_t)r->o.seconds) {
		r->started = now;
		if (r->o.count && ++r->time_n >= r->o.count) {
			r->ended = true;
			return ROTATE_LIMIT;
		}
		r->size_n = 0;
		return ROTATE_NOW;
	}
	if (r->o.size && bytes > r->o.size) {
		r->size_n++;
		if (r->o.count && r->size_n >= r->o.count)
			r->size_n = 0;
		return ROTATE_NOW;
	}
	return ROTATE_NO;
}

int rotate_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v, unit = 1000000;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-' || v == 0)
		return -EINVAL;
	switch (*end | 0x20) {
	case 'k': unit = 1ull << 10; end++; break;
	case 'm': unit = 1ull << 20; end++; break;
	case 'g': unit = 1ull << 30; end++; break;
	default: break;
	}
	if (*end || v > UINT64_MAX / unit)
		return -EINVAL;
	*bytes = v * unit;
	return 0;
}
