// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xref.c - see xref.h. */
#include "binary/xref.h"
#include "binary/elfsym.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STR_MAX 48        /* longest string looked for, NUL included */
#define ADDRS_PER_STR 4   /* copies of one string kept (merging may fail) */
#define WINDOW 96         /* load .. the call that takes it */
#define MAX_CANDS 512     /* callees voted for */
#define LEA_LEN 7         /* REX.W 8d modrm(rip) disp32 */
#define WALK_OVERLAP (WINDOW + 16)

struct strings {
	const char *const *s;
	unsigned n;
	bool part; /* a substring will do (else the NUL must follow) */
	uint64_t addr[XREF_MAX_STRINGS][ADDRS_PER_STR];
	unsigned n_addr[XREF_MAX_STRINGS];
	uint64_t lo, hi; /* range of every address found */
};

struct cand {
	uint64_t target;
	uint32_t strs; /* bit k: a load of string k reaches it */
};

struct votes {
	struct strings *st;
	struct cand c[MAX_CANDS];
	unsigned n;
	unsigned loads;
	uint64_t next; /* loads below this vaddr were seen (chunk overlap) */
	uint64_t start, end; /* of .text */
};

static void add_addr(struct strings *st, unsigned k, uint64_t a)
{
	for (unsigned i = 0; i < st->n_addr[k]; i++)
		if (st->addr[k][i] == a)
			return; /* seen again in a chunk's overlap */
	if (st->n_addr[k] == ADDRS_PER_STR)
		return;
	st->addr[k][st->n_addr[k]++] = a;
	if (!st->lo || a < st->lo)
		st->lo = a;
	if (a > st->hi)
		st->hi = a;
}

/* Every "s\0" in the chunk; s may be the tail of a longer string that the
 * linker merged it into, so the byte before it does not matter. */
static int find_strings(void *ctx, const uint8_t *b, size_t n, uint64_t va)
{
	struct strings *st = ctx;

	for (unsigned k = 0; k < st->n; k++) {
		size_t len = strlen(st->s[k]) + !st->part;
		const uint8_t *p = b, *end = b + n;

		while ((p = memmem(p, (size_t)(end - p), st->s[k], len)) != NULL) {
			add_addr(st, k, va + (uint64_t)(p - b));
			p++;
		}
	}
	return 0;
}

static int string_of(const struct strings *st, uint64_t a)
{
	if (a < st->lo || a > st->hi)
		return -1;
	for (unsigned k = 0; k < st->n; k++)
		for (unsigned i = 0; i < st->n_addr[k]; i++)
			if (st->addr[k][i] == a)
				return (int)k;
	return -1;
}

static void vote(struct votes *v, uint64_t target, unsigned k)
{
	unsigned i;

	for (i = 0; i < v->n && v->c[i].target != target; i++)
		;
	if (i == v->n) {
		if (v->n == MAX_CANDS)
			return;
		v->c[v->n++] = (struct cand){ target, 0 };
	}
	v->c[i].strs |= 1u << k;
}

/* A load of string k at b[i]: the first call/jmp rel32 into .text in
 * the window votes (the one that takes the string, unless a stray e8/e9
 * byte inside another instruction comes first). */
static void window(struct votes *v, const uint8_t *b, size_t n, size_t i,
		   uint64_t va, unsigned k)
{
	for (size_t j = i + LEA_LEN; j + 5 <= n && j < i + WINDOW; j++) {
		uint64_t target;
		int32_t rel;

		if (b[j] != 0xe8 && b[j] != 0xe9)
			continue;
		memcpy(&rel, b + j + 1, 4);
		target = va + j + 5 + (uint64_t)(int64_t)rel;
		if (target >= v->start && target < v->end) {
			vote(v, target, k);
			return;
		}
	}
}

/* The next `lea disp32(%rip), reg` of chunk b (at va) from *p on that
 * starts at or after min_va and loads one of st's strings: true with its
 * offset in b (*i) and the string's index (*k), *p past it. */
static bool next_load(const struct strings *st, const uint8_t *b, size_t n,
		      uint64_t va, uint64_t min_va, const uint8_t **p,
		      size_t *i, int *k)
{
	const uint8_t *end = b + n;

	while (*p + LEA_LEN - 1 <= end &&
	       (*p = memchr(*p, 0x8d, (size_t)(end - *p))) != NULL) {
		size_t j = (size_t)(*p - b) - 1;
		int32_t rel;

		(*p)++;
		if ((b[j] != 0x48 && b[j] != 0x4c) || j + LEA_LEN > n ||
		    (b[j + 2] & 0xc7) != 0x05 || va + j < min_va)
			continue;
		memcpy(&rel, b + j + 3, 4);
		*k = string_of(st, va + j + LEA_LEN + (uint64_t)(int64_t)rel);
		if (*k >= 0) {
			*i = j;
			return true;
		}
	}
	return false;
}

static int find_loads(void *ctx, const uint8_t *b, size_t n, uint64_t va)
{
	struct votes *v = ctx;
	const uint8_t *p = b + 1;
	size_t i;
	int k;

	while (next_load(v->st, b, n, va, v->next, &p, &i, &k)) {
		/* near the chunk's end the window is cut: the next chunk,
		 * which starts in the overlap, sees this load whole */
		if (i + WINDOW > n && va + n < v->end)
			continue;
		v->loads++;
		v->next = va + i + 1;
		window(v, b, n, i, va, (unsigned)k);
	}
	return 0;
}

static int read_strings(struct elfsym *e, struct strings *st)
{
	struct elfsym_region ro;

	if (elfsym_section(e, ".rodata", &ro) != 0)
		return -ENOENT;
	return elfsym_scan(e, &ro, STR_MAX, find_strings, st);
}

int xref_common_callee(struct elfsym *e, const char *const *strs, unsigned n,
		       struct xref_result *res)
{
	struct strings st = { .s = strs, .n = n };
	struct elfsym_region text;
	struct votes *v;
	int err;

	memset(res, 0, sizeof(*res));
	if (!n || n > XREF_MAX_STRINGS)
		return -EINVAL;
	for (unsigned k = 0; k < n; k++)
		if (strlen(strs[k]) + 1 > STR_MAX)
			return -EINVAL;
	err = read_strings(e, &st);
	if (err)
		return err;
	for (unsigned k = 0; k < n; k++)
		res->found += st.n_addr[k] > 0;
	if (!res->found)
		return 0;
	if (elfsym_section(e, ".text", &text) != 0)
		return -ENOENT;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->st = &st;
	v->start = text.vaddr;
	v->end = text.vaddr + text.size;
	err = elfsym_scan(e, &text, WALK_OVERLAP, find_loads, v);
	res->loads = v->loads;
	for (unsigned i = 0; !err && i < v->n; i++) {
		unsigned c = (unsigned)__builtin_popcount(v->c[i].strs);

		if (c > res->agree) {
			res->runner_up = res->agree;
			res->agree = c;
			res->callee = v->c[i].target;
		} else if (c > res->runner_up) {
			res->runner_up = c;
		}
	}
	free(v);
	return err;
}

struct each {
	struct strings *st;
	xref_load_fn fn;
	void *ctx;
	uint64_t next; /* loads below this vaddr were reported (overlap) */
	uint64_t next_abs; /* the same for absolute loads */
	bool abs;      /* non-PIE code: absolute addresses count too */
};

/* Code built without -fPIC for a fixed address (node's OpenSSL) passes
 * a literal as an immediate: mov r32,imm32 (b8+r, REX 41 before it for
 * r8d-r15d) or mov r/m64,imm32 (REX.W c7 /0, register form).  The
 * address it loads at b[i], or 0. */
static uint64_t abs_load(const uint8_t *b, size_t n, size_t i, size_t *len)
{
	uint32_t imm;

	if (b[i] >= 0xb8 && b[i] <= 0xbf && i + 5 <= n) {
		memcpy(&imm, b + i + 1, 4);
		*len = 5;
		return imm;
	}
	if ((b[i] == 0x48 || b[i] == 0x49) && i + 7 <= n && b[i + 1] == 0xc7 &&
	    (b[i + 2] & 0xf8) == 0xc0) {
		memcpy(&imm, b + i + 3, 4);
		*len = 7;
		return (uint64_t)(int64_t)(int32_t)imm;
	}
	return 0;
}

static int each_abs(struct each *x, const uint8_t *b, size_t n, uint64_t va)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		uint64_t a = abs_load(b, n, i, &len);
		int k, r;

		if (a < x->st->lo || a > x->st->hi || va + i < x->next_abs)
			continue;
		k = string_of(x->st, a);
		if (k < 0)
			continue;
		x->next_abs = va + i + 1;
		r = x->fn(x->ctx, (unsigned)k, va + i);
		if (r)
			return r;
	}
	return 0;
}

static int each_load(void *ctx, const uint8_t *b, size_t n, uint64_t va)
{
	struct each *x = ctx;
	const uint8_t *p = b + 1;
	size_t i;
	int k, r;

	if (x->abs && (r = each_abs(x, b, n, va)) != 0)
		return r;
	while (next_load(x->st, b, n, va, x->next, &p, &i, &k)) {
		x->next = va + i + 1;
		r = x->fn(x->ctx, (unsigned)k, va + i);
		if (r)
			return r;
	}
	return 0;
}

int xref_loads(struct elfsym *e, const char *const *strs, unsigned n,
	       xref_load_fn fn, void *ctx)
{
	struct strings st = { .s = strs, .n = n };
	struct each x = { &st, fn, ctx, 0, 0, elfsym_type(e) == ET_EXEC };
	struct elfsym_region text;
	int err;

	if (!n || n > XREF_MAX_STRINGS)
		return -EINVAL;
	for (unsigned k = 0; k < n; k++)
		if (strlen(strs[k]) + 1 > STR_MAX)
			return -EINVAL;
	err = read_strings(e, &st);
	if (err || !st.lo)
		return err;
	if (elfsym_section(e, ".text", &text) != 0)
		return -ENOENT;
	return elfsym_scan(e, &text, LEA_LEN, each_load, &x);
}

int xref_has_text(struct elfsym *e, const char *s, bool part)
{
	const char *one[1] = { s };
	struct strings st = { .s = one, .n = 1, .part = part };
	int err;

	if (strlen(s) + 1 > STR_MAX)
		return -EINVAL;
	err = read_strings(e, &st);
	if (err)
		return err == -ENOENT ? 0 : err;
	return st.n_addr[0] > 0;
}
