// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate_ssl.c - libssl3 (locate.h): ssl3_RecordKeyLog and the socket's
 * client random.  Checked against Debian's NSS 3.87 (gcc) and Firefox
 * ESR's bundled 3.125 (clang, lld); anything else that does not match is
 * refused with the step named (docs/nss.md). */
#include "sources/nss/locate.h"
#include "sources/nss/random.h"
#include "binary/elfsym.h"
#include "binary/prologue.h"
#include "binary/targets.h"
#include "binary/xref.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WRAP_MAX 1024   /* bytes of the TLS 1.3 wrapper searched for the call */
#define CODE_MAX 2048   /* of SSL_ExportKeyingMaterial, read for the random */
#define MIN_AGREE 4     /* TLS 1.3 labels that must reach the wrapper (of 6) */

/* Passed to the function that derives a TLS 1.3 secret and logs it. */
static const char *const tls13_labels[] = {
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
	"EXPORTER_SECRET", "CLIENT_EARLY_TRAFFIC_SECRET",
};
#define N_TLS13 (sizeof(tls13_labels) / sizeof(tls13_labels[0]))

static int refuse(char *why, size_t wlen, const char *step)
{
	snprintf(why, wlen, "NSS libssl3 build not recognised: %s", step);
	return -EPROTO;
}

/* NSS's libssl3: exports no other TLS library has. */
static bool is_nss_ssl(struct elfsym *e)
{
	struct elfsym_func fn;

	return !elfsym_find_func(e, "SSL_ImportFD", &fn) &&
	       !elfsym_find_func(e, "NSSSSL_GetVersion", &fn);
}

static int read_code(struct elfsym *e, uint64_t vaddr, uint8_t *c,
		     size_t cap, size_t *n, uint64_t *off)
{
	uint64_t avail;

	if (elfsym_vaddr_to_offset(e, vaddr, off, &avail) || avail < 16)
		return -ERANGE;
	*n = avail < cap ? (size_t)avail : cap;
	return elfsym_read(e, *off, c, *n);
}

/* Whether the code of the function at fn calls or jumps to target. */
static bool reaches(struct elfsym *e, uint64_t fn, uint64_t target)
{
	uint8_t c[WRAP_MAX];
	uint64_t off;
	size_t n;

	if (fn == target)
		return true; /* the labels go to the key-log function itself */
	if (read_code(e, fn, c, sizeof(c), &n, &off))
		return false;
	for (size_t i = 0; i + 5 <= n; i++) {
		int32_t rel;

		if (c[i] != 0xe8 && c[i] != 0xe9)
			continue;
		memcpy(&rel, c + i + 1, 4);
		if (fn + i + 5 + (uint64_t)(int64_t)rel == target)
			return true;
	}
	return false;
}

/* ssl3_RecordKeyLog: the callee of the one load of "CLIENT_RANDOM"
 * (ssl3_SendFinished), which the TLS 1.3 labels' callee also reaches. */
static int keylog_fn(struct elfsym *e, uint64_t *fn, char *why, size_t wlen)
{
	static const char *const cr[] = { "CLIENT_RANDOM" };
	struct xref_result x, w;
	char step[128];
	int err;

	err = xref_common_callee(e, cr, 1, &x);
	if (err && err != -ENOENT)
		return err;
	if (err || x.agree != 1)
		return refuse(why, wlen, "no call takes the label CLIENT_RANDOM");
	err = xref_common_callee(e, tls13_labels, N_TLS13, &w);
	if (err && err != -ENOENT)
		return err;
	if (err || w.agree < MIN_AGREE || w.runner_up * 2 >= w.agree) {
		snprintf(step, sizeof(step),
			 "the TLS 1.3 labels go to no one function (%u of %zu agree, %u next)",
			 w.agree, N_TLS13, w.runner_up);
		return refuse(why, wlen, step);
	}
	if (!reaches(e, w.callee, x.callee))
		return refuse(why, wlen, "the TLS 1.3 secrets do not reach the CLIENT_RANDOM call's function");
	*fn = x.callee;
	return 0;
}

struct sites {
	uint64_t target;
	uint64_t at[NSS_KEYLOG_SITES + 1]; /* one more: too many */
	unsigned n;
};

/* Each call/jmp rel32 to the target.  Five bytes that encode it inside
 * another instruction are as likely as any 40-bit pattern: none. */
static int find_calls(void *ctx, const uint8_t *b, size_t n, uint64_t vaddr)
{
	struct sites *s = ctx;

	for (size_t i = 0; i + 5 <= n; i++) {
		uint64_t at = vaddr + i;
		int32_t rel;

		if (b[i] != 0xe8 && b[i] != 0xe9)
			continue;
		memcpy(&rel, b + i + 1, 4);
		if (at + 5 + (uint64_t)(int64_t)rel != s->target ||
		    (s->n && s->at[s->n - 1] == at))
			continue; /* another target, or seen in the overlap */
		s->at[s->n++] = at;
		if (s->n > NSS_KEYLOG_SITES)
			return 1;
	}
	return 0;
}

/* The key-log function's first instruction would be single-stepped:
 * probe its callers' call (or jump) instructions instead, which the
 * kernel emulates.  Left as it is when they cannot all be probed. */
static void call_sites(struct elfsym *e, struct nss_ssl_layout *l)
{
	struct sites s = { .target = l->fn_vaddr };
	struct elfsym_region text;
	uint64_t off[NSS_KEYLOG_SITES];

	if (elfsym_section(e, ".text", &text) ||
	    elfsym_scan(e, &text, 5, find_calls, &s) != 0 ||
	    s.n == 0 || s.n > NSS_KEYLOG_SITES)
		return;
	for (unsigned i = 0; i < s.n; i++)
		if (elfsym_vaddr_to_offset(e, s.at[i], &off[i], NULL))
			return;
	memcpy(l->probes, off, sizeof(off[0]) * s.n);
	l->n_probes = s.n;
}

static int random_offset(struct elfsym *e, uint32_t *off)
{
	struct elfsym_func fn;
	uint8_t c[CODE_MAX];
	int n;

	if (elfsym_find_func(e, "SSL_ExportKeyingMaterial", &fn))
		return -ENOENT;
	n = elfsym_func_bytes(e, &fn, c, sizeof(c));
	if (n < 0)
		return n;
	return nss_random_offset(c, (size_t)n, off);
}

int nss_ssl_locate_elf(struct elfsym *e, struct nss_ssl_layout *l,
		       char *why, size_t wlen)
{
	struct prologue_site site;
	uint8_t code[256];
	uint64_t off;
	size_t n;
	int err;

	memset(l, 0, sizeof(*l));
	snprintf(why, wlen, "not NSS's libssl3");
	if (elfsym_machine(e) != EM_X86_64)
		return -ENOEXEC;
	if (!is_nss_ssl(e))
		return -ENODATA;
	nss_version(e, l->version, sizeof(l->version));
	err = keylog_fn(e, &l->fn_vaddr, why, wlen);
	if (err)
		return err;
	if (random_offset(e, &l->cr_off))
		return refuse(why, wlen, "no copy of the client random in SSL_ExportKeyingMaterial");
	if (read_code(e, l->fn_vaddr, code, sizeof(code), &n, &off))
		return refuse(why, wlen, "the key-log function is outside the file");
	l->fn_probe = off;
	err = prologue_find(code, n, prologue_args_mask(3), &site);
	if (err != -EINVAL)
		l->fn_probe = off + site.offset;
	l->probes[0] = l->fn_probe;
	l->n_probes = 1;
	if (err)
		call_sites(e, l);
	return 0;
}

int nss_ssl_locate(const char *path, struct nss_ssl_layout *l, char *why,
		   size_t wlen)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err) {
		snprintf(why, wlen, "%s", strerror(-err));
		return err;
	}
	err = nss_ssl_locate_elf(e, l, why, wlen);
	elfsym_close(e);
	return err;
}

static int judge(const char *path, char *version, size_t vlen)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err)
		return err;
	if (elfsym_machine(e) != EM_X86_64)
		err = -ENOEXEC;
	else if (!is_nss_ssl(e))
		err = -ENODATA;
	else if (vlen)
		nss_version(e, version, vlen);
	elfsym_close(e);
	return err;
}

static const char *const defaults[] = {
	"libssl3.so",
	"/usr/lib/firefox-esr/libssl3.so",
	"/usr/lib/firefox/libssl3.so",
	"/usr/lib/thunderbird/libssl3.so",
	NULL,
};
const struct target_kind nss_ssl_targets = {
	.lib = "libssl3.so",
	.defaults = defaults,
	.judge = judge,
	.name = "nssssl",
};
