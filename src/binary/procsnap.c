// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* procsnap.c - see procsnap.h. */
#include "binary/procsnap.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct look {
	pid_t pid;          /* 0: free slot */
	bool have_maps, have_exe;
	int maps_err, exe_err;
	char *lines;        /* the kept maps lines, each "...\n\0" */
	size_t len;
	struct stat st;     /* of PROC/PID/exe */
};

static struct {
	pthread_mutex_t lock;
	struct look *slot;
	size_t cap, used;   /* cap: a power of two, or 0 */
	int64_t since_ns;   /* when the looks were started */
} snap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void drop_all(void)
{
	for (size_t i = 0; i < snap.cap; i++)
		free(snap.slot[i].lines);
	free(snap.slot);
	snap.slot = NULL;
	snap.cap = snap.used = 0;
}

void procsnap_reset(void)
{
	pthread_mutex_lock(&snap.lock);
	drop_all();
	pthread_mutex_unlock(&snap.lock);
}

static struct look *probe_slot(struct look *tab, size_t cap, pid_t pid)
{
	size_t i = ((uint32_t)pid * 2654435761u) & (cap - 1);

	while (tab[i].pid && tab[i].pid != pid)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int grow(void)
{
	size_t cap = snap.cap ? snap.cap * 2 : 256;
	struct look *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < snap.cap; i++)
		if (snap.slot[i].pid)
			*probe_slot(tab, cap, snap.slot[i].pid) = snap.slot[i];
	free(snap.slot);
	snap.slot = tab;
	snap.cap = cap;
	return 0;
}

/* This round's look at pid (a fresh round drops the old looks); NULL
 * without memory.  Called locked. */
static struct look *look_of(pid_t pid)
{
	int64_t now = mono_ns();
	struct look *l;

	if (now - snap.since_ns >= (int64_t)PROCSNAP_FRESH_MS * 1000000) {
		drop_all();
		snap.since_ns = now;
	}
	if ((snap.used + 1) * 2 > snap.cap && grow())
		return NULL;
	l = probe_slot(snap.slot, snap.cap, pid);
	if (!l->pid) {
		l->pid = pid;
		snap.used++;
	}
	return l;
}

/* "ADDR PERMS OFFSET DEV INODE PATH": from DEV on, what names the file. */
static const char *file_part(const char *line)
{
	for (int f = 0; f < 3 && line; f++) {
		line = strchr(line, ' ');
		line = line ? line + 1 : NULL;
	}
	return line;
}

/* Calls fn for each line of PROC/PID/maps ('\n'- and NUL-terminated);
 * 0, or -errno when it cannot be opened. */
static int each_maps_line(const char *proc, pid_t pid,
			  void (*fn)(void *ctx, const char *line, size_t len),
			  void *ctx)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/maps", proc, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0)
		fn(ctx, line, (size_t)n);
	free(line);
	fclose(f);
	return 0;
}

/* Keeps the first line of each run of lines of one file (a library maps
 * each segment: 4-5 lines), with its NUL: readers strstr() lines.  A
 * line that does not fit in memory is left out. */
struct keeping {
	struct look *l;
	size_t prev, prev_len; /* the last kept line's file part in l->lines */
};

static void keep_line(void *ctx, const char *line, size_t n)
{
	struct keeping *kp = ctx;
	struct look *l = kp->l;
	const char *id = file_part(line);
	size_t idlen = id ? n - (size_t)(id - line) : 0;
	char *grown;

	if (!id || !strchr(id, '/') ||
	    (kp->prev_len == idlen && !memcmp(l->lines + kp->prev, id, idlen)))
		return;
	grown = realloc(l->lines, l->len + n + 1);
	if (!grown)
		return;
	l->lines = grown;
	memcpy(l->lines + l->len, line, n + 1);
	kp->prev = l->len + (size_t)(id - line);
	kp->prev_len = idlen;
	l->len += n + 1;
}

static void each_line(const char *buf, size_t len,
		      void (*fn)(void *ctx, const char *line, size_t len),
		      void *ctx)
{
	/* NUL-separated lines (each ends "\n\0") */
	for (size_t off = 0, n; off < len; off += n + 1) {
		n = strlen(buf + off);
		fn(ctx, buf + off, n);
	}
}

int procsnap_maps(const char *proc, pid_t pid,
		  void (*fn)(void *ctx, const char *line, size_t len),
		  void *ctx)
{
	struct look *l;
	int err;

	if (strcmp(proc, "/proc"))
		return each_maps_line(proc, pid, fn, ctx);
	pthread_mutex_lock(&snap.lock);
	l = look_of(pid);
	if (!l) {
		pthread_mutex_unlock(&snap.lock);
		return each_maps_line(proc, pid, fn, ctx);
	}
	if (!l->have_maps) {
		struct keeping kp = { .l = l };

		l->maps_err = each_maps_line(proc, pid, keep_line, &kp);
		l->have_maps = true;
	}
	err = l->maps_err;
	if (!err)
		each_line(l->lines, l->len, fn, ctx);
	pthread_mutex_unlock(&snap.lock);
	return err;
}

void procsnap_forget(const char *proc, pid_t pid)
{
	struct look *l;

	if (strcmp(proc, "/proc"))
		return;
	pthread_mutex_lock(&snap.lock);
	l = snap.cap ? probe_slot(snap.slot, snap.cap, pid) : NULL;
	if (l && l->pid) { /* keep the slot (probe chains), forget its look */
		free(l->lines);
		l->lines = NULL;
		l->len = 0;
		l->have_maps = l->have_exe = false;
	}
	pthread_mutex_unlock(&snap.lock);
}

int procsnap_exe(const char *proc, pid_t pid, struct stat *st)
{
	char path[PATH_MAX];
	struct look *l;
	int err;

	snprintf(path, sizeof(path), "%s/%d/exe", proc, (int)pid);
	if (strcmp(proc, "/proc"))
		return stat(path, st) ? -errno : 0;
	pthread_mutex_lock(&snap.lock);
	l = look_of(pid);
	if (l && !l->have_exe) {
		l->exe_err = stat(path, &l->st) ? -errno : 0;
		l->have_exe = true;
	}
	if (l) {
		err = l->exe_err;
		*st = l->st;
	} else {
		err = stat(path, st) ? -errno : 0;
	}
	pthread_mutex_unlock(&snap.lock);
	return err;
}
