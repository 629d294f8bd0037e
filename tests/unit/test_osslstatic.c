// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_osslstatic.c - binary/ehframe.c and binary/osslstatic.c: function
 * ranges from .eh_frame records (hand-made, and truncated at every
 * byte), the version string parser, the providers' version in Debian's
 * libcrypto (which also has the text: both must agree), and, when the
 * fixture of tests/e2e/test_tls_static.sh is built, the stripped static
 * client's probe points equal what .symtab says of the plain one; a copy
 * whose SSL_do_handshake name was changed is refused, not guessed at;
 * node (non-PIE, OpenSSL built without -fPIC: names passed as immediates,
 * SSL_do_handshake inlined into SSL_connect and SSL_accept) gives the
 * functions its .dynsym names and the version of its text. */
#include "testlib.h"
#include "binary/ehframe.h"
#include "binary/elfsym.h"
#include "binary/osslstatic.h"
#include "binary/xref.h"

#include <errno.h>
#include <string.h>

#define LIBCRYPTO "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"
#define FIXTURE "build/fixtures/openssl-static/"
#define NODE "/usr/bin/node"

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* CIE "zR" with FDE encoding pcrel|sdata4, then two FDEs, then the
 * terminator; the section sits at vaddr 0x1000. */
static size_t make_eh(uint8_t *b)
{
	static const uint8_t cie[] = {
		0x14, 0, 0, 0, 0, 0, 0, 0, /* length 20, CIE id 0 */
		1, 'z', 'R', 0, 1, 0x78, 0x10, /* version, aug, align, ra */
		1, 0x1b,                   /* aug length, R: pcrel|sdata4 */
		0x0c, 0x07, 0x08, 0x90, 0x01, 0, 0, /* instructions, pad */
	};
	size_t n = sizeof(cie);

	memcpy(b, cie, n);
	for (int i = 0; i < 2; i++) {
		uint32_t start = i ? 0x3000 : 0x2000, size = i ? 0x80 : 0x40;

		put32(b + n, 16);                 /* length */
		put32(b + n + 4, (uint32_t)(n + 4)); /* back to the CIE */
		put32(b + n + 8, (uint32_t)(start - (0x1000 + n + 8)));
		put32(b + n + 12, size);
		put32(b + n + 16, 0);             /* no aug data, no insns */
		n += 20;
	}
	put32(b + n, 0);
	return n + 4;
}

static void ehframe(void)
{
	uint8_t b[256];
	size_t len = make_eh(b);
	struct ehframe t;

	CHECK(ehframe_parse(b, len, 0x1000, &t) == 0);
	CHECK(t.n == 2);
	CHECK(ehframe_func_at(&t, 0x2000) && ehframe_func_at(&t, 0x2000)->start == 0x2000);
	CHECK(ehframe_func_at(&t, 0x203f) && ehframe_func_at(&t, 0x203f)->size == 0x40);
	CHECK(ehframe_func_at(&t, 0x2040) == NULL);
	CHECK(ehframe_func_at(&t, 0x1fff) == NULL);
	CHECK(ehframe_func_at(&t, 0x307f) && ehframe_func_at(&t, 0x307f)->start == 0x3000);
	ehframe_free(&t);
	/* cut anywhere: no crash, never a range that was not there */
	for (size_t cut = 0; cut < len; cut++) {
		int err = ehframe_parse(b, cut, 0x1000, &t);

		CHECK(err == 0 || err == -ENOENT);
		for (size_t i = 0; !err && i < t.n; i++)
			CHECK(t.f[i].start == 0x2000 || t.f[i].start == 0x3000);
		ehframe_free(&t);
	}
	b[9] = 'x'; /* an augmentation we do not read: no FDE taken */
	CHECK(ehframe_parse(b, len, 0x1000, &t) == -ENOENT);
}

static void parse_version(void)
{
	static const struct { const char *s; size_t want; } cases[] = {
		{ "3.0.22", 6 }, { "1.1.1w", 6 }, { "3.5.0-dev", 9 },
		{ "3.0.13+quic", 11 }, { "3.0", 0 }, { "3.0.22 27 Jan", 0 },
		{ "x3.0.1", 0 }, { "3.0.1-", 0 }, { "1234.0.1", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_MSG(osslstatic_parse_version(cases[i].s, strlen(cases[i].s) + 1) ==
			  cases[i].want, "%s", cases[i].s);
	CHECK(osslstatic_parse_version("3.0.22", 6) == 0); /* no NUL in reach */
}

static void libcrypto(void)
{
	char text[64], prov[64];
	struct elfsym *e;

	if (elfsym_open(LIBCRYPTO, &e) != 0) {
		printf("no %s: its check skipped\n", LIBCRYPTO);
		return;
	}
	CHECK(elfsym_openssl_version(e, text, sizeof(text)) == 0);
	CHECK(osslstatic_version(e, prov, sizeof(prov)) == 0);
	CHECK_MSG(!strcmp(text, prov), "text %s, providers %s", text, prov);
	CHECK(osslstatic_version(e, prov, 4) == -ENOSPC);
	CHECK(osslstatic_is(e) == 0); /* libssl's names are not in libcrypto */
	elfsym_close(e);
}

/* sites of the stripped copy == .symtab of the plain one */
static void fixture(void)
{
	static const char *const want[OSR_N] = { "SSL_do_handshake",
		"ssl_read_internal", "ssl_write_internal", "SSL_shutdown" };
	struct osslstatic_sites s;
	struct elfsym *plain, *e;
	uint8_t *buf, *hit;
	char v[64];
	size_t len = 0;

	if (elfsym_open(FIXTURE "sslstatic", &plain) != 0 ||
	    !(buf = test_slurp(FIXTURE "sslstatic-strip", &len))) {
		printf("no " FIXTURE " (tools/fixtures/openssl-static.sh): its checks skipped\n");
		return;
	}
	CHECK(elfsym_open_mem(buf, len, &e) == 0);
	CHECK(osslstatic_is(e) == 1);
	CHECK(osslstatic_version(e, v, sizeof(v)) == 0 && !strncmp(v, "3.", 2));
	CHECK(osslstatic_sites(e, &s) == 0);
	for (int r = 0; r < OSR_N; r++) {
		struct elfsym_func fn;

		CHECK(elfsym_find_func(plain, want[r], &fn) == 0);
		CHECK_MSG(s.n[r] == 1 && s.f[r][0].vaddr == fn.vaddr &&
			  s.f[r][0].size == fn.size, "%s", want[r]);
	}
	elfsym_close(e);
	/* the names without the file name its errors pass: not OpenSSL
	 * (tlsdump's own fuzzers hold the names as a table) */
	hit = memmem(buf, len, "ssl/ssl_lib.c", 13);
	CHECK(hit != NULL);
	if (hit)
		hit[0] = 'X';
	CHECK(elfsym_open_mem(buf, len, &e) == 0);
	CHECK(osslstatic_is(e) == 0);
	elfsym_close(e);
	if (hit)
		hit[0] = 's';
	hit = memmem(buf, len, "\0SSL_do_handshake\0", 18);
	CHECK(hit != NULL);
	if (hit)
		hit[1] = 'X';
	CHECK(elfsym_open_mem(buf, len, &e) == 0);
	CHECK(osslstatic_is(e) == 0);
	CHECK(osslstatic_sites(e, &s) == -ENODATA);
	elfsym_close(e);
	elfsym_close(plain);
	free(buf);
}

/* Which exported function starts at vaddr ("" none). */
static const char *name_at(struct elfsym *e, uint64_t vaddr,
			   const char *const *names)
{
	struct elfsym_func fn;

	for (; *names; names++)
		if (elfsym_find_func(e, *names, &fn) == 0 && fn.vaddr == vaddr)
			return *names;
	return "";
}

static void node(void)
{
	static const char *const allowed[OSR_N][5] = {
		{ "SSL_do_handshake", "SSL_connect", "SSL_accept", NULL },
		{ "ssl_read_internal", "SSL_read", "SSL_read_ex", "SSL_peek", NULL },
		{ "ssl_write_internal", "SSL_write", "SSL_write_ex", NULL },
		{ "SSL_shutdown", NULL },
	};
	struct osslstatic_sites s;
	char text[64], prov[64];
	struct elfsym *e;

	if (elfsym_open(NODE, &e) != 0) {
		printf("no " NODE ": its checks skipped\n");
		return;
	}
	CHECK(elfsym_openssl_version(e, text, sizeof(text)) == 0);
	CHECK(osslstatic_version(e, prov, sizeof(prov)) == 0);
	CHECK_MSG(!strcmp(text, prov), "text %s, providers %s", text, prov);
	CHECK(osslstatic_sites(e, &s) == 0);
	for (int r = 0; r < OSR_N; r++) {
		CHECK_MSG(s.n[r] >= 1, "role %d", r);
		for (unsigned i = 0; i < s.n[r]; i++)
			CHECK_MSG(*name_at(e, s.f[r][i].vaddr, allowed[r]),
				  "role %d: 0x%llx is none of its functions", r,
				  (unsigned long long)s.f[r][i].vaddr);
	}
	elfsym_close(e);
}

/* tlsdump holds OpenSSL's error names (osslstatic.c's tables) and loads
 * libcrypto.so: a caller of the shared library, not a static OpenSSL (it
 * was once judged one, in every other tlsdump's --list). */
static void shared_caller(void)
{
	struct elfsym *e;

	if (elfsym_open("build/tlsdump", &e) != 0) {
		CHECK_MSG(0, "cannot open build/tlsdump (make builds it first)");
		return;
	}
	CHECK(xref_has_text(e, "SSL_do_handshake", false) == 1);
	CHECK(osslstatic_is(e) == 0);
	elfsym_close(e);
}

int main(void)
{
	shared_caller();
	ehframe();
	parse_version();
	libcrypto();
	fixture();
	node();
	return test_done("osslstatic");
}
