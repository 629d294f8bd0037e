// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_execgate.c - the exec gate's parts that need no fanotify: the
 * cache of judged files (device, inode, mtime; emptied when full), the
 * reading of mountinfo lines (escaped mount points, optional fields,
 * pseudo filesystems), and the programs on PATH judged ahead (size,
 * execute bit, one entry per file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "binary/pathexes.h"
#include "proc/execcache.h"
#include "proc/execmarks.h"

static void test_cache(void)
{
	struct execcache *c;
	struct execcache_key a = { 2049, 1234, 1700000000, 5 }, b = a;

	CHECK(execcache_new(&c, 100) == -EINVAL); /* not a power of two */
	CHECK(execcache_new(&c, 8) == -EINVAL);
	CHECK(execcache_new(&c, 16) == 0);
	CHECK(!execcache_has(c, &a));
	execcache_add(c, &a);
	execcache_add(c, &a);
	CHECK(execcache_has(c, &a) && execcache_count(c) == 1);
	b.mtime_nsec = 6; /* rewritten in place: judged again */
	CHECK(!execcache_has(c, &b));
	b = a;
	b.dev = 2050; /* the same inode number elsewhere */
	CHECK(!execcache_has(c, &b));
	for (uint64_t i = 0; i < 11; i++) {
		b.ino = 5000 + i;
		execcache_add(c, &b);
	}
	CHECK(execcache_count(c) == 12 && execcache_has(c, &a));
	b.ino = 9999; /* the 13th of 16 slots: emptied, then added */
	execcache_add(c, &b);
	CHECK(execcache_count(c) == 1 && execcache_has(c, &b) &&
	      !execcache_has(c, &a));
	CHECK(!execcache_has(NULL, &a));
	execcache_free(c);
}

static void test_mountinfo(void)
{
	char mnt[64], type[16];
	const char *l;

	l = "29 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro\n";
	CHECK(execmarks_parse_line(l, mnt, sizeof(mnt), type, sizeof(type)) == 0);
	CHECK(!strcmp(mnt, "/") && !strcmp(type, "ext4"));
	l = "40 29 0:35 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw,inode64";
	CHECK(execmarks_parse_line(l, mnt, sizeof(mnt), type, sizeof(type)) == 0);
	CHECK(!strcmp(mnt, "/dev/shm") && !strcmp(type, "tmpfs"));
	l = "52 29 0:40 / /mnt/a\\040dir\\134x rw master:3 shared:7 - overlay overlay rw";
	CHECK(execmarks_parse_line(l, mnt, sizeof(mnt), type, sizeof(type)) == 0);
	CHECK(!strcmp(mnt, "/mnt/a dir\\x") && !strcmp(type, "overlay"));
	l = "30 29 0:26 / /sys rw - sysfs sysfs rw";
	CHECK(execmarks_parse_line(l, mnt, sizeof(mnt), type, sizeof(type)) == 0);
	CHECK(execmarks_pseudo(type) && !execmarks_pseudo("ext4") &&
	      !execmarks_pseudo("overlay") && !execmarks_pseudo("tmpfs") &&
	      execmarks_pseudo("proc") && execmarks_pseudo("cgroup2"));

	static const char *const bad[] = {
		"", "\n", "29 1 254:1 / /", "29 1 254:1 / / rw shared:1",
		"29 1 254:1 / / rw shared:1 -", "29 1 254:1 / / rw shared:1 - \n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(execmarks_parse_line(bad[i], mnt, sizeof(mnt), type,
					       sizeof(type)) == -EINVAL,
			  "'%s'", bad[i]);
	l = "29 1 254:1 / /a/very/long/mount/point/that/does/not/fit/in/sixty-four/bytes/at/all/truly rw - ext4 x rw";
	CHECK(execmarks_parse_line(l, mnt, sizeof(mnt), type, sizeof(type)) == -ENAMETOOLONG);
}

/* A file of size bytes with mode. */
static void make(const char *dir, const char *name, off_t size, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
	CHECK(fd >= 0 && ftruncate(fd, size) == 0);
	close(fd);
}

static bool listed(const struct pathexes *p, const char *path)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->paths[i], path))
			return true;
	return false;
}

static void test_pathexes(void)
{
	char a[] = "/tmp/tlsdump-pathexes-XXXXXX", b[64], env[256], path[128];
	struct pathexes p;
	int n, mine = 0;

	CHECK(mkdtemp(a) != NULL);
	snprintf(b, sizeof(b), "%s/b", a);
	CHECK(mkdir(b, 0755) == 0);
	make(a, "big", 3 << 20, 0755);
	make(a, "small", 100, 0755);
	make(a, "data", 3 << 20, 0644); /* no execute bit */
	make(b, "other", 2 << 20, 0700);
	snprintf(path, sizeof(path), "%s/big", a);
	snprintf(env, sizeof(env), "%s/hardlink", b);
	CHECK(link(path, env) == 0); /* the same file: once */
	snprintf(env, sizeof(env), "relative:%s:%s:%s:/nonexistent", a, b, a);
	n = pathexes_collect(&p, env, 1 << 20);
	CHECK(n == p.n && n >= 2);
	for (int i = 0; i < p.n; i++)
		mine += !strncmp(p.paths[i], a, strlen(a));
	CHECK_MSG(mine == 2, "%d of ours", mine);
	CHECK(listed(&p, path));
	snprintf(path, sizeof(path), "%s/other", b);
	CHECK(listed(&p, path) && !strcmp(pathexes_next(&p), p.paths[0]));
	pathexes_free(&p);
	CHECK(p.n == 0 && !p.paths);
	snprintf(env, sizeof(env), "rm -rf %s", a);
	CHECK(system(env) == 0);
}

int main(void)
{
	test_cache();
	test_mountinfo();
	test_pathexes();
	return test_done("execgate");
}
