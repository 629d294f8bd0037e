// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* version.c - nss_version (locate.h): every NSS library carries its
 * version as "Version: NSS 3.87.1" (an ident string; freebl adds a
 * suffix such as " Basic ECC"). */
#include "sources/nss/locate.h"
#include "binary/elfsym.h"

#include <errno.h>
#include <string.h>

#define TAG "Version: NSS "
#define TAG_LEN (sizeof(TAG) - 1)

struct found {
	char *out;
	size_t len;
};

static int find_tag(void *ctx, const uint8_t *b, size_t n, uint64_t vaddr)
{
	struct found *f = ctx;
	const uint8_t *p = b, *end = b + n;

	while ((p = memmem(p, (size_t)(end - p), TAG, TAG_LEN)) != NULL) {
		size_t i = 0;

		p += TAG_LEN;
		while (p + i < end && i + 1 < f->len &&
		       ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
			i++;
		if (i > 0 && p[0] != '.') {
			memcpy(f->out, p, i);
			f->out[i] = '\0';
			return 1;
		}
	}
	return 0;
}

int nss_version(struct elfsym *e, char *out, size_t len)
{
	struct elfsym_region ro;
	struct found f = { out, len };
	int err;

	if (!len)
		return -EINVAL;
	out[0] = '\0';
	if (elfsym_section(e, ".rodata", &ro) != 0)
		return -ENOENT;
	err = elfsym_scan(e, &ro, TAG_LEN + NSS_VERSION_MAX, find_tag, &f);
	return err == 1 ? 0 : err < 0 ? err : -ENOENT;
}
