// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_vcache.c - binary/vcache.c: an entry is found again for the same
 * file unchanged, and for nothing else (another kind or length, the file
 * written to or chmod'ed, the entry altered, made writable by others or
 * replaced by a link); a directory others can enter is not used; an
 * entry untouched for 30 days is removed. */
#include "testlib.h"
#include "binary/vcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64], file[96];

static int stat_file(struct stat *st)
{
	return stat(file, st);
}


static void roundtrip(void)
{
	uint64_t v = 0x9db48f0, got = 0;
	uint32_t small;
	struct stat st;

	CHECK(stat_file(&st) == 0);
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 0); /* none yet */
	vcache_put("k", &st, &v, sizeof(v));
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 1 && got == v);
	CHECK(vcache_get("other", &st, &got, sizeof(got)) == 0);
	CHECK(vcache_get("k", &st, &small, sizeof(small)) == 0);
}

/* After f changes the file, the entry no longer counts. */
static void changed(void (*f)(void), const char *what)
{
	uint64_t v = 42, got = 0;
	struct stat st;

	CHECK(stat_file(&st) == 0);
	vcache_put("k", &st, &v, sizeof(v));
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 1);
	usleep(20000); /* a coarse clock still moves */
	f();
	CHECK(stat_file(&st) == 0);
	CHECK_MSG(vcache_get("k", &st, &got, sizeof(got)) == 0, "%s", what);
}

static void append(void)
{
	int fd = open(file, O_WRONLY | O_APPEND);

	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
}

static void rewrite_same_size(void)
{
	int fd = open(file, O_WRONLY);

	CHECK(fd >= 0 && pwrite(fd, "y", 1, 0) == 1);
	close(fd);
}

static void chmod_it(void)
{
	CHECK(chmod(file, 0640) == 0);
}

/* The entry itself altered, loosened or replaced by a link: not used. */
static void bad_entries(void)
{
	uint64_t v = 7, got = 0;
	char path[160], other[176];
	struct stat st;
	int fd;

	CHECK(stat_file(&st) == 0);
	CHECK(vcache_entry_path("k", &st, path, sizeof(path)) == 0);
	vcache_put("k", &st, &v, sizeof(v));
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "X", 1, 9) == 1); /* in tlsdump's build id */
	close(fd);
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 0);
	vcache_put("k", &st, &v, sizeof(v)); /* written over whole */
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 1 && got == v);
	CHECK(chmod(path, 0622) == 0);
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 0);
	CHECK(chmod(path, 0600) == 0);
	snprintf(other, sizeof(other), "%s.real", path);
	CHECK(rename(path, other) == 0 && symlink(other, path) == 0);
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 0);
}

/* An entry untouched for more than 30 days is gone after the next
 * enable; a fresh one stays. */
static void stale(const char *cache)
{
	struct timespec old[2] = { { time(NULL) - 31 * 86400, 0 },
				   { time(NULL) - 31 * 86400, 0 } };
	uint64_t v = 9, got = 0;
	char path[160];
	struct stat st;

	CHECK(stat_file(&st) == 0);
	CHECK(vcache_entry_path("k", &st, path, sizeof(path)) == 0);
	unlink(path); /* bad_entries() left a link there */
	vcache_put("k", &st, &v, sizeof(v));
	vcache_put("fresh", &st, &v, sizeof(v));
	CHECK(vcache_get("k", &st, &got, sizeof(got)) == 1);
	CHECK(utimensat(AT_FDCWD, path, old, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(vcache_enable(cache, true) == 0);
	CHECK(access(path, F_OK) != 0 && vcache_get("k", &st, &got, sizeof(got)) == 0);
	CHECK(vcache_get("fresh", &st, &got, sizeof(got)) == 1 && got == v);
}

int main(void)
{
	char cache[96], loose[96];
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/test_vcache.XXXXXX");
	if (!mkdtemp(dir))
		test_skip("no temporary directory");
	snprintf(file, sizeof(file), "%s/target", dir);
	fd = open(file, O_CREAT | O_WRONLY | O_EXCL, 0755);
	CHECK(fd >= 0 && write(fd, "ELF?", 4) == 4);
	close(fd);
	snprintf(loose, sizeof(loose), "%s/loose", dir);
	CHECK(mkdir(loose, 0755) == 0);
	CHECK(vcache_enable(loose, true) == -EPERM && !vcache_enabled() &&
	      !vcache_addresses());
	snprintf(cache, sizeof(cache), "%s/cache", dir); /* made, 0700 */
	/* where keys are not checked: entries, but no code addresses */
	CHECK(vcache_enable(cache, false) == 0 && vcache_enabled() &&
	      !vcache_addresses());
	CHECK(vcache_enable(cache, true) == 0 && vcache_addresses());
	roundtrip();
	changed(append, "appended to");
	changed(rewrite_same_size, "written, same size");
	changed(chmod_it, "chmod");
	bad_entries();
	stale(cache);
	vcache_disable();
	CHECK(!vcache_enabled() && !vcache_addresses());
	snprintf(cache, sizeof(cache), "rm -rf '%s'", dir);
	if (system(cache) != 0)
		printf("note: %s left behind\n", dir);
	return test_done("test_vcache");
}
