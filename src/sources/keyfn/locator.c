// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locator.c - see locator.h. */
#include "sources/keyfn/locator.h"
#include "loop.h"
#include "binary/elfsym.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_MAX 64

/* A file is the same build as a cached one when its build id, size and
 * modification time are: a copy that keeps its time (a container image's
 * layer), not one that was changed in place (a patched copy keeps the
 * build id). */
struct key {
	uint8_t id[ELFSYM_BUILD_ID_MAX];
	int id_len;
	off_t size;
	struct timespec mtime;
};

struct cached {
	struct key k;
	int err;
	struct keyfn_layout l;
	char why[256];
};

struct job {
	struct job *next;
	struct locator_result r;
	char path[PATH_MAX];
};

struct locator {
	locator_fn fn;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	bool started, stop;
	struct job *todo, *done; /* FIFO in, LIFO out: order does not matter */
	int pending;
	struct cached cache[CACHE_MAX];
	int n_cache;
};

int locator_new(struct locator **out, locator_fn fn)
{
	struct locator *lc = calloc(1, sizeof(*lc));

	if (!lc)
		return -ENOMEM;
	lc->fn = fn;
	pthread_mutex_init(&lc->mu, NULL);
	pthread_cond_init(&lc->cv, NULL);
	*out = lc;
	return 0;
}

/* 0 and *k, or -ENOENT: no build id (such files are not cached). */
static int key_of(const char *path, struct key *k)
{
	struct elfsym *e;
	struct stat st;

	memset(k, 0, sizeof(*k));
	if (stat(path, &st) || elfsym_open(path, &e))
		return -ENOENT;
	k->id_len = elfsym_build_id(e, k->id, ELFSYM_BUILD_ID_MAX);
	elfsym_close(e);
	k->size = st.st_size;
	k->mtime = st.st_mtim;
	return k->id_len > 0 ? 0 : -ENOENT;
}

static bool same(const struct key *a, const struct key *b)
{
	return a->id_len == b->id_len && !memcmp(a->id, b->id, (size_t)a->id_len) &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static const struct cached *lookup(struct locator *lc, const struct key *k)
{
	for (int i = 0; k->id_len > 0 && i < lc->n_cache; i++)
		if (same(&lc->cache[i].k, k))
			return &lc->cache[i];
	return NULL;
}

int locator_run(struct locator *lc, const char *path, struct keyfn_layout *l,
		char *why, size_t wlen)
{
	struct key k;
	int has_key = key_of(path, &k) == 0, err;
	const struct cached *c;
	struct cached *slot;

	pthread_mutex_lock(&lc->mu);
	c = has_key ? lookup(lc, &k) : NULL;
	if (c) {
		*l = c->l;
		snprintf(why, wlen, "%s", c->why);
		err = c->err;
	}
	pthread_mutex_unlock(&lc->mu);
	if (c)
		return err;
	err = lc->fn(path, l, why, wlen);
	if (!has_key || (err && err != -EPROTO && err != -ENODATA))
		return err; /* no id, or a read error that may pass */
	pthread_mutex_lock(&lc->mu);
	if (!lookup(lc, &k) && lc->n_cache < CACHE_MAX) {
		slot = &lc->cache[lc->n_cache++];
		slot->k = k;
		slot->err = err;
		slot->l = *l;
		snprintf(slot->why, sizeof(slot->why), "%s", why);
	}
	pthread_mutex_unlock(&lc->mu);
	return err;
}

static void *worker(void *arg)
{
	struct locator *lc = arg;

	pthread_mutex_lock(&lc->mu);
	for (;;) {
		struct job *j;

		while (!lc->todo && !lc->stop)
			pthread_cond_wait(&lc->cv, &lc->mu);
		if (lc->stop)
			break;
		j = lc->todo;
		lc->todo = j->next;
		pthread_mutex_unlock(&lc->mu);
		j->r.err = locator_run(lc, j->path, &j->r.l, j->r.why, sizeof(j->r.why));
		pthread_mutex_lock(&lc->mu);
		j->next = lc->done;
		lc->done = j;
	}
	pthread_mutex_unlock(&lc->mu);
	return NULL;
}

int locator_submit(struct locator *lc, int idx, const char *path)
{
	struct job *j = calloc(1, sizeof(*j)), **tail;
	int err = 0;

	if (!j)
		return -ENOMEM;
	j->r.idx = idx;
	snprintf(j->path, sizeof(j->path), "%s", path);
	pthread_mutex_lock(&lc->mu);
	if (!lc->started) {
		err = loop_thread(&lc->th, worker, lc);
		lc->started = !err;
	}
	if (!err) {
		for (tail = &lc->todo; *tail; tail = &(*tail)->next)
			;
		*tail = j;
		lc->pending++;
		pthread_cond_signal(&lc->cv);
	}
	pthread_mutex_unlock(&lc->mu);
	if (err)
		free(j);
	return err;
}

int locator_take(struct locator *lc, struct locator_result *r)
{
	struct job *j;

	if (!lc->started)
		return 0;
	pthread_mutex_lock(&lc->mu);
	j = lc->done;
	if (j) {
		lc->done = j->next;
		lc->pending--;
	}
	pthread_mutex_unlock(&lc->mu);
	if (!j)
		return 0;
	*r = j->r;
	free(j);
	return 1;
}

int locator_pending(const struct locator *lc)
{
	return lc->pending;
}

static void free_list(struct job *j)
{
	while (j) {
		struct job *next = j->next;

		free(j);
		j = next;
	}
}

void locator_free(struct locator *lc)
{
	if (!lc)
		return;
	if (lc->started) {
		pthread_mutex_lock(&lc->mu);
		lc->stop = true;
		pthread_cond_signal(&lc->cv);
		pthread_mutex_unlock(&lc->mu);
		pthread_join(lc->th, NULL);
	}
	free_list(lc->todo);
	free_list(lc->done);
	pthread_mutex_destroy(&lc->mu);
	pthread_cond_destroy(&lc->cv);
	free(lc);
}
