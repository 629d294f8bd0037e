// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* dlwatch.c - see dlwatch.h (user side). */
#include "bpfobj.h"
#include "proc/dlwatch.h"
#include "proc/dlwatch.skel.h"
#include "proc/dlhold.h"
#include "binary/elfsym.h"
#include "binary/procsnap.h"
#include "binary/targets.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_LINKER "/lib64/ld-linux-x86-64.so.2"
#define MAX_NEWS 16384      /* processes a round looks at before it reads all */
#define MAX_SEEN 128        /* linker files looked at (probed or not) */
#define LINKER_SYMBOL "_dl_debug_state"

struct dlwatch {
	struct dlwatch_bpf *skel;
	struct bpf_link *exec;
	struct bpf_link *linker[DLWATCH_MAX_LINKERS];
	unsigned n_linkers;
	struct { dev_t dev; ino_t ino; } seen[MAX_SEEN];
	unsigned n_seen;
	struct ringset *rings;
	struct bpfobj obj;        /* its news ring in rings */
	struct dlhold *hold;      /* -- CMD's processes, when held */
	pid_t *news;              /* queued by each drain of the rings, taken per round */
	size_t n_news;
	bool overflow;
	unsigned long long lost_seen;
};

static int on_news(void *ctx, void *data, size_t size)
{
	struct dlwatch *w = ctx;
	const struct dlwatch_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (w->n_news == MAX_NEWS)
		w->overflow = true;
	else
		w->news[w->n_news++] = (pid_t)e->pid;
	return 0;
}

/* Probes the linker at path (its _dl_debug_state) unless that file was
 * looked at before. */
static void probe_linker(struct dlwatch *w, const char *path)
{
	struct elfsym_func fn;
	struct elfsym *e;
	struct stat st;
	struct bpf_link *l;
	bool found;
	unsigned i;

	if (stat(path, &st) != 0)
		return;
	for (i = 0; i < w->n_seen; i++)
		if (w->seen[i].dev == st.st_dev && w->seen[i].ino == st.st_ino)
			return;
	if (w->n_seen == MAX_SEEN || w->n_linkers == DLWATCH_MAX_LINKERS)
		return; /* the full rounds still find their libraries */
	w->seen[w->n_seen].dev = st.st_dev;
	w->seen[w->n_seen++].ino = st.st_ino;
	if (elfsym_open(path, &e) != 0)
		return;
	found = elfsym_find_func(e, LINKER_SYMBOL, &fn) == 0;
	elfsym_close(e);
	if (!found)
		return;
	l = bpf_program__attach_uprobe(w->skel->progs.dlwatch_linker, false, -1,
				       path, (size_t)fn.offset);
	if (l)
		w->linker[w->n_linkers++] = l;
}

/* "ld-linux-x86-64.so.2", "ld-2.31.so", "ld-musl-x86_64.so.1" */
static bool is_linker(const char *path, size_t len)
{
	const char *base = memrchr(path, '/', len);

	base = base ? base + 1 : path;
	return !strncmp(base, "ld-", 3) && memmem(base, len - (size_t)(base - path),
						    ".so", 3);
}

struct linker_look {
	struct dlwatch *w;
	pid_t pid;
};

static void on_maps_line(void *ctx, const char *line, size_t len)
{
	struct linker_look *lk = ctx;
	struct maps_line m;
	char path[PATH_MAX];

	if (maps_line_parse(line, len, &m) || !m.path || m.deleted ||
	    !is_linker(m.path, m.path_len))
		return;
	/* the name in the process's own mount namespace */
	if (snprintf(path, sizeof(path), "/proc/%d/root%.*s", (int)lk->pid,
		     (int)m.path_len, m.path) < (int)sizeof(path))
		probe_linker(lk->w, path);
}

static void look_at(struct dlwatch *w, pid_t pid)
{
	struct linker_look lk = { w, pid };

	procsnap_maps("/proc", pid, on_maps_line, &lk);
}

void dlwatch_find_linkers(struct dlwatch *w, const pid_t *pids, size_t n)
{
	struct dirent *d;
	DIR *dir;

	if (!w)
		return;
	if (pids) {
		for (size_t i = 0; i < n; i++)
			look_at(w, pids[i]);
		return;
	}
	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
			look_at(w, (pid_t)atoi(d->d_name));
	closedir(dir);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

bool dlwatch_take(struct dlwatch *w, const pid_t **pids, size_t *n)
{
	unsigned long long lost;
	size_t i, k = 0;
	bool overflow;

	lost = w->skel->bss->lost;
	overflow = w->overflow || lost != w->lost_seen;
	w->lost_seen = lost;
	qsort(w->news, w->n_news, sizeof(*w->news), cmp_pid);
	for (i = 0; i < w->n_news; i++)
		if (!k || w->news[k - 1] != w->news[i])
			w->news[k++] = w->news[i];
	*pids = w->news;
	*n = k;
	w->n_news = 0; /* the next news queue from the start */
	w->overflow = false;
	return overflow;
}

unsigned dlwatch_linkers(const struct dlwatch *w)
{
	return w ? w->n_linkers : 0;
}

unsigned long long dlwatch_lost(const struct dlwatch *w)
{
	return w ? w->lost_seen : 0;
}

/* Open, hold CMD's tree (tree_fd >= 0), load. */
static int load(struct dlwatch *w, int tree_fd)
{
	int err = BPFOBJ_OPEN(dlwatch_bpf, &w->skel);

	if (err || tree_fd < 0)
		return err ?: dlwatch_bpf__load(w->skel);
	w->skel->rodata->hold_pgid = (__u32)getpgrp();
	err = bpf_map__reuse_fd(w->skel->maps.want_tree, tree_fd);
	err = err ?: dlwatch_bpf__load(w->skel);
	return err ?: dlhold_open(&w->hold, w->rings,
				  bpf_map__fd(w->skel->maps.held),
				  bpf_map__fd(w->skel->maps.held_since));
}

int dlwatch_open(struct dlwatch **out, struct ringset *rings, int tree_fd)
{
	struct dlwatch *w = calloc(1, sizeof(*w));
	int err;

	*out = NULL;
	if (!w || !(w->news = malloc(MAX_NEWS * sizeof(*w->news)))) {
		free(w);
		return -ENOMEM;
	}
	w->rings = rings;
	err = load(w, tree_fd);
	if (!err) {
		w->exec = bpf_program__attach(w->skel->progs.dlwatch_exec);
		err = w->exec ? 0 : -errno;
	}
	err = err ?: bpfobj_ring(&w->obj, rings, w->skel->maps.news, on_news,
				 w);
	if (err) {
		dlwatch_close(w);
		return err;
	}
	bpfobj_quiet(&w->obj); /* not work: the poll may slow */
	probe_linker(w, SYSTEM_LINKER);
	*out = w;
	return 0;
}

struct dlhold *dlwatch_hold(const struct dlwatch *w)
{
	return w ? w->hold : NULL;
}

void dlwatch_log_holds(const struct dlwatch *w)
{
	if (w && w->hold)
		dlhold_log(w->hold, w->skel->bss->hold_lost);
}

void dlwatch_close(struct dlwatch *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n_linkers; i++)
		bpf_link__destroy(w->linker[i]);
	bpf_link__destroy(w->exec);
	dlhold_close(w->hold); /* detached: nothing is held after this */
	BPFOBJ_CLOSE(dlwatch_bpf, w->skel, &w->obj);
	free(w->news);
	free(w);
}
