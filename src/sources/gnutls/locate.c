// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate.c - see locate.h.  The instruction forms are those of GnuTLS
 * 3.7 and 3.8 as gcc builds them for Debian (docs/gnutls.md); anything
 * else is refused with the step that did not match. */
#include "sources/gnutls/locate.h"
#include "binary/elfsym.h"
#include "binary/prologue.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OFFSET 0x4000u   /* a session field beyond this is not one */
#define CALL_WINDOW 64       /* load of the callback .. call through it */
#define XREF_WINDOW 80       /* lea of a label .. the call that takes it */

static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

/* The first bytes of an exported function, endbr64 skipped. */
struct code {
	uint8_t b[64];
	size_t n;
	uint64_t vaddr;  /* of b[0] */
	uint64_t offset; /* in the file, of b[0] */
};

static int refuse(char *why, size_t wlen, const char *step)
{
	snprintf(why, wlen, "GnuTLS build not recognised: %s", step);
	return -EPROTO;
}

static int export_code(struct elfsym *e, const char *name, struct code *c)
{
	struct elfsym_func fn;
	int n;

	if (elfsym_find_func(e, name, &fn) != 0)
		return -ENODATA;
	n = elfsym_func_bytes(e, &fn, c->b, sizeof(c->b));
	if (n < 0)
		return n;
	c->n = (size_t)n;
	c->vaddr = fn.vaddr;
	c->offset = fn.offset;
	if (c->n >= 4 && !memcmp(c->b, endbr64, 4)) {
		memmove(c->b, c->b + 4, c->n - 4);
		c->n -= 4;
		c->vaddr += 4;
		c->offset += 4;
	}
	return 0;
}

/* `rex op modrm(reg, [rdi+disp8|disp32])` at p: its length, 0 if not.
 * reg < 0: any register. */
static size_t rdi_disp(const uint8_t *p, size_t n, uint8_t rex, uint8_t op,
		       int reg, int32_t *disp)
{
	uint8_t m;

	if (n < 4 || p[0] != rex || p[1] != op)
		return 0;
	m = p[2];
	if ((m & 7) != 7 || (reg >= 0 && ((m >> 3) & 7) != reg))
		return 0;
	if (m >> 6 == 1) {
		*disp = (int8_t)p[3];
		return 4;
	}
	if (m >> 6 == 2 && n >= 7) {
		memcpy(disp, p + 3, 4);
		return 7;
	}
	return 0;
}

static bool sane(int32_t off)
{
	return off >= 0 && (uint32_t)off < MAX_OFFSET;
}

/* gnutls_session_get_keylog_function: mov rax,[rdi+K]; ret; and the
 * setter, mov [rdi+K],rsi; ret, must agree. */
static int find_keylog_field(struct elfsym *e, struct gnutls_layout *l,
			     char *why, size_t wlen)
{
	struct code get, set;
	int32_t k = -1, k2 = -2;
	size_t n;

	if (export_code(e, "gnutls_session_get_keylog_function", &get) ||
	    export_code(e, "gnutls_session_set_keylog_function", &set))
		return -ENODATA;
	n = rdi_disp(get.b, get.n, 0x48, 0x8b, 0, &k);
	if (!n || n >= get.n || get.b[n] != 0xc3 || !sane(k))
		return refuse(why, wlen, "gnutls_session_get_keylog_function");
	n = rdi_disp(set.b, set.n, 0x48, 0x89, 6, &k2);
	if (!n || n >= set.n || set.b[n] != 0xc3 || k2 != k)
		return refuse(why, wlen, "gnutls_session_set_keylog_function");
	l->keylog_func = (uint32_t)k;
	return 0;
}

/* gnutls_session_get_random: test rsi,rsi; je; lea rax,[rdi+R];
 * gnutls_session_get_master_secret: add rdi,M; mov dword [rsi+8],48. */
static int find_secrets(struct elfsym *e, struct gnutls_layout *l, char *why,
			size_t wlen)
{
	static const uint8_t size48[7] = { 0xc7, 0x46, 0x08, 0x30, 0, 0, 0 };
	struct code r, m;
	int32_t cr = -1, ms = -1;
	size_t at = 0;

	if (export_code(e, "gnutls_session_get_random", &r) ||
	    export_code(e, "gnutls_session_get_master_secret", &m))
		return refuse(why, wlen, "no gnutls_session_get_random/get_master_secret");
	if (r.n < 12 || memcmp(r.b, "\x48\x85\xf6\x74", 4) != 0 ||
	    !rdi_disp(r.b + 5, r.n - 5, 0x48, 0x8d, 0, &cr) || !sane(cr))
		return refuse(why, wlen, "gnutls_session_get_random");
	if (m.n >= 4 && !memcmp(m.b, "\x48\x83\xc7", 3)) {
		ms = m.b[3];
		at = 4;
	} else if (m.n >= 7 && !memcmp(m.b, "\x48\x81\xc7", 3)) {
		memcpy(&ms, m.b + 3, 4);
		at = 7;
	}
	if (!at || m.n < at + 7 || memcmp(m.b + at, size48, 7) != 0 || !sane(ms))
		return refuse(why, wlen, "gnutls_session_get_master_secret");
	l->client_random = (uint32_t)cr;
	l->master_secret = (uint32_t)ms;
	return 0;
}

/* gnutls_protocol_get_version: mov rax,[rdi+P]; test; je; mov eax,[rax+I]. */
static int find_pversion(struct elfsym *e, struct gnutls_layout *l, char *why,
			 size_t wlen)
{
	struct code c;
	int32_t p = -1;
	size_t n, i;

	if (export_code(e, "gnutls_protocol_get_version", &c))
		return refuse(why, wlen, "no gnutls_protocol_get_version");
	n = rdi_disp(c.b, c.n, 0x48, 0x8b, 0, &p);
	if (!n || !sane(p))
		return refuse(why, wlen, "gnutls_protocol_get_version");
	for (i = n; i + 3 <= c.n && i < n + 12; i++) {
		if (c.b[i] == 0x8b && c.b[i + 1] == 0x40 && c.b[i + 2] < 0x40) {
			l->pversion = (uint32_t)p;
			l->pversion_id = c.b[i + 2];
			return 0;
		}
	}
	return refuse(why, wlen, "gnutls_protocol_get_version (id)");
}

#define MARKER_TAG "Enabled GnuTLS "   /* global.c's first debug line */
#define MARKER_END " logging"
#define MARKER_VERSION_MAX 31

/* "3.7.9 logging": the length of "3.7.9"; 0 when it is not that. */
static size_t marker_parse(const char *s, size_t len)
{
	const size_t elen = sizeof(MARKER_END) - 1;
	size_t i = 0, dots = 0;

	while (i < len && i <= MARKER_VERSION_MAX &&
	       ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
		if (s[i] == '.' && (i == 0 || s[i - 1] == '.'))
			return 0;
		dots += s[i] == '.';
		i++;
	}
	if (!dots || i > MARKER_VERSION_MAX || s[i - 1] == '.' ||
	    len - i < elen || memcmp(s + i, MARKER_END, elen) != 0)
		return 0;
	return i;
}

int gnutls_marker(struct elfsym *e, char *version, size_t vlen)
{
	int err = elfsym_find_version(e, MARKER_TAG, marker_parse, version,
				      vlen);

	return err == -ENOSPC ? 0 : err;
}

bool gnutls_has_symtab(struct elfsym *e)
{
	struct elfsym_region r;

	return elfsym_section(e, ".symtab", &r) == 0;
}

/* gnutls_check_version's first lea reg,[rip+X]: X is the version text. */
void gnutls_code_version(struct elfsym *e, char *version, size_t vlen)
{
	struct code c;
	uint64_t off;
	char s[32];
	size_t i, k;

	if (vlen)
		version[0] = '\0';
	if (export_code(e, "gnutls_check_version", &c))
		return;
	for (i = 0; i + 7 <= c.n && i < 16; i++) {
		int32_t rel;

		if ((c.b[i] != 0x48 && c.b[i] != 0x4c) || c.b[i + 1] != 0x8d ||
		    (c.b[i + 2] & 0xc7) != 0x05)
			continue;
		memcpy(&rel, c.b + i + 3, 4);
		if (elfsym_vaddr_to_offset(e, c.vaddr + i + 7 + (int64_t)rel,
					   &off, NULL) ||
		    elfsym_read(e, off, s, sizeof(s)))
			return;
		for (k = 0; k < sizeof(s) - 1 && s[k] &&
			    ((s[k] >= '0' && s[k] <= '9') || s[k] == '.'); k++)
			;
		if (k && !s[k])
			snprintf(version, vlen, "%s", s);
		return;
	}
}

/* A file part's bytes (malloc'd). */
static uint8_t *region_bytes(struct elfsym *e, const char *name,
			     struct elfsym_region *r)
{
	uint8_t *b;

	if (elfsym_section(e, name, r) != 0 || !r->size || r->size > (1u << 30))
		return NULL;
	b = malloc(r->size);
	if (b && elfsym_read(e, r->offset, b, r->size) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

/* Where the function holding the load at t[i] starts: endbr64, or
 * sub rsp,imm8 (itself after an endbr64), at most 16 bytes before. */
static uint64_t func_start(const uint8_t *t, size_t i, uint64_t base)
{
	for (size_t back = 0; back <= 16 && back <= i; back++) {
		const uint8_t *p = t + i - back;

		if (!memcmp(p, endbr64, 4))
			return base + i - back;
		if (!memcmp(p, "\x48\x83\xec", 3))
			return base + i - back -
			       (back + 4 <= i && !memcmp(p - 4, endbr64, 4) ? 4 : 0);
	}
	return base + i;
}

/* Does code that loaded the callback into reg call it soon after? */
static bool calls_reg(const uint8_t *t, size_t n, size_t from, int reg)
{
	uint8_t want[3] = { 0x41, 0xff, (uint8_t)(0xd0 + (reg & 7)) };
	const uint8_t *pat = reg >= 8 ? want : want + 1;
	size_t plen = reg >= 8 ? 3 : 2;

	for (size_t j = from; j + plen <= n && j < from + CALL_WINDOW; j++)
		if (!memcmp(t + j, pat, plen))
			return true;
	return false;
}

/* The one function other than the getter that loads [rdi+keylog_func]
 * into a register and calls it: _gnutls_call_keylog_func.  Count of
 * candidates (the first in *at). */
static int keylog_candidates(const uint8_t *t, size_t n, uint64_t base,
			     uint32_t field, uint64_t getter, uint64_t *at)
{
	int found = 0;

	for (size_t i = 0; i + 7 <= n; i++) {
		int32_t d;
		int reg;

		if ((t[i] != 0x48 && t[i] != 0x4c) || t[i + 1] != 0x8b ||
		    (t[i + 2] & 0xc7) != 0x87)
			continue;
		memcpy(&d, t + i + 3, 4);
		if ((uint32_t)d != field || base + i == getter)
			continue;
		reg = ((t[i + 2] >> 3) & 7) + (t[i] == 0x4c ? 8 : 0);
		if (!calls_reg(t, n, i + 7, reg))
			continue;
		if (!found++)
			*at = func_start(t, i, base);
	}
	return found;
}

/* Labels passed as a literal to the key-log function (constate.c picks
 * its labels into a register first: not usable as a check). */
static const char *const xref_labels[] = {
	"CLIENT_RANDOM", "CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET",
};
#define N_XREF (sizeof(xref_labels) / sizeof(xref_labels[0]))

/* The addresses of the labels in .rodata (0: not there). */
static void label_addrs(struct elfsym *e, uint64_t addr[N_XREF])
{
	struct elfsym_region r;
	uint8_t *ro = region_bytes(e, ".rodata", &r);

	memset(addr, 0, N_XREF * sizeof(addr[0]));
	for (size_t k = 0; ro && k < N_XREF; k++) {
		char pat[40];
		size_t len = (size_t)snprintf(pat + 1, sizeof(pat) - 1, "%s",
					      xref_labels[k]) + 2;
		uint8_t *hit;

		pat[0] = '\0'; /* "\0LABEL\0": the whole string, not a tail */
		hit = memmem(ro, r.size, pat, len);
		if (hit)
			addr[k] = r.vaddr + (uint64_t)(hit - ro) + 1;
	}
	free(ro);
}

/* The first call within XREF_WINDOW bytes after from: 1 a direct call
 * (its target in *target), 2 a call through a register (its number in
 * *reg), 0 none. */
static int next_call(const uint8_t *t, size_t n, size_t from, uint64_t base,
		     uint64_t *target, int *reg)
{
	for (size_t j = from; j + 5 <= n && j < from + XREF_WINDOW; j++) {
		int32_t rel;

		if (t[j] == 0xe8) {
			memcpy(&rel, t + j + 1, 4);
			*target = base + j + 5 + (int64_t)rel;
			return 1;
		}
		if (t[j] == 0xff && (t[j + 1] & 0xf8) == 0xd0) {
			*reg = (t[j + 1] & 7) + (j && t[j - 1] == 0x41 ? 8 : 0);
			return 2;
		}
	}
	return 0;
}

/* Did the code just before t[i] load reg from [any+field] (`mov reg,
 * [base+disp32]`)?  The key-log function inlined into its caller: gcc
 * does that to kx.c's CLIENT_RANDOM call when libgnutls.a is built
 * without -fPIC (static programs, docs/gnutls.md). */
static bool loads_field(const uint8_t *t, size_t i, int reg, uint32_t field)
{
	for (size_t back = 7; back <= XREF_WINDOW && back <= i; back++) {
		const uint8_t *p = t + i - back;
		int32_t d;

		if ((p[0] & 0xf8) != 0x48 || p[1] != 0x8b || (p[2] & 0xc0) != 0x80 ||
		    (p[2] & 7) == 4)
			continue;
		memcpy(&d, p + 3, 4);
		if ((uint32_t)d == field &&
		    ((p[2] >> 3) & 7) + ((p[0] & 4) ? 8 : 0) == reg)
			return true;
	}
	return false;
}

/* Every `lea reg,[rip+LABEL]` is followed by a call of fn, or by a call
 * through the callback just loaded from the session (fn inlined; counted
 * in *inlined): how many labels were seen passed to fn (each at least
 * once), or -1 if one call goes elsewhere. */
static int xrefs_agree(const uint8_t *t, size_t n, uint64_t base,
		       const uint64_t addr[N_XREF], uint64_t fn, uint32_t field,
		       unsigned *inlined)
{
	unsigned seen = 0;

	for (size_t i = 0; i + 7 <= n; i++) {
		uint64_t target = 0;
		int32_t rel;
		int reg = -1, kind;
		size_t k;

		if ((t[i] != 0x48 && t[i] != 0x4c) || t[i + 1] != 0x8d ||
		    (t[i + 2] & 0xc7) != 0x05)
			continue;
		memcpy(&rel, t + i + 3, 4);
		target = base + i + 7 + (int64_t)rel;
		for (k = 0; k < N_XREF && (!addr[k] || addr[k] != target); k++)
			;
		if (k == N_XREF)
			continue;
		kind = next_call(t, n, i + 7, base, &target, &reg);
		if (kind == 2 && loads_field(t, i, reg, field)) {
			(*inlined)++;
			continue;
		}
		if (kind != 1 || target != fn)
			return -1;
		seen |= 1u << k;
	}
	return __builtin_popcount(seen);
}

static int find_keylog_func(struct elfsym *e, struct gnutls_layout *l,
			    char *why, size_t wlen)
{
	struct elfsym_region r;
	struct code get;
	uint64_t addr[N_XREF], fn = 0;
	uint8_t *t = region_bytes(e, ".text", &r);
	int cands, agree;

	if (!t)
		return refuse(why, wlen, "no .text section");
	export_code(e, "gnutls_session_get_keylog_function", &get);
	cands = keylog_candidates(t, r.size, r.vaddr, l->keylog_func, get.vaddr,
				  &fn);
	label_addrs(e, addr);
	agree = cands == 1 ? xrefs_agree(t, r.size, r.vaddr, addr, fn,
					 l->keylog_func, &l->inlined) : -1;
	free(t);
	if (cands != 1) {
		snprintf(why, wlen, "GnuTLS build not recognised: %d functions call the key-log callback (1 expected)",
			 cands);
		return -EPROTO;
	}
	if (agree < 2)
		return refuse(why, wlen, "the key-log labels are not passed to _gnutls_call_keylog_func");
	l->keylog_vaddr = fn;
	return 0;
}

/* gnutls_handshake first tests internals.initial_negotiation_completed
 * (a later call on a TLS 1.3 session is a key update or nothing):
 * `cmp byte [rdi+D], 0` before any call; 0 when it does not. */
static uint32_t find_done(const struct code *hs)
{
	for (size_t i = 0; i + 4 <= hs->n && hs->b[i] != 0xe8; i++) {
		int32_t d = -1;

		if (hs->b[i] != 0x80)
			continue;
		if (hs->b[i + 1] == 0x7f && hs->b[i + 3] == 0)
			d = (int8_t)hs->b[i + 2];
		else if (hs->b[i + 1] == 0xbf && i + 7 <= hs->n && hs->b[i + 6] == 0)
			memcpy(&d, hs->b + i + 2, 4);
		return sane(d) && d > 0 ? (uint32_t)d : 0;
	}
	return 0;
}

/* Entry probe of the key-log function: the cheapest place that still
 * sees its four arguments (binary/prologue.h). */
static int place_probes(struct elfsym *e, struct gnutls_layout *l, char *why,
			size_t wlen)
{
	struct prologue_site site;
	struct code hs;
	uint8_t code[256];
	uint64_t off, avail;

	if (elfsym_vaddr_to_offset(e, l->keylog_vaddr, &off, &avail) ||
	    avail < 16)
		return refuse(why, wlen, "the key-log function is outside the file");
	if (avail > sizeof(code))
		avail = sizeof(code);
	if (elfsym_read(e, off, code, (size_t)avail))
		return -EIO;
	l->keylog_probe = off;
	if (prologue_find(code, (size_t)avail, prologue_args_mask(4), &site) != -EINVAL)
		l->keylog_probe = off + site.offset;
	if (export_code(e, "gnutls_handshake", &hs))
		return -ENODATA;
	l->handshake = hs.offset; /* the return address is on top here */
	l->hs_done = find_done(&hs);
	return 0;
}

/* No accessors to read: GnuTLS without its symbols is refused, named;
 * anything else is not GnuTLS (-ENODATA). */
static int refuse_stripped(struct elfsym *e, struct gnutls_layout *l,
			   char *why, size_t wlen)
{
	bool symtab = gnutls_has_symtab(e);

	if (gnutls_marker(e, l->version, sizeof(l->version)) != 0)
		return -ENODATA;
	snprintf(why, wlen, "GnuTLS %s: its functions cannot be found",
		 symtab ? "without the symbols of its key-log accessors" :
			  "without symbols (stripped)");
	return -EPROTO;
}

int gnutls_locate_elf(struct elfsym *e, struct gnutls_layout *l, char *why,
		      size_t wlen)
{
	int err;

	memset(l, 0, sizeof(*l));
	snprintf(why, wlen, "not GnuTLS");
	if (elfsym_machine(e) != EM_X86_64)
		return -ENOEXEC;
	err = find_keylog_field(e, l, why, wlen);
	if (!err)
		err = find_secrets(e, l, why, wlen);
	if (!err)
		err = find_pversion(e, l, why, wlen);
	if (!err)
		err = find_keylog_func(e, l, why, wlen);
	if (!err)
		err = place_probes(e, l, why, wlen);
	gnutls_code_version(e, l->version, sizeof(l->version));
	if (err == -ENODATA)
		err = refuse_stripped(e, l, why, wlen);
	return err;
}

int gnutls_locate(const char *path, struct gnutls_layout *l, char *why,
		  size_t wlen)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err) {
		snprintf(why, wlen, "%s", strerror(-err));
		return err;
	}
	err = gnutls_locate_elf(e, l, why, wlen);
	elfsym_close(e);
	return err;
}
