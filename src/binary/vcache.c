// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* vcache.c - see vcache.h. */
#include "binary/vcache.h"
#include "binary/elfsym.h"
#include "log.h"
#include "out/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KIND_MAX 16
#define STALE_DAYS 30

/* One entry: everything but val must match what the file is now. */
struct rec {
	char magic[8];
	uint8_t self[ELFSYM_BUILD_ID_MAX]; /* tlsdump's build id */
	char kind[KIND_MAX];
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint32_t len;
	uint8_t val[VCACHE_VALUE_MAX];
};

static struct {
	int dirfd;
	bool addresses;
	char dir[PATH_MAX - 80];
	uint8_t self[ELFSYM_BUILD_ID_MAX];
} vc = { .dirfd = -1 };

static int self_build_id(uint8_t *id)
{
	struct elfsym *e;
	int n;

	memset(id, 0, ELFSYM_BUILD_ID_MAX);
	if (elfsym_open("/proc/self/exe", &e))
		return -ENOENT;
	n = elfsym_build_id(e, id, ELFSYM_BUILD_ID_MAX);
	elfsym_close(e);
	return n > 0 ? 0 : -ENOENT;
}

/* dir: a directory (not a link) of ours that no one else can enter. */
static int open_dir(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Entries untouched for STALE_DAYS go: those of builds that are gone, or
 * of files that changed (an entry is rewritten when its file changes). */
static void drop_stale(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	time_t old = time(NULL) - STALE_DAYS * 86400;
	struct dirent *de;
	struct stat st;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' &&
		    !fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode) && st.st_mtime < old)
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

int vcache_enable(const char *dir, bool addresses)
{
	int fd;

	vcache_disable();
	dir = dir ? dir : VCACHE_DIR;
	if (strlen(dir) >= sizeof(vc.dir))
		return -ENAMETOOLONG;
	if (self_build_id(vc.self))
		return -ENOENT; /* no build id: no way to tell builds apart */
	fd = open_dir(dir);
	if (fd < 0) {
		log_debug("%s: no cache of located functions (%s)", dir, strerror(-fd));
		return fd;
	}
	snprintf(vc.dir, sizeof(vc.dir), "%s", dir);
	vc.dirfd = fd;
	vc.addresses = addresses;
	drop_stale(fd);
	return 0;
}

void vcache_disable(void)
{
	if (vc.dirfd >= 0)
		close(vc.dirfd);
	vc.dirfd = -1;
}

bool vcache_enabled(void)
{
	return vc.dirfd >= 0;
}

bool vcache_addresses(void)
{
	return vc.dirfd >= 0 && vc.addresses;
}

/* KIND-BUILD-DEV-INO: a build's own entry (two builds on one machine,
 * a test tree and the installed one, do not write over each other's). */
static void entry_name(const char *kind, const struct stat *st, char *name,
		       size_t nlen)
{
	snprintf(name, nlen, "%s-%02x%02x%02x%02x-%llx-%llx", kind, vc.self[0],
		 vc.self[1], vc.self[2], vc.self[3],
		 (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
}

int vcache_entry_path(const char *kind, const struct stat *st, char *out,
		      size_t n)
{
	char name[64];

	if (vc.dirfd < 0)
		return -ENOENT;
	entry_name(kind, st, name, sizeof(name));
	return snprintf(out, n, "%s/%s", vc.dir, name) < (int)n ? 0 : -ENAMETOOLONG;
}

/* The entry the file st would have now (val not filled), and its name. */
static int expect(const char *kind, const struct stat *st, size_t len,
		  struct rec *r, char *name, size_t nlen)
{
	if (strlen(kind) >= KIND_MAX || len > VCACHE_VALUE_MAX)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	memcpy(r->magic, "tlsdvc1", 8);
	memcpy(r->self, vc.self, sizeof(r->self));
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	r->dev = (uint64_t)st->st_dev;
	r->ino = (uint64_t)st->st_ino;
	r->size = (uint64_t)st->st_size;
	r->mtime_s = st->st_mtim.tv_sec;
	r->mtime_ns = st->st_mtim.tv_nsec;
	r->ctime_s = st->st_ctim.tv_sec;
	r->ctime_ns = st->st_ctim.tv_nsec;
	r->len = (uint32_t)len;
	entry_name(kind, st, name, nlen);
	return 0;
}

/* The entry's file, if it is one we wrote: regular, ours, one link, not
 * writable by others, the right size.  An fd or -errno. */
static int open_entry(const char *name)
{
	int fd = openat(vc.dirfd, name,
			O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_nlink != 1 ||
	    st.st_size != (off_t)sizeof(struct rec)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int vcache_get(const char *kind, const struct stat *st, void *val, size_t len)
{
	struct rec want, got;
	char name[64];
	int fd;
	ssize_t n;

	if (vc.dirfd < 0 || expect(kind, st, len, &want, name, sizeof(name)))
		return 0;
	fd = open_entry(name);
	if (fd < 0)
		return 0;
	n = pread(fd, &got, sizeof(got), 0);
	close(fd);
	if (n != (ssize_t)sizeof(got) ||
	    memcmp(&got, &want, offsetof(struct rec, val)))
		return 0;
	memcpy(val, got.val, len);
	return 1;
}

void vcache_put(const char *kind, const struct stat *st, const void *val,
		size_t len)
{
	char name[64], path[PATH_MAX], why[128];
	struct rec r;
	int fd;

	if (vc.dirfd < 0 || expect(kind, st, len, &r, name, sizeof(name)))
		return;
	memcpy(r.val, val, len);
	snprintf(path, sizeof(path), "%s/%s", vc.dir, name);
	fd = output_open_why(path, OUTPUT_TRUNCATE, why, sizeof(why));
	if (fd < 0)
		return;
	/* a short entry is never read (open_entry checks the size) */
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r) && ftruncate(fd, 0))
		log_debug("%s: %s", path, strerror(errno));
	close(fd);
}
