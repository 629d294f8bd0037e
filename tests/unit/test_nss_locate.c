// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_nss_locate.c - the NSS locators (sources/nss/locate.h) on
 * Debian's NSS 3.87.1 (libnss3 2:3.87.1-1+deb12u4: objdump's numbers,
 * see docs/nss.md) and, when installed, Firefox ESR's bundled NSS; the
 * client-random decoder on the copies gcc and clang emit; OpenSSL and a
 * program without TLS are not NSS; copies whose labels, code or freebl
 * table were changed are refused, never guessed at. */
#include "testlib.h"
#include "binary/elfptr.h"
#include "binary/elfsym.h"
#include "sources/nss/locate.h"
#include "sources/nss/random.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SYS "/usr/lib/x86_64-linux-gnu/"
#define FF "/usr/lib/firefox-esr/"

/* SSL_ExportKeyingMaterial's seed copies, as Debian's gcc emits them
 * (load, store, in turn; ss in r12, val in r13) ... */
static const uint8_t gcc_copy[] = {
	0xf3, 0x41, 0x0f, 0x6f, 0x84, 0x24, 0x20, 0x06, 0x00, 0x00,
	0xc7, 0x44, 0x24, 0x18, 0x40, 0x00, 0x00, 0x00,
	0x48, 0xc7, 0x44, 0x24, 0x10, 0x40, 0x00, 0x00, 0x00,
	0x41, 0x0f, 0x11, 0x45, 0x00,
	0xf3, 0x41, 0x0f, 0x6f, 0x8c, 0x24, 0x30, 0x06, 0x00, 0x00,
	0x41, 0x0f, 0x11, 0x4d, 0x10,
	0xf3, 0x41, 0x0f, 0x6f, 0x94, 0x24, 0x00, 0x06, 0x00, 0x00,
	0x41, 0x0f, 0x11, 0x55, 0x20,
	0xf3, 0x41, 0x0f, 0x6f, 0x9c, 0x24, 0x10, 0x06, 0x00, 0x00,
	0x41, 0x0f, 0x11, 0x5d, 0x30,
};
/* ... and Firefox's clang (two loads, two stores, in any order; ss in
 * rdi, val in rax). */
static const uint8_t clang_copy[] = {
	0x0f, 0x10, 0x87, 0x38, 0x06, 0x00, 0x00,
	0x0f, 0x10, 0x8f, 0x48, 0x06, 0x00, 0x00,
	0x0f, 0x11, 0x48, 0x10,
	0x0f, 0x11, 0x00,
	0x0f, 0x10, 0x87, 0x18, 0x06, 0x00, 0x00,
	0x0f, 0x10, 0x8f, 0x28, 0x06, 0x00, 0x00,
	0x0f, 0x11, 0x40, 0x20,
	0x0f, 0x11, 0x48, 0x30,
};

static void random_decoder(void)
{
	uint8_t c[sizeof(gcc_copy)];
	uint32_t off = 0;

	CHECK(nss_random_offset(gcc_copy, sizeof(gcc_copy), &off) == 0 && off == 0x620);
	CHECK(nss_random_offset(clang_copy, sizeof(clang_copy), &off) == 0 && off == 0x638);
	/* the second half of the client random from elsewhere: no copy */
	memcpy(c, gcc_copy, sizeof(c));
	c[38] = 0x38; /* [r12+0x638] */
	CHECK(nss_random_offset(c, sizeof(c), &off) == -ENOENT);
	/* no server random stored after it: not the exporter's seed */
	CHECK(nss_random_offset(gcc_copy, sizeof(gcc_copy) - 20, &off) == -ENOENT);
	CHECK(nss_random_offset(c, 0, &off) == -ENOENT);
}

/* A copy of the file at path with `from` (n bytes, once in it) replaced
 * by `to`, opened. */
static struct elfsym *patched(const char *path, const void *from,
			      const void *to, size_t n)
{
	size_t len = 0;
	uint8_t *buf = test_slurp(path, &len), *hit;
	struct elfsym *e = NULL;

	if (!buf)
		return NULL;
	hit = memmem(buf, len, from, n);
	CHECK_MSG(hit && !memmem(hit + 1, len - (size_t)(hit - buf) - 1, from, n),
		  "%s: the pattern is not there once", path);
	if (hit)
		memcpy(hit, to, n);
	CHECK(elfsym_open_mem(buf, len, &e) == 0);
	free(buf);
	return e;
}

static void system_ssl(void)
{
	struct nss_ssl_layout l;
	uint8_t moved[42];
	struct elfsym *e;
	char why[256];
	int err;

	err = nss_ssl_locate(SYS "libssl3.so", &l, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	CHECK(!strcmp(l.version, "3.87.1"));
	CHECK(l.fn_vaddr == 0x1b130);  /* a lone `ret`: no key log built in */
	CHECK(l.fn_probe == 0x1b130);  /* single-stepped where it is, so: */
	CHECK(l.n_probes == 2 && l.probes[0] == 0x1b32c && l.probes[1] == 0x3da1f); /* its calls */
	CHECK(l.cr_off == 0x620);      /* server random at 0x600 */

	/* "CLIENT_RANDOM" renamed: nothing says where the function is */
	e = patched(SYS "libssl3.so", "\0CLIENT_RANDOM\0", "\0CLIENT_RANDOX\0", 15);
	err = e ? nss_ssl_locate_elf(e, &l, why, sizeof(why)) : -1;
	CHECK_MSG(err == -EPROTO && strstr(why, "no call takes the label"), "%d %s", err, why);
	elfsym_close(e);
	/* one of the exporter's two seeds (TLS 1.2 with and without a
	 * context) moved 8 bytes: the copies disagree */
	memcpy(moved, gcc_copy, sizeof(moved));
	moved[6] = 0x28;
	moved[38] = 0x38;
	e = patched(SYS "libssl3.so", gcc_copy, moved, sizeof(moved));
	err = e ? nss_ssl_locate_elf(e, &l, why, sizeof(why)) : -1;
	CHECK_MSG(err == -EPROTO && strstr(why, "SSL_ExportKeyingMaterial"), "%d %s", err, why);
	elfsym_close(e);
}

/* freebl's SHA256Context and SHA512Context (lib/freebl/sha256.h,
 * sha512.c) after the End of an HMAC's outer hash: 64 + 32 bytes
 * hashed, padded to 120 (768 bits); 128 + 48, padded to 240 (1408). */
static void sha_layouts(const struct nss_sha_layout *s)
{
	const struct nss_sha_layout *a = &s[NSS_SHA256], *b = &s[NSS_SHA384];

	CHECK(a->h_off == 256 && a->count_off == 288 && a->tail_off == 48);
	CHECK(a->count_end == 120ULL << 32); /* sizeHi 0, sizeLo 120 */
	CHECK(a->tail_end[0] == 768ULL << 32 && a->tail_end[1] == 0x30000ULL << 32);
	CHECK(b->h_off == 640 && b->count_off == 704 && b->tail_off == 112);
	CHECK(b->count_end == 240 && b->tail_end[0] == 1408 &&
	      b->tail_end[1] == __builtin_bswap64(1408));
}

static void system_freebl(void)
{
	struct nss_freebl_layout l;
	struct elfsym *e;
	uint64_t slot = 0xb7220 + 8 + 8 * 143, v = 0;
	char why[256];
	int err;

	err = nss_freebl_locate(SYS "libfreeblpriv3.so", &l, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	CHECK(!strcmp(l.version, "3.87.1") && l.vector_version == 0x325);
	CHECK(l.vaddr[NSS_FB_PRF] == 0x34620 && l.vaddr[NSS_FB_P_HASH] == 0x343e0);
	CHECK(l.vaddr[NSS_FB_FINISH] == 0x10930 && l.vaddr[NSS_FB_DESTROY] == 0x106f0);
	CHECK(l.hashobj_off == 8 && l.hash_off == 0);
	CHECK(l.vaddr[NSS_FB_SHA256_END] == 0xefe0 && l.vaddr[NSS_FB_SHA512_END] == 0xf9d0 &&
	      l.vaddr[NSS_FB_SHA384_END] == 0xff50);
	sha_layouts(l.sha);

	/* elfptr: the table's slot 143 through its RELATIVE relocation */
	CHECK(elfsym_open(SYS "libfreeblpriv3.so", &e) == 0);
	CHECK(elfptr_read(e, &slot, 1, &v) == 0 && v == 0x10930);
	slot = 0x4460; /* code, no relocation: its bytes, not a pointer */
	CHECK(elfptr_read(e, &slot, 1, &v) == 0 && v != 0x10930);
	elfsym_close(e);
	/* SHA256_End reading its counter elsewhere (`mov r12d,[rdi+0x124]`
	 * made [rdi+0x128]): the context is not the one known */
	e = patched(SYS "libfreeblpriv3.so", "\x44\x8b\xa7\x24\x01\x00\x00",
		    "\x44\x8b\xa7\x28\x01\x00\x00", 7);
	err = e ? nss_freebl_locate_elf(e, &l, why, sizeof(why)) : -1;
	CHECK_MSG(err == -EPROTO && strstr(why, "SHA256_End"), "%d %s", err, why);
	elfsym_close(e);
	/* HMAC_Destroy reading cx->hash at +8, where hashobj is: refused */
	e = patched(SYS "libfreeblpriv3.so", "\x48\x8b\x3f\x48\x85\xff\x74\x3a\x48\x8b\x43\x08",
		    "\x48\x8b\x7f\x08\x48\x85\xff\x74\x3a\x8b\x43\x08", 12);
	err = e ? nss_freebl_locate_elf(e, &l, why, sizeof(why)) : -1;
	CHECK_MSG(err == -EPROTO && strstr(why, "disagree"), "%d %s", err, why);
	elfsym_close(e);
	/* a table of another major version: refused */
	e = patched(SYS "libfreeblpriv3.so", "\xa0\x07\x25\x03", "\xa0\x07\x25\x04", 4);
	err = e ? nss_freebl_locate_elf(e, &l, why, sizeof(why)) : -1;
	CHECK_MSG(err == -EPROTO && strstr(why, "returns no table"), "%d %s", err, why);
	elfsym_close(e);
}

static void firefox(void)
{
	struct nss_ssl_layout s;
	struct nss_freebl_layout f;
	char why[256];
	int err;

	if (access(FF "libssl3.so", R_OK)) {
		printf("note: no " FF ": Firefox's NSS is not looked at (make deps)\n");
		return;
	}
	err = nss_ssl_locate(FF "libssl3.so", &s, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	CHECK(s.cr_off >= 0x400 && s.cr_off < 0x1000 && s.version[0]);
	/* its key-log function starts with an emulated push: probed there */
	CHECK(s.n_probes == 1 && s.probes[0] == s.fn_probe);
	err = nss_freebl_locate(FF "libfreeblpriv3.so", &f, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	CHECK(f.hashobj_off == 8 && f.hash_off == 0 && f.vector_version >= 0x325);
	sha_layouts(f.sha);
}

int main(void)
{
	struct nss_ssl_layout s;
	struct nss_freebl_layout f;
	char why[256];

	random_decoder();
	/* not NSS */
	CHECK(nss_ssl_locate(SYS "libssl.so.3", &s, why, sizeof(why)) == -ENODATA);
	CHECK(nss_freebl_locate(SYS "libssl.so.3", &f, why, sizeof(why)) == -ENODATA);
	CHECK(nss_ssl_locate("/bin/true", &s, why, sizeof(why)) == -ENODATA);
	CHECK(nss_ssl_locate(SYS "libnss3.so", &s, why, sizeof(why)) == -ENODATA);
	CHECK(nss_freebl_locate(SYS "libssl3.so", &f, why, sizeof(why)) == -ENODATA);
	CHECK(nss_ssl_locate("/nonexistent", &s, why, sizeof(why)) == -ENOENT);
	if (access(SYS "libssl3.so", R_OK) || access(SYS "libfreeblpriv3.so", R_OK))
		test_skip("no " SYS "libssl3.so (make deps: libnss3)");
	system_ssl();
	system_freebl();
	firefox();
	return test_done("test_nss_locate");
}
