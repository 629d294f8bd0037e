// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* pathexes.c - see pathexes.h. */
#include "binary/pathexes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 4096

static const char *const standard[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
	"/sbin", "/bin", "/opt/bin",
};

/* Files (and folders) met already, by device and inode. */
struct seen {
	dev_t *dev;
	ino_t *ino;
	int n, cap;
};

static bool seen_add(struct seen *s, const struct stat *st)
{
	for (int i = 0; i < s->n; i++)
		if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino)
			return false;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 256;
		dev_t *d = realloc(s->dev, (size_t)cap * sizeof(*d));
		ino_t *i = d ? realloc(s->ino, (size_t)cap * sizeof(*i)) : NULL;

		if (d)
			s->dev = d;
		if (!i)
			return false;
		s->ino = i;
		s->cap = cap;
	}
	s->dev[s->n] = st->st_dev;
	s->ino[s->n++] = st->st_ino;
	return true;
}

static int add(struct pathexes *p, const char *path)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		char **v = realloc(p->paths, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->paths = v;
		p->cap = cap;
	}
	p->paths[p->n] = strdup(path);
	return p->paths[p->n] ? (p->n++, 0) : -ENOMEM;
}

static int add_dir(struct pathexes *p, struct seen *s, const char *dir,
		   off_t min_size)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int err = 0;
	DIR *d;

	if (dir[0] != '/' || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    !seen_add(s, &st) || !(d = opendir(dir)))
		return 0;
	while (!err && p->n < MAX_FILES && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
			    (int)sizeof(path))
			continue;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & 0111) || st.st_size < min_size ||
		    !seen_add(s, &st))
			continue;
		err = add(p, path);
	}
	closedir(d);
	return err;
}

int pathexes_collect(struct pathexes *p, const char *path_env,
		     off_t min_size)
{
	struct seen s = { 0 };
	char *dirs = path_env ? strdup(path_env) : NULL, *save = NULL;
	int err = 0;

	memset(p, 0, sizeof(*p));
	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && !err;
	     d = strtok_r(NULL, ":", &save))
		err = add_dir(p, &s, d, min_size);
	for (size_t i = 0; i < sizeof(standard) / sizeof(standard[0]) && !err; i++)
		err = add_dir(p, &s, standard[i], min_size);
	free(dirs);
	free(s.dev);
	free(s.ino);
	return err ? err : p->n;
}

const char *pathexes_next(struct pathexes *p)
{
	return p->next < p->n ? p->paths[p->next++] : NULL;
}

void pathexes_free(struct pathexes *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->paths[i]);
	free(p->paths);
	memset(p, 0, sizeof(*p));
}
