// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locate_freebl.c - libfreeblpriv3 (locate.h): the TLS PRF and HMAC
 * functions, from the table FREEBL_GetVector returns.  The table (lib/freebl/loader.h,
 * struct FREEBLVectorStr) starts with its length and FREEBL_VERSION and
 * only ever grows at the end: an entry's index never changes. */
#include "sources/nss/locate.h"
#include "binary/elfptr.h"
#include "binary/elfsym.h"
#include "binary/prologue.h"
#include "binary/targets.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Indexes of the function pointers after the 8-byte header. */
static const unsigned fn_index[NSS_FB_N] = {
	[NSS_FB_PRF] = 136, [NSS_FB_P_HASH] = 174, [NSS_FB_DESTROY] = 144,
	[NSS_FB_FINISH] = 143, [NSS_FB_SHA256_END] = 78,
	[NSS_FB_SHA512_END] = 89, [NSS_FB_SHA384_END] = 100,
};
/* Integer arguments each probe reads (prologue_find must keep them). */
static const unsigned fn_args[NSS_FB_PROBED] = { 1, 2, 1 };
#define MIN_ENTRIES 175  /* TLS_P_hash is entry 174 */
#define MAX_ENTRIES 4096

static int refuse(char *why, size_t wlen, const char *step)
{
	snprintf(why, wlen, "NSS freebl build not recognised: %s", step);
	return -EPROTO;
}

/* The table's header at vaddr: 0 when it looks like one. */
static int vector_at(struct elfsym *e, uint64_t vaddr, uint16_t *version)
{
	uint16_t h[2];
	uint64_t off, avail;

	if (elfsym_vaddr_to_offset(e, vaddr, &off, &avail) || avail < 8 ||
	    elfsym_read(e, off, h, sizeof(h)))
		return -ENOENT;
	if (h[1] >> 8 != 3 || h[0] % 8 != 0 || h[0] < 8 + 8 * MIN_ENTRIES ||
	    h[0] > 8 + 8 * MAX_ENTRIES || avail < h[0])
		return -ENOENT;
	*version = h[1];
	return 0;
}

/* FREEBL_GetVector ends `return &vector;`: the `lea r64,[rip+d]` in its
 * code whose target is such a table. */
static int find_vector(struct elfsym *e, uint64_t *vec, uint16_t *version)
{
	struct elfsym_func fn;
	uint8_t c[128];
	int n;

	if (elfsym_find_func(e, "FREEBL_GetVector", &fn))
		return -ENODATA;
	n = elfsym_func_bytes(e, &fn, c, sizeof(c));
	for (int i = 0; i + 7 <= n; i++) {
		int32_t d;

		if ((c[i] & 0xfb) != 0x48 || c[i + 1] != 0x8d ||
		    (c[i + 2] & 0xc7) != 0x05)
			continue;
		memcpy(&d, c + i + 3, 4);
		*vec = fn.vaddr + (uint64_t)i + 7 + (uint64_t)(int64_t)d;
		if (!vector_at(e, *vec, version))
			return 0;
	}
	return -EPROTO;
}

/* HMAC_Finish checks its output room against cx->hashobj->length first:
 * `mov r64,[rdi+d8]` then a cmp through that register. */
static int hashobj_offset(const uint8_t *c, size_t n, uint32_t *off)
{
	for (size_t i = 0; i + 4 <= n && i < 32; i++)
		if ((c[i] & 0xfb) == 0x48 && c[i + 1] == 0x8b &&
		    (c[i + 2] & 0xc7) == 0x47) { /* mod 01, rm rdi */
			*off = c[i + 3];
			return 0;
		}
	return -ENOENT;
}

/* HMAC_Destroy passes cx->hash to hashobj->destroy if it is not NULL:
 * `mov rdi,[rdi]` (or [rdi+d8]) among its first instructions. */
static int hash_offset(const uint8_t *c, size_t n, uint32_t *off)
{
	for (size_t i = 0; i + 4 <= n && i < 32; i++)
		if (c[i] == 0x48 && c[i + 1] == 0x8b &&
		    (c[i + 2] == 0x3f || c[i + 2] == 0x7f)) {
			*off = c[i + 2] == 0x3f ? 0 : c[i + 3];
			return 0;
		}
	return -ENOENT;
}

/* Function k's code: its probe's file offset, and what it says about
 * HMACContext (why set on failure). */
static int read_fn(struct elfsym *e, struct nss_freebl_layout *l,
		   unsigned k, const char **why)
{
	struct prologue_site site;
	uint8_t c[256];
	uint64_t off;
	int n = elfsym_code_at(e, l->vaddr[k], c, sizeof(c), &off);

	*why = "a function of the table is outside the file";
	if (n < 0)
		return n;
	if (k < NSS_FB_PROBED) {
		l->probe[k] = off;
		if (prologue_find(c, (size_t)n, prologue_args_mask(fn_args[k]),
				  &site) != -EINVAL)
			l->probe[k] = off + site.offset;
	}
	*why = "HMAC_Finish does not read cx->hashobj";
	if (k == NSS_FB_FINISH)
		return hashobj_offset(c, (size_t)n, &l->hashobj_off);
	*why = "HMAC_Destroy does not read cx->hash";
	if (k == NSS_FB_DESTROY)
		return hash_offset(c, (size_t)n, &l->hash_off);
	return 0;
}

int nss_freebl_locate_elf(struct elfsym *e, struct nss_freebl_layout *l,
			  char *why, size_t wlen)
{
	uint64_t vec, slots[NSS_FB_N];
	const char *step = NULL;
	int err;

	memset(l, 0, sizeof(*l));
	snprintf(why, wlen, "not NSS's freebl");
	if (elfsym_machine(e) != EM_X86_64)
		return -ENOEXEC;
	err = find_vector(e, &vec, &l->vector_version);
	if (err == -ENODATA)
		return err;
	nss_version(e, l->version, sizeof(l->version));
	if (err)
		return refuse(why, wlen, "FREEBL_GetVector returns no table");
	for (unsigned k = 0; k < NSS_FB_N; k++)
		slots[k] = vec + 8 + 8 * (uint64_t)fn_index[k];
	if (elfptr_read(e, slots, NSS_FB_N, l->vaddr))
		return refuse(why, wlen, "the table's entries cannot be read");
	for (unsigned k = 0; k < NSS_FB_N && !err; k++)
		err = read_fn(e, l, k, &step);
	if (!err && l->hash_off == l->hashobj_off) {
		step = "HMAC_Destroy and HMAC_Finish disagree";
		err = -EPROTO;
	}
	err = err ?: nss_sha_locate(e, l->vaddr, l->sha, &step);
	return err ? refuse(why, wlen, step) : 0;
}

int nss_freebl_locate(const char *path, struct nss_freebl_layout *l,
		      char *why, size_t wlen)
{
	struct elfsym *e;
	int err = elfsym_open(path, &e);

	if (err) {
		snprintf(why, wlen, "%s", strerror(-err));
		return err;
	}
	err = nss_freebl_locate_elf(e, l, why, wlen);
	elfsym_close(e);
	return err;
}

static int judge(const char *path, char *version, size_t vlen)
{
	struct elfsym *e;
	struct elfsym_func fn;
	int err = elfsym_open(path, &e);

	if (err)
		return err;
	if (elfsym_machine(e) != EM_X86_64)
		err = -ENOEXEC;
	else if (elfsym_find_func(e, "FREEBL_GetVector", &fn))
		err = -ENODATA;
	else if (vlen)
		nss_version(e, version, vlen);
	elfsym_close(e);
	return err;
}

static const char *const defaults[] = {
	"libfreeblpriv3.so",
	"/usr/lib/firefox-esr/libfreeblpriv3.so",
	"/usr/lib/firefox/libfreeblpriv3.so",
	"/usr/lib/thunderbird/libfreeblpriv3.so",
	NULL,
};
const struct target_kind nss_freebl_targets = {
	.lib = "libfreeblpriv3.so",
	.defaults = defaults,
	.judge = judge,
	.name = "nssfreebl",
};
