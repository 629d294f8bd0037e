// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* osslstatic.c - see osslstatic.h. */
#include "binary/osslstatic.h"
#include "binary/ehframe.h"
#include "binary/elfsym.h"
#include "binary/xref.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define LEA_LEN 7          /* REX.W 8d modrm(rip) disp32 */
#define VERSION_READ 32    /* bytes read at a candidate version string */
#define PROVIDER_CODE 2048 /* a get_params function is far smaller */

/* Does the file load a shared libssl or libcrypto (DT_NEEDED, whose
 * names are in .dynstr)?  Then its OpenSSL is that library, probed as
 * such; the names it holds are its own calls into it (tlsdump itself
 * holds "SSL_do_handshake" to probe it).  1, 0, or -errno. */
static int links_openssl(struct elfsym *e)
{
	static const char crypto[] = "\0libcrypto.so.", ssl[] = "\0libssl.so.";
	struct elfsym_region r;
	char buf[65536];
	size_t n;
	int err;

	if (elfsym_section(e, ".dynstr", &r))
		return 0; /* static */
	n = r.size < sizeof(buf) - 1 ? (size_t)r.size : sizeof(buf) - 1;
	err = elfsym_read(e, r.offset, buf, n);
	if (err)
		return err;
	buf[n] = '\0';
	return memmem(buf, n, crypto, sizeof(crypto) - 1) ||
	       memmem(buf, n, ssl, sizeof(ssl) - 1);
}

int osslstatic_is(struct elfsym *e)
{
	int r = links_openssl(e);

	if (r)
		return r < 0 ? r : 0;
	r = xref_has_text(e, "SSL_do_handshake", false);
	if (r == 1)
		r = xref_has_text(e, "ssl_write_internal", false);
	/* and the file name its error calls pass beside: a program that
	 * only holds the names (tlsdump's own tables, in its fuzzers) is
	 * not OpenSSL */
	return r == 1 ? xref_has_text(e, "ssl/ssl_lib.c", true) : r;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

size_t osslstatic_parse_version(const char *s, size_t len)
{
	size_t i = 0, k;

	for (int part = 0; part < 3; part++) {
		for (k = 0; i < len && is_digit(s[i]) && k < 3; k++)
			i++;
		if (k == 0 || (part < 2 && (i >= len || s[i++] != '.')))
			return 0;
	}
	for (k = 0; i < len && s[i] >= 'a' && s[i] <= 'z' && k < 2; k++)
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		for (i++, k = 0; i < len && s[i] != '\0' && k < 16; k++, i++)
			if (s[i] <= ' ' || s[i] > '~')
				return 0;
		if (k == 0)
			return 0;
	}
	return i < len && s[i] == '\0' ? i : 0;
}

/* The code of the function holding `at`: its FDE, else a window from
 * `at` (a get_params without unwind info). */
static int code_of(struct elfsym *e, const struct ehframe *eh, uint64_t at,
		   uint8_t *buf, size_t cap, uint64_t *va, size_t *n)
{
	const struct ehframe_func *f = ehframe_func_at(eh, at);
	uint64_t off, avail;

	*va = f ? f->start : at;
	*n = f && f->size < cap ? (size_t)f->size : cap;
	if (elfsym_vaddr_to_offset(e, *va, &off, &avail) != 0)
		return -ENOENT;
	if (avail < *n)
		*n = (size_t)avail;
	return elfsym_read(e, off, buf, *n);
}

struct find_version {
	struct elfsym *e;
	struct ehframe eh;
	char *buf;
	size_t len;
};

/* The address code[i] loads: lea reg,[rip+X]; in non-PIE code (abs)
 * also mov r32,imm32 (b8+r).  0 when it is neither. */
static uint64_t load_at(const uint8_t *c, size_t n, size_t i, uint64_t va,
			bool abs)
{
	int32_t rel;
	uint32_t imm;

	if (i + LEA_LEN <= n && (c[i] == 0x48 || c[i] == 0x4c) &&
	    c[i + 1] == 0x8d && (c[i + 2] & 0xc7) == 0x05) {
		memcpy(&rel, c + i + 3, 4);
		return va + i + LEA_LEN + (uint64_t)(int64_t)rel;
	}
	if (abs && i + 5 <= n && c[i] >= 0xb8 && c[i] <= 0xbf) {
		memcpy(&imm, c + i + 1, 4);
		return imm;
	}
	return 0;
}

/* A string code[] loads that reads as a version. */
static int version_in(struct find_version *v, const uint8_t *c, size_t n,
		      uint64_t va)
{
	bool abs = elfsym_type(v->e) == ET_EXEC;

	for (size_t i = 0; i < n; i++) {
		char s[VERSION_READ];
		uint64_t target = load_at(c, n, i, va, abs), off, avail;
		size_t vl;

		if (!target ||
		    elfsym_vaddr_to_offset(v->e, target, &off, &avail) != 0 ||
		    avail < 8)
			continue;
		if (elfsym_read(v->e, off, s, avail < sizeof(s) ?
				(size_t)avail : sizeof(s)) != 0)
			continue;
		vl = osslstatic_parse_version(s, avail < sizeof(s) ?
					      (size_t)avail : sizeof(s));
		if (!vl)
			continue;
		if (vl >= v->len)
			return -ENOSPC;
		memcpy(v->buf, s, vl);
		v->buf[vl] = '\0';
		return 1;
	}
	return 0;
}

static int provider_load(void *ctx, unsigned k, uint64_t at)
{
	struct find_version *v = ctx;
	uint8_t code[PROVIDER_CODE];
	uint64_t va;
	size_t n;

	if (code_of(v->e, &v->eh, at, code, sizeof(code), &va, &n) != 0)
		return 0;
	return version_in(v, code, n, va);
}

int osslstatic_version(struct elfsym *e, char *buf, size_t len)
{
	static const char *const names[] = { "OpenSSL Default Provider",
					     "OpenSSL Base Provider" };
	struct find_version v = { .e = e, .buf = buf, .len = len };
	int r;

	if (ehframe_load(e, &v.eh) == -ENOMEM)
		return -ENOMEM; /* without FDEs: a window after each load */
	r = xref_loads(e, names, 2, provider_load, &v);
	ehframe_free(&v.eh);
	if (r < 0)
		return r == -ENOSPC ? r : -ENOENT;
	return r > 0 ? 0 : -ENOENT;
}

/* ---- the functions to probe ---- */

/* The __func__ names, by role, best first: ssl_read_internal serves
 * SSL_read and SSL_read_ex alike, SSL_read only when it was inlined. */
static const char *const names[] = {
	"SSL_do_handshake", "ssl_read_internal", "SSL_read",
	"ssl_write_internal", "SSL_write", "SSL_shutdown",
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))
static const int role_of[N_NAMES] = {
	OSR_HANDSHAKE, OSR_READ, OSR_READ, OSR_WRITE, OSR_WRITE, OSR_SHUTDOWN,
};

struct find_sites {
	struct ehframe eh;
	struct osslstatic_func f[N_NAMES][OSSLSTATIC_MAX_FUNCS];
	unsigned n[N_NAMES];
	bool too_many[N_NAMES];
};

static int site_load(void *ctx, unsigned k, uint64_t at)
{
	struct find_sites *fs = ctx;
	const struct ehframe_func *f = ehframe_func_at(&fs->eh, at);

	if (!f || k >= N_NAMES)
		return 0;
	for (unsigned i = 0; i < fs->n[k]; i++)
		if (fs->f[k][i].vaddr == f->start)
			return 0;
	if (fs->n[k] == OSSLSTATIC_MAX_FUNCS) {
		fs->too_many[k] = true;
		return 0;
	}
	fs->f[k][fs->n[k]++] = (struct osslstatic_func){ f->start, f->size };
	return 0;
}

int osslstatic_sites(struct elfsym *e, struct osslstatic_sites *s)
{
	struct find_sites fs;
	int err;

	memset(s, 0, sizeof(*s));
	memset(&fs, 0, sizeof(fs));
	err = ehframe_load(e, &fs.eh);
	if (err)
		return err;
	err = xref_loads(e, names, N_NAMES, site_load, &fs);
	ehframe_free(&fs.eh);
	if (err < 0)
		return err;
	for (unsigned k = 0; k < N_NAMES; k++) {
		int r = role_of[k];

		if (s->n[r] || !fs.n[k] || fs.too_many[k])
			continue;
		memcpy(s->f[r], fs.f[k], sizeof(fs.f[k]));
		s->n[r] = fs.n[k];
		s->name[r] = names[k];
	}
	return s->n[OSR_HANDSHAKE] ? 0 : -ENODATA;
}
