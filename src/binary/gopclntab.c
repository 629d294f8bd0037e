// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gopclntab.c - see gopclntab.h. */
#include "binary/gopclntab.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A few windows over the table: finding a function walks the function
 * table, the records and the names, each in order, so one window per walk
 * (and one to spare) hits nearly always. */
#define WINDOWS 4
#define WINDOW (64u << 10)
#define WINDOW_ALIGN 4096u
#define ACCESS_MAX (WINDOW - WINDOW_ALIGN) /* the longest access */

struct gopcln_win {
	uint64_t off[WINDOWS];
	uint32_t n[WINDOWS]; /* 0: empty */
	unsigned int next;   /* replaced next */
	uint8_t b[WINDOWS][WINDOW];
};

static uint64_t rd(const uint8_t *b, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* The n bytes at off, if they lie inside the table and can be read. */
static const uint8_t *bytes(const struct gopcln *p, uint64_t off, size_t n)
{
	struct gopcln_win *w = p->win;
	uint64_t start;
	unsigned int i;
	size_t len;

	if (off > p->len || p->len - off < n || n > ACCESS_MAX)
		return NULL;
	for (i = 0; i < WINDOWS; i++)
		if (w->n[i] && off >= w->off[i] && off + n <= w->off[i] + w->n[i])
			return w->b[i] + (off - w->off[i]);
	i = w->next;
	w->next = (i + 1) % WINDOWS;
	start = off & ~(uint64_t)(WINDOW_ALIGN - 1);
	len = p->len - start < WINDOW ? (size_t)(p->len - start) : WINDOW;
	w->n[i] = 0;
	if (p->read(p->ctx, start, w->b[i], len) != 0)
		return NULL;
	w->off[i] = start;
	w->n[i] = (uint32_t)len;
	return w->b[i] + (off - start);
}

/* The n-byte little-endian value at off, if it lies inside the table. */
static bool get(const struct gopcln *p, uint64_t off, unsigned int n,
		uint64_t *v)
{
	const uint8_t *b = bytes(p, off, n);

	if (!b)
		return false;
	*v = rd(b, n);
	return true;
}

static bool is_new_layout(uint32_t magic)
{
	return magic == GOPCLN_MAGIC_118 || magic == GOPCLN_MAGIC_120;
}

/* Size of one field of a function table entry. */
static unsigned int field(const struct gopcln *p)
{
	return is_new_layout(p->magic) ? 4 : p->ptrsize;
}

/* Header word i (after the first 8 bytes). */
static bool word(const struct gopcln *p, unsigned int i, uint64_t *v)
{
	return get(p, 8 + (uint64_t)i * p->ptrsize, p->ptrsize, v);
}

static int layout(struct gopcln *p)
{
	uint64_t names, pcln, pctab;

	switch (p->magic) {
	case GOPCLN_MAGIC_12:
		p->functab = 8 + p->ptrsize;
		p->funcdata = p->funcnames = p->pctab = 0;
		return 0;
	case GOPCLN_MAGIC_116:
		if (!word(p, 2, &names) || !word(p, 5, &pctab) ||
		    !word(p, 6, &pcln))
			return -EINVAL;
		break;
	default:
		if (!word(p, 2, &p->text_start) || !word(p, 3, &names) ||
		    !word(p, 6, &pctab) || !word(p, 7, &pcln))
			return -EINVAL;
	}
	if (names >= p->len || pcln >= p->len || pctab >= p->len)
		return -EINVAL;
	p->pctab = pctab;
	p->funcnames = names;
	p->functab = p->funcdata = pcln;
	return 0;
}

static int check_header(struct gopcln *p)
{
	const uint8_t *d = bytes(p, 0, 16);
	uint64_t first, last, tab_len;
	unsigned int f;

	if (!d)
		return -EINVAL;
	p->magic = (uint32_t)rd(d, 4);
	p->ptrsize = d[7];
	p->quantum = d[6];
	if ((p->magic != GOPCLN_MAGIC_12 && p->magic != GOPCLN_MAGIC_116 &&
	     !is_new_layout(p->magic)) || d[4] || d[5] ||
	    (d[6] != 1 && d[6] != 2 && d[6] != 4) || p->ptrsize != 8)
		return -EINVAL;
	if (!word(p, 0, &p->nfunc) || p->nfunc == 0 || p->nfunc > (1u << 24) ||
	    layout(p))
		return -EINVAL;
	/* nfunc entries and the end-of-text entry must fit */
	f = field(p);
	tab_len = (2 * p->nfunc + 1) * f;
	if (p->functab > p->len || p->len - p->functab < tab_len ||
	    !get(p, p->functab, f, &first) ||
	    !get(p, p->functab + 2 * p->nfunc * f, f, &last))
		return -EINVAL;
	return first <= last ? 0 : -EINVAL;
}

int gopcln_init(struct gopcln *p, gopcln_read_fn read, void *ctx,
		uint64_t len)
{
	memset(p, 0, sizeof(*p));
	p->read = read;
	p->ctx = ctx;
	p->len = len;
	p->win = calloc(1, sizeof(*p->win));
	if (!p->win)
		return -ENOMEM;
	return check_header(p);
}

void gopcln_free(struct gopcln *p)
{
	free(p->win);
	p->win = NULL;
}

void gopcln_set_text_start(struct gopcln *p, uint64_t text_start)
{
	p->text_start = text_start;
}

static bool name_is(const struct gopcln *p, uint64_t off, const char *name,
		    size_t nlen)
{
	const uint8_t *b = bytes(p, off, nlen + 1);

	return b && !memcmp(b, name, nlen) && b[nlen] == '\0';
}

static uint64_t entry_of(const struct gopcln *p, uint64_t raw)
{
	return is_new_layout(p->magic) ? p->text_start + raw : raw;
}

int gopcln_find(const struct gopcln *p, const char *name,
		struct gopcln_func *out)
{
	unsigned int f = field(p);
	size_t nlen = strlen(name);
	uint64_t i, funcoff, rec, nameoff, next, args;

	for (i = 0; i < p->nfunc; i++) {
		if (!get(p, p->functab + (2 * i + 1) * f, f, &funcoff))
			return -EINVAL;
		rec = p->funcdata + funcoff;
		/* the record: entry (f bytes), then i32 nameoff */
		if (rec < p->funcdata || !get(p, rec + f, 4, &nameoff))
			continue;
		if (!name_is(p, p->funcnames + nameoff, name, nlen))
			continue;
		if (!get(p, p->functab + 2 * i * f, f, &out->entry) ||
		    !get(p, p->functab + 2 * (i + 1) * f, f, &next) ||
		    !get(p, rec + f + 4, 4, &args))
			return -EINVAL;
		out->args = (uint32_t)args;
		out->rec = rec;
		out->entry = entry_of(p, out->entry);
		out->end = entry_of(p, next);
		return out->end > out->entry ? 0 : -EINVAL;
	}
	return -ENOENT;
}

/* A varint of the pc-value tables; false past the end. */
static bool varint(const struct gopcln *p, uint64_t *off, uint32_t *v)
{
	uint32_t r = 0;
	const uint8_t *b;

	for (unsigned int shift = 0; shift < 35; shift += 7) {
		b = bytes(p, (*off)++, 1);
		if (!b)
			return false;
		r |= (uint32_t)(*b & 0x7f) << shift;
		if (!(*b & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

int gopcln_sp_zero_starts(const struct gopcln *p, const struct gopcln_func *fn,
			  uint64_t *out, int max)
{
	uint64_t pcsp, off, pc = fn->entry, start;
	unsigned int f = field(p);
	uint32_t uv, pcd;
	int32_t val = -1;
	int n = 0;

	if (!get(p, fn->rec + f + 12, 4, &pcsp) || pcsp == 0)
		return -EINVAL;
	off = p->pctab + pcsp;
	/* (zigzag value delta, pc delta) pairs until a zero value delta */
	for (bool first = true;; first = false) {
		if (!varint(p, &off, &uv))
			return -EINVAL;
		if (uv == 0 && !first)
			return n;
		val += (uv & 1) ? (int32_t)~(uv >> 1) : (int32_t)(uv >> 1);
		if (!varint(p, &off, &pcd))
			return -EINVAL;
		start = pc;
		pc += (uint64_t)pcd * p->quantum;
		if (pc > fn->end)
			return -EINVAL;
		if (val == 0 && start != fn->entry && n < max)
			out[n++] = start;
	}
}

const char *gopcln_version_name(uint32_t magic)
{
	switch (magic) {
	case GOPCLN_MAGIC_12: return "1.2-1.15";
	case GOPCLN_MAGIC_116: return "1.16-1.17";
	case GOPCLN_MAGIC_118: return "1.18-1.19";
	case GOPCLN_MAGIC_120: return "1.20+";
	default: return "unknown";
	}
}
