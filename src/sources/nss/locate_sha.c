// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate_sha.c - freebl's SHA-256 and SHA-384 contexts (sha.h), checked
 * against the code of SHA256_End and SHA512_End (locate.h).
 *
 * The layouts are NSS's (lib/freebl/sha256.h, sha512.c; the same in
 * 3.87.1 and 3.110): SHA256Context is a 256-byte message schedule whose
 * first 64 bytes are the block being filled, h[8] (32-bit words), sizeHi,
 * sizeLo; SHA512Context a 640-byte schedule, h[8] (64-bit), sizeLo.  End
 * adds the padding through Update (the counter counts it), stores the
 * length in bits in the block's last words, compresses, and swaps h[] in
 * place into output order before copying it out.  The file must show
 * it: End reads the counter, stores the two length words and rewrites
 * every word of h[] at exactly these offsets, or it is refused. */
#include "sources/nss/locate.h"
#include "binary/elfsym.h"

#include <errno.h>
#include <string.h>

struct sha_fact {
	unsigned block;  /* block length */
	unsigned digest; /* HMAC output: SECHashObject.length */
	unsigned word;   /* bytes of a word of h[] and of the schedule */
	unsigned h_off;  /* h[] */
	unsigned count;  /* the counter's (first) word */
	unsigned end_fn; /* whose code shows it (enum nss_freebl_fn) */
};

static const struct sha_fact facts[NSS_SHA_N] = {
	[NSS_SHA256] = { 64, 32, 4, 256, 288, NSS_FB_SHA256_END },
	[NSS_SHA384] = { 128, 48, 8, 640, 704, NSS_FB_SHA512_END },
};

/* A mov to or from [reg+disp] (8b, 89, c7 /0; disp8 or disp32; with a
 * SIB byte or not) somewhere in c[0..n): a hint, not a decoder; the
 * caller asks for a dozen such operands together. */
static int has_disp(const uint8_t *c, size_t n, int32_t disp)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		uint8_t mod = c[i + 1] >> 6, rm = c[i + 1] & 7;
		size_t d = i + 2 + (rm == 4);
		int32_t v;

		if ((c[i] != 0x8b && c[i] != 0x89 && c[i] != 0xc7) ||
		    mod == 0 || mod == 3)
			continue;
		if (mod == 1 && d < n && (int8_t)c[d] == disp)
			return 1;
		if (mod == 2 && d + 4 <= n) {
			memcpy(&v, c + d, 4);
			if (v == disp)
				return 1;
		}
	}
	return 0;
}

/* The offsets End must touch: the counter's words, the block's two
 * length words, the eight words of h[]. */
static int end_matches(const struct sha_fact *f, const uint8_t *c, size_t n)
{
	int ok = has_disp(c, n, (int32_t)f->count) &&
		 has_disp(c, n, (int32_t)(f->block - 2 * f->word)) &&
		 has_disp(c, n, (int32_t)(f->block - f->word));

	if (f->word == 4)
		ok = ok && has_disp(c, n, (int32_t)f->count + 4);
	for (unsigned i = 0; i < 8 && ok; i++)
		ok = has_disp(c, n, (int32_t)(f->h_off + i * f->word));
	return ok;
}

static uint64_t swap(uint64_t v, unsigned word)
{
	return word == 4 ? __builtin_bswap32((uint32_t)v)
			 : __builtin_bswap64(v);
}

/* The values of an HMAC's outer hash after End: one block and one
 * digest, padded to the length field (which takes two words). */
static void end_state(const struct sha_fact *f, struct nss_sha_layout *s)
{
	unsigned msg = f->block + f->digest, room = f->block - 2 * f->word;
	unsigned in = msg % f->block;
	uint64_t total = msg + (in < room ? room - in : f->block + room - in);
	uint64_t bits = 8ULL * msg;

	s->h_off = f->h_off;
	s->count_off = f->count;
	s->tail_off = f->block - 16;
	/* SHA-256: sizeHi (0), then sizeLo; SHA-512: one 64-bit count */
	s->count_end = f->word == 4 ? total << 32 : total;
	/* the length word last, as the C code leaves it (swapped back to
	 * the CPU's order) or as SHA-NI does (big-endian, untouched) */
	s->tail_end[0] = f->word == 4 ? bits << 32 : bits;
	s->tail_end[1] = f->word == 4 ? swap(bits, 4) << 32 : swap(bits, 8);
}

/* SHA384_End only caps the length and goes on in SHA512_End: a call or
 * jump (rel32) to it in its first bytes. */
static int reaches(const uint8_t *c, size_t n, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i + 5 <= n && i < 32; i++) {
		int32_t d;

		if (c[i] != 0xe8 && c[i] != 0xe9)
			continue;
		memcpy(&d, c + i + 1, 4);
		if (from + i + 5 + (uint64_t)(int64_t)d == to)
			return 1;
	}
	return 0;
}

int nss_sha_locate(struct elfsym *e, const uint64_t vaddr[NSS_FB_N],
		   struct nss_sha_layout sha[NSS_SHA_N], const char **why)
{
	uint8_t c[384]; /* End's body up to its ret: 270-310 bytes in both */
	int n;

	for (unsigned k = 0; k < NSS_SHA_N; k++) {
		const struct sha_fact *f = &facts[k];

		n = elfsym_code_at(e, vaddr[f->end_fn], c, sizeof(c), NULL);
		if (n < 0 || !end_matches(f, c, (size_t)n)) {
			*why = k == NSS_SHA256 ? "SHA256_End is not the one known"
					       : "SHA512_End is not the one known";
			return -EPROTO;
		}
		end_state(f, &sha[k]);
	}
	n = elfsym_code_at(e, vaddr[NSS_FB_SHA384_END], c, 64, NULL);
	if (n < 0 || !reaches(c, (size_t)n, vaddr[NSS_FB_SHA384_END],
			      vaddr[NSS_FB_SHA512_END])) {
		*why = "SHA384_End does not go on in SHA512_End";
		return -EPROTO;
	}
	return 0;
}
