// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate_io.c - libssl3's SSL-layer read, write, recv and send
 * (locate.h, docs/nss.md "Text mode").
 *
 * They are static functions reached only through the PRIOMethods table
 * ssl_SetupIOMethods fills at run time (combined_methods, in .bss), so
 * the file holds no table to read: the function that fills it is found
 * by its start (PR_GetUniqueIdentity("SSL") stored into ssl_layer_id,
 * then PR_GetDefaultIOMethods: `call; mov %eax,id(%rip); call`) and its
 * stores are followed (binary/ripstores.h).  The table is where
 * PR_DESC_LAYERED (4) is stored as the file type; its read, write, recv
 * and send slots must each hold a function that starts with NSS's
 * ssl_GetPrivate check: `cmpl $4,(methods)` and a load of ssl_layer_id;
 * its writev slot a fifth function (ssl_WriteV: stored by the same code,
 * so not NSPR's own). */
#include "sources/nss/locate.h"
#include "binary/elfsym.h"
#include "binary/ripstores.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PATTERN_LEN 16     /* call; mov %eax,x(%rip); call */
#define MAX_SITES 8
#define TRACE_MAX 2048     /* bytes of the setup function followed */
#define MAX_STORES 96
#define HEAD_LEN 40        /* of each method, searched for the check */
#define PR_DESC_LAYERED 4

/* PRIOMethods (prio.h, a public ABI): file_type, then function pointers;
 * the index of each one we probe. */
static const unsigned method_index[NSS_IO_N] = {
	[NSS_IO_READ] = 2, [NSS_IO_WRITE] = 3, [NSS_IO_RECV] = 17,
	[NSS_IO_SEND] = 18, [NSS_IO_WRITEV] = 11,
};

struct sites {
	uint64_t at[MAX_SITES]; /* vaddr of the `mov %eax,x(%rip)` */
	unsigned n;
};

static int find_sites(void *ctx, const uint8_t *b, size_t n, uint64_t vaddr)
{
	struct sites *s = ctx;

	for (size_t i = 0; i + PATTERN_LEN <= n; i++) {
		uint64_t at = vaddr + i + 5;

		if (b[i] != 0xe8 || b[i + 5] != 0x89 || b[i + 6] != 0x05 ||
		    b[i + 11] != 0xe8)
			continue;
		if (s->n && s->at[s->n - 1] == at)
			continue; /* seen in the chunks' overlap */
		if (s->n == MAX_SITES)
			return 1;
		s->at[s->n++] = at;
	}
	return 0;
}

static int read_at(struct elfsym *e, uint64_t vaddr, uint8_t *buf,
		   size_t cap, size_t *n)
{
	int r = elfsym_code_at(e, vaddr, buf, cap, NULL);

	if (r < 0)
		return r;
	*n = (size_t)r;
	return 0;
}

/* The last value stored at addr, 0 when none or not known. */
static uint64_t stored(const struct ripstore *st, int n, uint64_t addr,
		       uint8_t size)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		if (st[i].addr == addr && st[i].size == size)
			v = st[i].known ? st[i].value : 0;
	return v;
}

/* The table: the one address PR_DESC_LAYERED is stored at. */
static uint64_t table_of(const struct ripstore *st, int n)
{
	uint64_t t = 0;

	for (int i = 0; i < n; i++) {
		if (!st[i].known || st[i].size != 4 || st[i].value != PR_DESC_LAYERED)
			continue;
		if (t && t != st[i].addr)
			return 0;
		t = st[i].addr;
	}
	return t;
}

/* Whether the code at fn starts like an SSL method: the methods' file
 * type compared with 4, ssl_layer_id (at id) read rip-relative. */
static bool ssl_method(struct elfsym *e, uint64_t fn, uint64_t id)
{
	static const uint8_t type_check[] = { 0x83, 0x38, PR_DESC_LAYERED };
	uint8_t c[HEAD_LEN];
	bool typed = false, ided = false;
	size_t n;

	if (read_at(e, fn, c, sizeof(c), &n))
		return false;
	for (size_t i = 0; i + 4 <= n; i++) {
		int32_t d = (int32_t)((uint32_t)c[i] | (uint32_t)c[i + 1] << 8 |
				      (uint32_t)c[i + 2] << 16 |
				      (uint32_t)c[i + 3] << 24);

		typed |= i + sizeof(type_check) <= n &&
			 !memcmp(c + i, type_check, sizeof(type_check));
		ided |= fn + i + 4 + (uint64_t)(int64_t)d == id;
	}
	return typed && ided;
}

/* An entry probe and a return probe share one site: where the return
 * address is on top of the stack, after endbr64 in CET builds. */
static int probe_offset(struct elfsym *e, uint64_t fn, uint64_t *off)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	uint8_t c[sizeof(endbr64)];
	size_t n;

	if (read_at(e, fn, c, sizeof(c), &n) || n < sizeof(c))
		return -ENOENT;
	if (!memcmp(c, endbr64, sizeof(c)))
		fn += sizeof(c);
	return elfsym_vaddr_to_offset(e, fn, off, NULL) ? -ENOENT : 0;
}

/* One candidate: 0 with l filled, or -ENOENT. */
static int try_site(struct elfsym *e, uint64_t at, struct nss_io_layout *l)
{
	struct ripstore st[MAX_STORES];
	uint8_t code[TRACE_MAX];
	uint64_t table, id;
	size_t len;
	int n;

	if (read_at(e, at, code, sizeof(code), &len))
		return -ENOENT;
	n = ripstores_trace(code, len, at, st, MAX_STORES);
	if (n < 1 || st[0].size != 4 || st[0].known)
		return -ENOENT; /* the first store: %eax into ssl_layer_id */
	id = st[0].addr;
	table = table_of(st, n);
	if (!table)
		return -ENOENT;
	for (int i = 0; i < NSS_IO_N; i++) {
		uint64_t fn = stored(st, n, table + 8 * method_index[i], 8);

		if (!fn || (i < NSS_IO_CHECKED && !ssl_method(e, fn, id)))
			return -ENOENT;
		for (int j = 0; j < i; j++)
			if (l->vaddr[j] == fn)
				return -ENOENT;
		l->vaddr[i] = fn;
		if (probe_offset(e, fn, &l->probe[i]))
			return -ENOENT;
	}
	l->methods = table;
	l->layer_id = id;
	return 0;
}

int nss_io_locate_elf(struct elfsym *e, struct nss_io_layout *l, char *why,
		      size_t wlen)
{
	struct elfsym_region text;
	struct sites s = { .n = 0 };
	struct elfsym_func fn;
	int err, found = 0;

	memset(l, 0, sizeof(*l));
	if (elfsym_machine(e) != EM_X86_64)
		return -ENOEXEC;
	if (elfsym_find_func(e, "SSL_ImportFD", &fn))
		return -ENODATA;
	if (elfsym_section(e, ".text", &text)) {
		snprintf(why, wlen, "no .text");
		return -EPROTO;
	}
	err = elfsym_scan(e, &text, PATTERN_LEN, find_sites, &s);
	if (err < 0) {
		snprintf(why, wlen, "%s", strerror(-err));
		return err;
	}
	for (unsigned i = 0; i < s.n; i++) {
		struct nss_io_layout c;

		if (try_site(e, s.at[i], &c) == 0 && found++ == 0)
			*l = c;
	}
	if (found != 1) {
		snprintf(why, wlen, found ? "%d SSL method tables" :
			 "the SSL layer's methods (ssl_Read, ssl_Write, ssl_Recv, ssl_Send, ssl_WriteV) not found",
			 found);
		return -EPROTO;
	}
	return 0;
}

int nss_io_locate(const char *path, struct nss_io_layout *l, char *why,
		  size_t wlen)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err) {
		snprintf(why, wlen, "%s", strerror(-err));
		return err;
	}
	err = nss_io_locate_elf(e, l, why, wlen);
	elfsym_close(e);
	return err;
}
