// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* cgroup.c - see cgroup.h. */
#include "proc/cgroup.h"
#include "proc/cgname.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_SLOTS 1024u  /* ids remembered; emptied when full */
#define WALK_DEPTH 12
#define WALK_MAX 50000     /* directories a walk looks at */

int cgroup_v2_dir(char *dir, size_t size)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	int err = -ENOENT;

	while (f && err && (m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2") &&
		    strlen(m->mnt_dir) < size) {
			strcpy(dir, m->mnt_dir);
			err = 0;
		}
	if (f)
		endmntent(f);
	return err;
}

/* The id of the cgroup directory at abs (its kernfs file handle). */
static int id_at(int dirfd, const char *abs, uint64_t *id, int *type)
{
	struct {
		struct file_handle fh;
		unsigned char buf[16];
	} h = { .fh.handle_bytes = 16 };
	int mnt;

	if (name_to_handle_at(dirfd, abs, &h.fh, &mnt, 0))
		return -errno;
	if (h.fh.handle_bytes != 8)
		return -EINVAL;
	memcpy(id, h.fh.f_handle, 8);
	if (type)
		*type = h.fh.handle_type;
	return 0;
}

int cgroup_lookup(const char *arg, uint64_t *id, char *rel, size_t size)
{
	char dir[PATH_MAX], abs[PATH_MAX];
	size_t dl;
	struct stat st;
	const char *r = arg;

	if (cgroup_v2_dir(dir, sizeof(dir)))
		return -ENOENT;
	dl = strlen(dir);
	if (!strncmp(arg, dir, dl) && (arg[dl] == '/' || !arg[dl]))
		r = arg + dl; /* given under the mount point */
	while (*r == '/')
		r++;
	if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", dir, r) >= sizeof(abs) ||
	    (size_t)snprintf(rel, size, "/%s", r) >= size)
		return -ENAMETOOLONG;
	while (strlen(rel) > 1 && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = 0;
	if (stat(abs, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return id_at(AT_FDCWD, abs, id, NULL);
}

struct walk {
	const char *prefix;
	cgroup_found_fn fn;
	void *ctx;
	size_t dirlen;
	int seen, found;
};

static void walk_dir(struct walk *w, char *path, size_t len, int depth)
{
	char id[CGNAME_ID_LEN + 1];
	uint64_t cg;
	struct dirent *e;
	DIR *d;

	if (depth > WALK_DEPTH || w->seen++ >= WALK_MAX)
		return;
	/* the id in this directory's own name, not one above it */
	if (depth && cgname_container(strrchr(path, '/'), id) &&
	    !strncmp(id, w->prefix, strlen(w->prefix)) &&
	    !id_at(AT_FDCWD, path, &cg, NULL)) {
		w->fn(w->ctx, cg, path + w->dirlen);
		w->found++;
		return; /* its descendants match with it */
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
		    len + 1 + n >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		walk_dir(w, path, len + 1 + n, depth + 1);
		path[len] = 0;
	}
	if (d)
		closedir(d);
}

int cgroup_containers(const char *prefix, cgroup_found_fn fn, void *ctx)
{
	char path[PATH_MAX];
	struct walk w = { prefix, fn, ctx, 0, 0, 0 };

	if (cgroup_v2_dir(path, sizeof(path)))
		return -ENOENT;
	w.dirlen = strlen(path);
	walk_dir(&w, path, w.dirlen, 0);
	return w.found;
}

struct slot {
	uint64_t id;     /* 0: free */
	char *path;      /* NULL: not found (asked) or not asked yet */
	bool asked;      /* the kernel was asked */
};

struct cgcache {
	int mntfd;
	int type;        /* the handle type of a cgroup directory */
	size_t dirlen;
	struct slot *slots;
	unsigned used;
	char buf[PATH_MAX];
};

struct cgcache *cgcache_new(void)
{
	struct cgcache *c = calloc(1, sizeof(*c));
	char dir[PATH_MAX];
	uint64_t root;

	if (!c)
		return NULL;
	c->slots = calloc(CACHE_SLOTS, sizeof(*c->slots));
	c->mntfd = -1;
	if (!c->slots || cgroup_v2_dir(dir, sizeof(dir)) ||
	    (c->mntfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    id_at(AT_FDCWD, dir, &root, &c->type) < 0) {
		cgcache_free(c);
		errno = ENOENT;
		return NULL;
	}
	c->dirlen = strlen(dir);
	return c;
}

/* id -> its path, asked of the kernel; NULL when it cannot say. */
static char *resolve(struct cgcache *c, uint64_t id)
{
	struct {
		struct file_handle fh;
		unsigned char buf[8];
	} h = { .fh.handle_bytes = 8, .fh.handle_type = c->type };
	char link[64];
	ssize_t n;
	int fd;

	memcpy(h.fh.f_handle, &id, 8);
	fd = open_by_handle_at(c->mntfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, c->buf, sizeof(c->buf) - 1);
	close(fd);
	if (n < 0 || (size_t)n < c->dirlen)
		return NULL;
	c->buf[n] = 0;
	/* under the mount point; its root is "/" */
	return strdup(n == (ssize_t)c->dirlen ? "/" : c->buf + c->dirlen);
}

static void cache_clear(struct cgcache *c)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		free(c->slots[i].path);
		c->slots[i] = (struct slot){ 0 };
	}
	c->used = 0;
}

/* The slot of id: its own, or the empty one it goes to (the table is
 * emptied when half full). */
static struct slot *slot_of(struct cgcache *c, uint64_t id)
{
	unsigned i = (unsigned)(id * 0x9e3779b97f4a7c15ull >> 54) % CACHE_SLOTS;

	for (;; i = (i + 1) % CACHE_SLOTS) {
		if (c->slots[i].id == id)
			return &c->slots[i];
		if (!c->slots[i].id)
			break;
	}
	if (c->used >= CACHE_SLOTS / 2) {
		cache_clear(c);
		return slot_of(c, id);
	}
	c->slots[i].id = id;
	c->used++;
	return &c->slots[i];
}

const char *cgcache_path(struct cgcache *c, uint64_t id)
{
	struct slot *sl;

	if (!id)
		return NULL;
	sl = slot_of(c, id);
	if (!sl->path && !sl->asked) {
		sl->path = resolve(c, id);
		sl->asked = true;
	}
	return sl->path;
}

void cgcache_learn(struct cgcache *c, uint64_t id, const char *path)
{
	struct slot *sl;

	if (!c || !id)
		return;
	sl = slot_of(c, id);
	if (!sl->path)
		sl->path = strdup(path);
}

void cgcache_free(struct cgcache *c)
{
	if (!c)
		return;
	if (c->slots)
		cache_clear(c);
	free(c->slots);
	if (c->mntfd >= 0)
		close(c->mntfd);
	free(c);
}
