// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_gnutls_locate.c - locate.c on the system's libgnutls (Debian 12's
 * 3.7.9: the values docs/gnutls.md measured with gdb), on libssl (not
 * GnuTLS), and on copies whose code was changed (refused, never a
 * guess). */
#include "testlib.h"
#include "binary/elfsym.h"
#include "sources/gnutls/locate.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

/* locate on a copy of buf with the bytes `from` replaced by `to` (the
 * first occurrence; it must be there once). */
static int locate_patched(const uint8_t *buf, size_t len, const char *from,
			  const char *to, size_t n, char *why, size_t wlen)
{
	uint8_t *copy = malloc(len);
	uint8_t *hit;
	struct gnutls_layout l;
	struct elfsym *e;
	int err;

	memcpy(copy, buf, len);
	hit = memmem(copy, len, from, n);
	CHECK(hit && !memmem(hit + 1, len - (size_t)(hit - copy) - 1, from, n));
	if (hit)
		memcpy(hit, to, n);
	err = elfsym_open_mem(copy, len, &e);
	free(copy);
	CHECK(err == 0);
	if (err)
		return err;
	err = gnutls_locate_elf(e, &l, why, wlen);
	elfsym_close(e);
	return err;
}

int main(void)
{
	struct gnutls_layout l;
	char why[256], version[64];
	bool v379;
	uint8_t *buf;
	size_t len = 0;
	int err;

	buf = test_slurp(LIBDIR "libgnutls.so.30", &len);
	if (!buf)
		test_skip("no " LIBDIR "libgnutls.so.30 (make deps)");
	err = gnutls_locate(LIBDIR "libgnutls.so.30", &l, why, sizeof(why));
	CHECK_MSG(err == 0, "%s", why);
	v379 = !strcmp(l.version, "3.7.9");
	if (v379) { /* gdb's numbers, docs/gnutls.md */
		CHECK(l.keylog_vaddr == 0x52b90);
		CHECK(l.keylog_func == 0x660);
		CHECK(l.client_random == 0x50);
		CHECK(l.master_secret == 0x20);
		CHECK(l.pversion == 0xf8 && l.pversion_id == 8);
		CHECK(l.keylog_probe > 0x52b90 && l.keylog_probe < 0x52b90 + 64);
	} else {
		CHECK_MSG(l.version[0], "no version found");
	}
	CHECK(gnutls_judge(LIBDIR "libgnutls.so.30", version, sizeof(version)) == 0);
	CHECK(!strcmp(version, l.version));
	if (!v379)
		printf("note: GnuTLS %s, not 3.7.9: the patched-copy checks (3.7.9's bytes) are not run\n",
		       l.version);

	/* not GnuTLS */
	CHECK(gnutls_locate(LIBDIR "libssl.so.3", &l, why, sizeof(why)) == -ENODATA);
	CHECK(gnutls_judge(LIBDIR "libssl.so.3", version, sizeof(version)) == -ENODATA);
	CHECK(gnutls_locate("/nonexistent", &l, why, sizeof(why)) == -ENOENT);

	if (v379) {
		/* the getter reads another field than the setter writes */
		err = locate_patched(buf, len, "\x48\x8b\x87\x60\x06\x00\x00\xc3",
				     "\x48\x8b\x87\x68\x06\x00\x00\xc3", 8, why, sizeof(why));
		CHECK_MSG(err == -EPROTO && strstr(why, "set_keylog_function"), "%d %s", err, why);
		/* the master secret's size is not 48 */
		err = locate_patched(buf, len, "\x48\x83\xc7\x20\xc7\x46\x08\x30",
				     "\x48\x83\xc7\x20\xc7\x46\x08\x20", 8, why, sizeof(why));
		CHECK_MSG(err == -EPROTO && strstr(why, "master_secret"), "%d %s", err, why);
		/* the key-log caller no longer calls through the callback:
		 * call r8 (41 ff d0) becomes nops */
		err = locate_patched(buf, len, "\x48\x89\xe2\x89\x4c\x24\x08\x41\xff\xd0",
				     "\x48\x89\xe2\x89\x4c\x24\x08\x90\x90\x90", 10, why, sizeof(why));
		CHECK_MSG(err == -EPROTO && strstr(why, "0 functions"), "%d %s", err, why);
	}
	free(buf);
	return test_done("gnutls_locate");
}
