// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* random.c - see random.h.  A pattern match at every byte, not a decoder:
 * a stray match inside another instruction would also have to fit the
 * other three copies. */
#include "sources/nss/random.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MAX_MOVES 64     /* 16-byte moves looked at */
#define FIELD_MAX 0x4000 /* the randoms end within the socket's first 16 KiB */

/* One 16-byte SSE move between an xmm register and [base + disp]. */
struct move {
	size_t at;     /* its offset in the code */
	bool load;     /* xmm <- memory (else memory <- xmm) */
	int xmm, base;
	int32_t disp;
};

/* movups/movupd/movdqu/movdqa with a register base, no index: prefix
 * (none, 66 or f3), optional REX, 0f, opcode, ModRM [, SIB] [, disp].
 * The length, or 0 when code does not start with one. */
static size_t decode(const uint8_t *c, size_t n, struct move *m)
{
	size_t i = 0;
	uint8_t pfx = 0, rex = 0, op, modrm, mod, rm;

	if (n > 0 && (c[0] == 0x66 || c[0] == 0xf3))
		pfx = c[i++];
	if (i < n && (c[i] & 0xf0) == 0x40)
		rex = c[i++];
	if (i + 3 > n || c[i] != 0x0f)
		return 0;
	op = c[i + 1];
	modrm = c[i + 2];
	i += 3;
	if (op == 0x10 || op == 0x11) {
		if (pfx == 0xf3)
			return 0; /* movss: 4 bytes */
	} else if (op == 0x6f || op == 0x7f) {
		if (!pfx)
			return 0; /* MMX */
	} else {
		return 0;
	}
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3 || (mod == 0 && rm == 5))
		return 0; /* register or rip-relative */
	if (rm == 4) { /* SIB: only [base] without an index */
		if (i >= n || (c[i] & 0x38) != 0x20 || (mod == 0 && (c[i] & 7) == 5))
			return 0;
		rm = c[i++] & 7;
	}
	m->disp = 0;
	if (mod == 1) {
		if (i + 1 > n)
			return 0;
		m->disp = (int8_t)c[i++];
	} else if (mod == 2) {
		if (i + 4 > n)
			return 0;
		memcpy(&m->disp, c + i, 4);
		i += 4;
	}
	m->load = op == 0x10 || op == 0x6f;
	m->xmm = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
	m->base = rm | (rex & 1 ? 8 : 0);
	return i;
}

/* The latest load into xmm before the move at index k, or -1. */
static int load_before(const struct move *mv, int k, int xmm)
{
	for (int j = k - 1; j >= 0; j--)
		if (mv[j].xmm == xmm)
			return mv[j].load ? j : -1;
	return -1;
}

/* The store of `dst + to` (dst: the base of the store to [dst]) whose
 * register was loaded from [src + from]: true when there is one. */
static bool copies(const struct move *mv, int n, int dst, int32_t to,
		   int src, int32_t from)
{
	for (int k = 0; k < n; k++) {
		int j;

		if (mv[k].load || mv[k].base != dst || mv[k].disp != to)
			continue;
		j = load_before(mv, k, mv[k].xmm);
		if (j >= 0 && mv[j].base == src && mv[j].disp == from)
			return true;
	}
	return false;
}

/* The client random's offset if the store at k starts the 64-byte seed. */
static int seed_at(const struct move *mv, int n, int k, uint32_t *off)
{
	int j = load_before(mv, k, mv[k].xmm);
	int32_t d;
	int src;

	if (j < 0 || mv[j].base == mv[k].base)
		return -1;
	d = mv[j].disp;
	src = mv[j].base;
	if (d < 32 || d + 32 > FIELD_MAX ||
	    !copies(mv, n, mv[k].base, 16, src, d + 16))
		return -1;
	/* the server random: just before, or elsewhere in the socket */
	for (int s = 0; s < n; s++) {
		if (mv[s].load || mv[s].base != mv[k].base || mv[s].disp != 32)
			continue;
		j = load_before(mv, s, mv[s].xmm);
		if (j >= 0 && mv[j].base == src &&
		    copies(mv, n, mv[k].base, 48, src, mv[j].disp + 16)) {
			*off = (uint32_t)d;
			return 0;
		}
	}
	return -1;
}

int nss_random_offset(const uint8_t *code, size_t n, uint32_t *off)
{
	struct move mv[MAX_MOVES];
	int nm = 0, found = 0;
	uint32_t o;

	for (size_t i = 0; i < n && nm < MAX_MOVES; i++) {
		size_t len = decode(code + i, n - i, &mv[nm]);

		if (!len)
			continue;
		mv[nm].at = i;
		nm++;
		i += len - 1;
	}
	for (int k = 0; k < nm; k++) {
		if (mv[k].load || mv[k].disp != 0 || seed_at(mv, nm, k, &o))
			continue;
		if (found && o != *off)
			return -EPROTO;
		*off = o;
		found = 1;
	}
	return found ? 0 : -ENOENT;
}
