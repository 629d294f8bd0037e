// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ehframe.c - see ehframe.h.  Record layout: the LSB's "Exception Frame"
 * chapter (a length, then a CIE id of 0 or an FDE's back pointer to its
 * CIE); only what locates code is read: the CIE's 'R' augmentation (how
 * the FDE encodes addresses) and the FDE's pc_begin and pc_range. */
#include "binary/ehframe.h"
#include "binary/elfsym.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECTION (256u << 20) /* larger: not a file we judge */
#define MAX_FUNCS (4u << 20)

/* DW_EH_PE_*: value format (low nibble) and application (bits 4-6). */
#define PE_OMIT 0xff
#define PE_PCREL 0x10

struct cursor {
	const uint8_t *b;
	size_t len, pos;
	bool bad;
};

static uint64_t get_n(struct cursor *c, size_t n)
{
	uint64_t v = 0;

	if (c->bad || n > c->len - c->pos || c->pos > c->len) {
		c->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->b[c->pos + i] << (8 * i);
	c->pos += n;
	return v;
}

static uint64_t get_leb(struct cursor *c, bool is_signed)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t byte;

	do {
		byte = (uint8_t)get_n(c, 1);
		if (shift < 64)
			v |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
	} while (!c->bad && (byte & 0x80) && shift < 70);
	if (is_signed && shift < 64 && (byte & 0x40))
		v |= ~0ull << shift;
	return v;
}

/* A value in format enc & 0x0f (no application). */
static uint64_t get_enc(struct cursor *c, uint8_t enc)
{
	switch (enc & 0x0f) {
	case 0x0: case 0x4: case 0xc: return get_n(c, 8);
	case 0x2: return get_n(c, 2);
	case 0xa: return (uint64_t)(int64_t)(int16_t)get_n(c, 2);
	case 0x3: return get_n(c, 4);
	case 0xb: return (uint64_t)(int64_t)(int32_t)get_n(c, 4);
	case 0x1: return get_leb(c, false);
	case 0x9: return get_leb(c, true);
	}
	c->bad = true;
	return 0;
}

/* The FDE pointer encoding of the CIE at offset off, or PE_OMIT when it
 * is not one we read. */
static uint8_t cie_encoding(const uint8_t *sec, size_t len, size_t off)
{
	struct cursor c = { sec, len, off, false };
	uint64_t n = get_n(&c, 4);
	uint8_t version, enc = 0x00; /* no 'R': absolute, 8 bytes */
	const char *aug;
	size_t alen, aend;

	if (c.bad || n == 0 || n == 0xffffffffu || n > len - c.pos ||
	    get_n(&c, 4) != 0)
		return PE_OMIT;
	c.len = c.pos - 4 + (size_t)n; /* the record's end */
	version = (uint8_t)get_n(&c, 1);
	aug = (const char *)sec + c.pos;
	alen = strnlen(aug, c.len - c.pos);
	if (c.bad || alen == c.len - c.pos || strstr(aug, "eh"))
		return PE_OMIT;
	c.pos += alen + 1;
	if (version == 4)
		get_n(&c, 2); /* address and segment size */
	get_leb(&c, false); /* code alignment */
	get_leb(&c, true);  /* data alignment */
	if (version == 1)
		get_n(&c, 1);
	else
		get_leb(&c, false); /* return address register */
	if (aug[0] != 'z')
		return c.bad ? PE_OMIT : enc;
	aend = (size_t)get_leb(&c, false);
	if (c.bad || aend > c.len - c.pos)
		return PE_OMIT;
	aend += c.pos;
	for (size_t i = 1; i < alen && !c.bad && c.pos <= aend; i++) {
		if (aug[i] == 'R') {
			enc = (uint8_t)get_n(&c, 1);
		} else if (aug[i] == 'P') {
			uint8_t penc = (uint8_t)get_n(&c, 1);

			get_enc(&c, penc);
		} else if (aug[i] == 'L') {
			get_n(&c, 1);
		} else if (aug[i] != 'S' && aug[i] != 'B' && aug[i] != 'G') {
			break; /* unknown: 'R' came first or not at all */
		}
	}
	return c.bad ? PE_OMIT : enc;
}

static int add(struct ehframe *t, size_t *cap, uint64_t start, uint64_t size)
{
	if (t->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		struct ehframe_func *f;

		if (ncap > MAX_FUNCS)
			return -E2BIG;
		f = realloc(t->f, ncap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		t->f = f;
		*cap = ncap;
	}
	t->f[t->n++] = (struct ehframe_func){ start, size };
	return 0;
}

/* The FDE whose body (after its length) starts at body: its code range
 * into t.  enc_cache: the last CIE looked at. */
static int fde(const uint8_t *sec, size_t end, size_t body, uint64_t vaddr,
	       struct ehframe *t, size_t *cap, size_t cache[2])
{
	struct cursor c = { sec, end, body, false };
	uint32_t back = (uint32_t)get_n(&c, 4);
	uint64_t field, start, size;
	uint8_t enc;

	if (back > body)
		return 0;
	if (cache[0] != body - back) {
		cache[0] = body - back;
		cache[1] = cie_encoding(sec, end, body - back);
	}
	enc = (uint8_t)cache[1];
	if (enc == PE_OMIT || (enc & 0x70 & ~PE_PCREL) || (enc & 0x80))
		return 0; /* an application we do not read */
	field = vaddr + c.pos;
	start = get_enc(&c, enc);
	if (enc & PE_PCREL)
		start += field;
	size = get_enc(&c, enc & 0x0f);
	if (c.bad || !size || !start || size > (1u << 24))
		return 0;
	return add(t, cap, start, size);
}

static int by_start(const void *a, const void *b)
{
	const struct ehframe_func *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int ehframe_parse(const uint8_t *sec, size_t len, uint64_t vaddr,
		  struct ehframe *out)
{
	size_t pos = 0, cap = 0, cache[2] = { (size_t)-1, PE_OMIT };
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (!err && len - pos >= 8) {
		uint32_t n;

		memcpy(&n, sec + pos, 4);
		if (n == 0)
			break; /* the terminator */
		if (n == 0xffffffffu || n > len - pos - 4)
			break; /* 64-bit records (not emitted here) or broken */
		if (n >= 4 && (sec[pos + 4] | sec[pos + 5] | sec[pos + 6] |
			       sec[pos + 7]))
			err = fde(sec, pos + 4 + n, pos + 4, vaddr, out, &cap,
				  cache);
		pos += 4 + (size_t)n;
	}
	if (err) {
		ehframe_free(out);
		return err;
	}
	if (!out->n)
		return -ENOENT;
	qsort(out->f, out->n, sizeof(*out->f), by_start);
	return 0;
}

int ehframe_load(struct elfsym *e, struct ehframe *out)
{
	struct elfsym_region r;
	uint8_t *sec;
	int err;

	memset(out, 0, sizeof(*out));
	if (elfsym_section(e, ".eh_frame", &r) != 0 || !r.size)
		return -ENOENT;
	if (r.size > MAX_SECTION)
		return -E2BIG;
	sec = malloc((size_t)r.size);
	if (!sec)
		return -ENOMEM;
	err = elfsym_read(e, r.offset, sec, (size_t)r.size);
	if (!err)
		err = ehframe_parse(sec, (size_t)r.size, r.vaddr, out);
	free(sec);
	return err;
}

void ehframe_free(struct ehframe *t)
{
	free(t->f);
	memset(t, 0, sizeof(*t));
}

const struct ehframe_func *ehframe_func_at(const struct ehframe *t,
					   uint64_t vaddr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) { /* the first start above vaddr */
		size_t mid = lo + (hi - lo) / 2;

		if (t->f[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || vaddr - t->f[lo - 1].start >= t->f[lo - 1].size)
		return NULL;
	return &t->f[lo - 1];
}
