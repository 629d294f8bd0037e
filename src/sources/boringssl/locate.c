// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate.c - see locate.h.  The instruction forms are those clang emits
 * for ssl_log_secret in Chromium 156 and Android's BoringSSL
 * (docs/boringssl.md); anything else is refused with the step named. */
#include "sources/boringssl/locate.h"
#include "binary/elfsym.h"
#include "binary/prologue.h"
#include "binary/targets.h"
#include "binary/vcache.h"
#include "binary/xref.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CODE_MAX 512     /* of ssl_log_secret read for its client random */
#define SAVE_WINDOW 96   /* where ssl is copied out of rdi */
#define FIELD_MAX 0x200  /* s3->client_random must end before */
#define MIN_AGREE 5      /* labels whose loads reach the function (of 7) */

/* Labels ssl_log_secret gets as literals (TLS 1.2, TLS 1.3). */
static const char *const labels[] = {
	"CLIENT_RANDOM", "CLIENT_EARLY_TRAFFIC_SECRET",
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
};
#define N_LABELS (sizeof(labels) / sizeof(labels[0]))

static int refuse(char *why, size_t wlen, const char *step)
{
	snprintf(why, wlen, "BoringSSL build not recognised: %s", step);
	return -EPROTO;
}

/* BoringSSL and not OpenSSL: an export only BoringSSL has, or its ssl
 * sources' paths in the assertion texts of a static build
 * ("../../third_party/boringssl/src/ssl/ssl_privkey.cc" in Chromium,
 * "external/boringssl/src/ssl/..." in bazel builds).  The path is put
 * together here, so that a program holding this code (tlsdump itself)
 * does not hold it whole. */
static bool is_boringssl(struct elfsym *e)
{
	static const char *const parts[] = { "/boringssl", "/src/ssl/" };
	struct elfsym_func fn;
	char marker[32];

	if (!elfsym_find_func(e, "SSL_CTX_set_private_key_method", &fn))
		return true;
	snprintf(marker, sizeof(marker), "%s%s", parts[0], parts[1]);
	return xref_has_text(e, marker, true) == 1 &&
	       xref_has_text(e, "SERVER_HANDSHAKE_TRAFFIC_SECRET", false) == 1;
}

/* `mov r64, rdi` (REX.W 89 /r, mod 11, reg rdi): the register ssl is
 * kept in, or -1. */
static int saved_ssl(const uint8_t *c, size_t n)
{
	for (size_t i = 0; i + 3 <= n && i < SAVE_WINDOW; i++)
		if ((c[i] == 0x48 || c[i] == 0x49) && c[i + 1] == 0x89 &&
		    (c[i + 2] & 0xf8) == 0xf8)
			return (c[i + 2] & 7) + (c[i] & 1 ? 8 : 0);
	return -1;
}

/* `mov r64, [base + disp8]` at c: the destination register, or -1. */
static int load_from(const uint8_t *c, size_t n, int base, uint8_t *disp)
{
	size_t at = 3;

	if (n < 5 || (c[0] & 0xfa) != 0x48 || c[1] != 0x8b ||
	    (c[0] & 1) != (base >= 8) || c[2] >> 6 != 1 ||
	    (c[2] & 7) != (base & 7))
		return -1;
	if ((base & 7) == 4) { /* rsp/r12 need a SIB byte */
		if (c[3] != 0x24)
			return -1;
		at = 4;
	}
	*disp = c[at];
	return ((c[2] >> 3) & 7) + (c[0] & 4 ? 8 : 0);
}

/* The first use of reg as a base with a byte displacement: lea r,[reg+d];
 * add reg,d; movzx r32, byte [reg+idx+d].  1 and *disp, or 0. */
static int use_of(const uint8_t *c, size_t n, int reg, uint8_t *disp)
{
	uint8_t b = reg >= 8, lo = (uint8_t)(reg & 7);
	const uint8_t *p = c;
	uint8_t rex = 0;

	if (n >= 4 && (c[0] & 0xfa) == 0x48 && (c[0] & 1) == b &&
	    c[1] == 0x8d && c[2] >> 6 == 1 && (c[2] & 7) == lo && lo != 4) {
		*disp = c[3];
		return 1;
	}
	if (n >= 4 && c[0] == (0x48 | b) && c[1] == 0x83 && c[2] == (0xc0 | lo)) {
		*disp = c[3];
		return 1;
	}
	if (n >= 1 && (c[0] & 0xf0) == 0x40)
		rex = *p++;
	if ((size_t)(p - c) + 5 <= n && (rex & 1) == b && p[0] == 0x0f &&
	    p[1] == 0xb6 && p[2] >> 6 == 1 && (p[2] & 7) == 4 &&
	    (p[3] & 7) == lo) {
		*disp = p[4];
		return 1;
	}
	return 0;
}

/* ssl->s3 (hop) and s3->client_random (off) as ssl_log_secret reads
 * them to hex encode the client random. */
static int find_random(const uint8_t *c, size_t n, uint32_t *hop,
		       uint32_t *off)
{
	int ssl = saved_ssl(c, n), s3 = -1;
	uint8_t h = 0, o = 0;
	size_t i;

	if (ssl < 0)
		return -1;
	for (i = 0; i + 5 <= n && s3 < 0; i++)
		s3 = load_from(c + i, n - i, ssl, &h);
	for (; s3 >= 0 && i < n; i++)
		if (use_of(c + i, n - i, s3, &o))
			break;
	if (s3 < 0 || i >= n || o + 32u > FIELD_MAX)
		return -1;
	*hop = h;
	*off = o;
	return 0;
}

/* SSL_get_client_random, where exported: mov rax,[rdi+H]; add rax,C. */
static int export_random(struct elfsym *e, uint32_t *hop, uint32_t *off)
{
	struct elfsym_func fn;
	uint8_t c[64];
	int n;

	if (elfsym_find_func(e, "SSL_get_client_random", &fn))
		return -ENOENT;
	n = elfsym_func_bytes(e, &fn, c, sizeof(c));
	for (int i = 0; i + 8 <= n; i++)
		if (!memcmp(c + i, "\x48\x8b\x47", 3) && !memcmp(c + i + 4, "\x48\x83\xc0", 3)) {
			*hop = c[i + 3];
			*off = c[i + 7];
			return 0;
		}
	return -EPROTO;
}

static int read_code(struct elfsym *e, uint64_t vaddr, uint8_t *c, size_t *n,
		     uint64_t *off)
{
	uint64_t avail;

	if (elfsym_vaddr_to_offset(e, vaddr, off, &avail) || avail < 64)
		return -ERANGE;
	*n = avail < CODE_MAX ? (size_t)avail : CODE_MAX;
	return elfsym_read(e, *off, c, *n);
}

static int layout_at(struct elfsym *e, uint64_t fn, struct keyfn_layout *l,
		     char *why, size_t wlen)
{
	struct prologue_site site;
	uint8_t code[CODE_MAX];
	uint32_t hop, off, xhop = 0, xoff = 0;
	uint64_t foff;
	size_t n;

	if (read_code(e, fn, code, &n, &foff))
		return refuse(why, wlen, "the key-log function is outside the file");
	if (find_random(code, n, &hop, &off))
		return refuse(why, wlen, "no ssl->s3->client_random in the key-log function");
	if (export_random(e, &xhop, &xoff) != -ENOENT &&
	    (xhop != hop || xoff != off))
		return refuse(why, wlen, "SSL_get_client_random disagrees with the key-log function");
	l->fn_vaddr = fn;
	l->fn_probe = foff;
	if (prologue_find(code, n, prologue_args_mask(4), &site) != -EINVAL)
		l->fn_probe = foff + site.offset;
	l->off.cr_hop = hop;
	l->off.cr_off = off;
	snprintf(l->detail, sizeof(l->detail), "client random at ssl+0x%x -> +0x%x",
		 hop, off);
	l->off.ms_ids[0] = l->off.ms_ids[2] = 1; /* empty ranges: no */
	return 0;                                 /* handshake site */
}

/* The key-log function this build found in this file unchanged on an
 * earlier run (binary/vcache.h): 1 and *fn, else 0.  Found, the file was
 * BoringSSL then (is_boringssl() reads only the file). */
static int cached_fn(struct elfsym *e, uint64_t *fn)
{
	struct stat st;

	return vcache_addresses() && !elfsym_stat(e, &st) &&
	       vcache_get("boringssl", &st, fn, sizeof(*fn));
}

static void cache_fn(struct elfsym *e, uint64_t fn)
{
	struct stat st;

	if (vcache_addresses() && !elfsym_stat(e, &st))
		vcache_put("boringssl", &st, &fn, sizeof(fn));
}

int boringssl_locate_elf(struct elfsym *e, struct keyfn_layout *l, char *why,
			 size_t wlen)
{
	struct xref_result x;
	char step[96];
	uint64_t fn;
	int err;

	memset(l, 0, sizeof(*l));
	snprintf(why, wlen, "not BoringSSL");
	if (elfsym_machine(e) != EM_X86_64)
		return -ENOEXEC;
	/* what the search below found before must pass layout_at()'s
	 * checks again; if not, search */
	if (cached_fn(e, &fn) && !layout_at(e, fn, l, why, wlen))
		return 0;
	memset(l, 0, sizeof(*l));
	if (!is_boringssl(e))
		return -ENODATA;
	err = xref_common_callee(e, labels, N_LABELS, &x);
	if (err && err != -ENOENT)
		return err;
	if (err || x.agree < MIN_AGREE || x.runner_up * 2 >= x.agree) {
		snprintf(step, sizeof(step),
			 "the key-log labels go to no one function (%u of %zu agree, %u next)",
			 x.agree, N_LABELS, x.runner_up);
		return refuse(why, wlen, step);
	}
	err = layout_at(e, x.callee, l, why, wlen);
	if (!err)
		cache_fn(e, x.callee);
	return err;
}

int boringssl_locate(const char *path, struct keyfn_layout *l, char *why,
		     size_t wlen)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err) {
		snprintf(why, wlen, "%s", strerror(-err));
		return err;
	}
	err = boringssl_locate_elf(e, l, why, wlen);
	elfsym_close(e);
	return err;
}

int boringssl_judge(const char *path, char *version, size_t vlen)
{
	struct elfsym *e;
	uint64_t fn;
	int err = elfsym_open(path, &e);

	if (err)
		return err;
	if (elfsym_machine(e) != EM_X86_64)
		err = -ENOEXEC;
	else if (!cached_fn(e, &fn) && !is_boringssl(e))
		err = -ENODATA;
	elfsym_close(e);
	if (!err && vlen)
		version[0] = '\0'; /* BoringSSL has no version text */
	return err;
}

static const char *const defaults[] = {
	"android/libssl.so.0",
	"/usr/lib/chromium/chromium",
	"/opt/google/chrome/chrome",
	"/opt/microsoft/msedge/msedge",
	"/opt/brave.com/brave/brave",
	NULL,
};
const struct target_kind boringssl_targets = {
	.lib = "libssl.so",
	.defaults = defaults,
	.judge = boringssl_judge,
	.name = "boringssl",
};
