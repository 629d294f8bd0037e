// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_locator.c - sources/keyfn/locator.c: results come back from the
 * worker with the index they were given; files of one build id are
 * located once; refusals are cached too, read errors are not; freeing
 * with work queued neither hangs nor leaks (ASan build). */
#include "testlib.h"
#include "sources/keyfn/locator.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_int calls;

/* A locate() that refuses libssl.so.3 and finds everything else. */
static int fake(const char *path, struct keyfn_layout *l, char *why, size_t wlen)
{
	atomic_fetch_add(&calls, 1);
	memset(l, 0, sizeof(*l));
	if (strstr(path, "libssl.so.3")) {
		snprintf(why, wlen, "refused");
		return -EPROTO;
	}
	if (strstr(path, "/nonexistent"))
		return -ENOENT;
	l->fn_vaddr = 0x1234;
	snprintf(why, wlen, "ok");
	return 0;
}

static int take_all(struct locator *lc, struct locator_result *r, int want)
{
	int got = 0;

	for (int i = 0; i < 500 && got < want; i++) {
		while (got < want && locator_take(lc, &r[got]) == 1)
			got++;
		if (got < want)
			usleep(10000);
	}
	return got;
}

/* A copy of src at dst, with src's modification time when keep_time. */
static void copy(const char *src, const char *dst, bool keep_time)
{
	size_t len = 0;
	uint8_t *b = test_slurp(src, &len);
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	struct stat st;

	CHECK(b && fd >= 0 && write(fd, b, len) == (ssize_t)len);
	if (keep_time && stat(src, &st) == 0) {
		struct timespec t[2] = { st.st_atim, st.st_mtim };

		CHECK(futimens(fd, t) == 0);
	}
	close(fd);
	free(b);
}

/* The same build id: cached only while size and time are the same too (a
 * copy changed in place keeps its build id). */
static void copies(struct locator *lc, const char *bin)
{
	char dir[] = "/tmp/test_locator.XXXXXX", same[64], newer[64];
	struct keyfn_layout l;
	char why[64];
	int before;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(same, sizeof(same), "%s/same", dir);
	snprintf(newer, sizeof(newer), "%s/newer", dir);
	copy(bin, same, true);
	copy(bin, newer, false);
	before = calls;
	CHECK(locator_run(lc, same, &l, why, sizeof(why)) == 0 && calls == before);
	CHECK(locator_run(lc, newer, &l, why, sizeof(why)) == 0 && calls == before + 1);
	unlink(same);
	unlink(newer);
	rmdir(dir);
}

int main(void)
{
	const char *bin = "/bin/true", *ssl = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
	struct locator_result r[4];
	struct keyfn_layout l;
	struct locator *lc;
	char why[64];

	CHECK(locator_new(&lc, fake) == 0);
	CHECK(locator_take(lc, &r[0]) == 0); /* nothing yet, no worker */
	CHECK(locator_run(lc, bin, &l, why, sizeof(why)) == 0 && l.fn_vaddr == 0x1234);
	CHECK(locator_run(lc, bin, &l, why, sizeof(why)) == 0 && calls == 1); /* cached */
	CHECK(locator_run(lc, ssl, &l, why, sizeof(why)) == -EPROTO && calls == 2);
	CHECK(locator_run(lc, ssl, &l, why, sizeof(why)) == -EPROTO &&
	      !strcmp(why, "refused") && calls == 2);
	CHECK(locator_run(lc, "/nonexistent", &l, why, sizeof(why)) == -ENOENT);
	CHECK(locator_run(lc, "/nonexistent", &l, why, sizeof(why)) == -ENOENT && calls == 4);
	copies(lc, bin);
	calls = 4;

	CHECK(locator_submit(lc, 7, bin) == 0);
	CHECK(locator_submit(lc, 9, ssl) == 0);
	CHECK(locator_pending(lc) == 2);
	CHECK(take_all(lc, r, 2) == 2);
	CHECK(locator_pending(lc) == 0);
	CHECK((r[0].idx == 7 && r[1].idx == 9) || (r[0].idx == 9 && r[1].idx == 7));
	for (int i = 0; i < 2; i++)
		CHECK(r[i].idx == 7 ? r[i].err == 0 && r[i].l.fn_vaddr == 0x1234
				    : r[i].err == -EPROTO && !strcmp(r[i].why, "refused"));
	CHECK(calls == 4); /* both from the cache */

	for (int i = 0; i < 20; i++)
		CHECK(locator_submit(lc, i, "/nonexistent") == 0);
	locator_free(lc); /* work still queued */
	return test_done("test_locator");
}
