// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_ahead.c - see session_ahead.h. */
#include "run/session_ahead.h"
#include "loop.h"
#include "binary/pathexes.h"
#include "binary/vcache.h"
#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIN_SIZE (1 << 20) /* smaller programs are judged in µs at exec */

struct item {
	struct item *next;
	struct ahead_verdict v;
};

struct ahead {
	pthread_t th;
	pthread_mutex_t mu;
	bool stop, done;
	bool abandoned; /* ahead_stop did not wait: the worker frees it all */
	struct item *head, **tail;
	struct pathexes list;
	struct ahead_judge judges[AHEAD_MAX_JUDGES];
	int n_judges;
	int judged, wanted, cached;
	int64_t ns;
};

/* One judge on path (the file st): 1 it wants it, 0 not, -1 unreadable
 * now.  A verdict comes from the cache while the file is unchanged
 * (*read set), and goes into it. */
static int judge_one(const struct ahead_judge *j, const char *path,
		     const struct stat *st, bool *read)
{
	char version[TARGET_VERSION_MAX], kind[16];
	uint8_t v;
	int err;

	snprintf(kind, sizeof(kind), "ahead-%s", j->name);
	if (vcache_get(kind, st, &v, 1) && v <= 1)
		return v;
	*read = true;
	err = j->fn(path, version, sizeof(version));
	if (err && err != -ENOEXEC && err != -ENODATA)
		return -1;
	v = !err;
	vcache_put(kind, st, &v, 1);
	return v;
}

/* Every judge on path: 1 wanted, 0 no judge wants it, -1 unreadable now
 * (left to its exec); *read: some judge read the file (its verdict was
 * not in the cache). */
static int judge(const struct ahead *a, const char *path,
		 const struct stat *st, bool *read)
{
	int r = 0;

	*read = false;
	for (int i = 0; i < a->n_judges; i++) {
		int v = judge_one(&a->judges[i], path, st, read);

		if (v == 1)
			return 1;
		if (v < 0)
			r = -1;
	}
	return r;
}

static void push(struct ahead *a, const char *path, const struct stat *st,
		 bool wanted, bool cached)
{
	struct item *it = calloc(1, sizeof(*it));

	if (!it)
		return;
	snprintf(it->v.path, sizeof(it->v.path), "%s", path);
	it->v.wanted = wanted;
	it->v.dev = st->st_dev;
	it->v.ino = st->st_ino;
	it->v.mtime_sec = st->st_mtim.tv_sec;
	it->v.mtime_nsec = st->st_mtim.tv_nsec;
	pthread_mutex_lock(&a->mu);
	*a->tail = it;
	a->tail = &it->next;
	a->judged++;
	a->wanted += wanted;
	a->cached += cached;
	pthread_mutex_unlock(&a->mu);
}

static bool stopping(struct ahead *a)
{
	bool stop;

	pthread_mutex_lock(&a->mu);
	stop = a->stop;
	pthread_mutex_unlock(&a->mu);
	return stop;
}

static void release(struct ahead *a)
{
	struct ahead_verdict v;

	while (ahead_take(a, &v) == 1)
		;
	pathexes_free(&a->list);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* This thread runs only on CPU time nothing else wants (SCHED_IDLE):
 * judging ahead is a cache, and the programs being traced, the loop and
 * the gate's thread come first.  An exec it has not reached yet is judged
 * by the gate as before.  Where SCHED_IDLE is refused, the lowest nice. */
static void idle_priority(void)
{
	struct sched_param none = { 0 };

	if (sched_setscheduler((pid_t)gettid(), SCHED_IDLE, &none) != 0)
		setpriority(PRIO_PROCESS, (id_t)gettid(), 19); /* this thread only */
}

static void *worker(void *arg)
{
	struct ahead *a = arg;
	int64_t t0 = clock_mono_ns();
	const char *path;
	bool abandoned;

	idle_priority();
	while (!stopping(a) && (path = pathexes_next(&a->list)) != NULL) {
		struct stat st;
		bool read;
		int r;

		if (stat(path, &st) != 0)
			continue;
		r = judge(a, path, &st, &read);
		if (r >= 0)
			push(a, path, &st, r == 1, !read);
	}
	pthread_mutex_lock(&a->mu);
	a->done = true;
	a->ns = clock_mono_ns() - t0;
	abandoned = a->abandoned;
	pthread_mutex_unlock(&a->mu);
	if (abandoned)
		release(a);
	return NULL;
}

int ahead_start(struct ahead **out, const struct ahead_judge *judges, int n)
{
	struct ahead *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	pthread_mutex_init(&a->mu, NULL);
	a->tail = &a->head;
	a->n_judges = n < AHEAD_MAX_JUDGES ? n : AHEAD_MAX_JUDGES;
	memcpy(a->judges, judges, (size_t)a->n_judges * sizeof(judges[0]));
	err = pathexes_collect(&a->list, getenv("PATH"), MIN_SIZE);
	if (err >= 0)
		err = loop_thread(&a->th, worker, a);
	if (err) {
		pathexes_free(&a->list);
		pthread_mutex_destroy(&a->mu);
		free(a);
		return err;
	}
	*out = a;
	return 0;
}

int ahead_take(struct ahead *a, struct ahead_verdict *v)
{
	struct item *it;
	int r;

	pthread_mutex_lock(&a->mu);
	it = a->head;
	if (it) {
		a->head = it->next;
		if (!a->head)
			a->tail = &a->head;
	}
	r = it ? 1 : a->done ? -1 : 0;
	pthread_mutex_unlock(&a->mu);
	if (it) {
		*v = it->v;
		free(it);
	}
	return r;
}

void ahead_counts(struct ahead *a, int *judged, int *wanted, int *cached,
		  long *ms)
{
	pthread_mutex_lock(&a->mu);
	*judged = a->judged;
	*wanted = a->wanted;
	*cached = a->cached;
	*ms = (long)(a->ns / 1000000);
	pthread_mutex_unlock(&a->mu);
}

/* A judge of a big file at nice 10 on a busy machine can take seconds:
 * stopping waits for it at most STOP_WAIT_MS, then leaves the worker to
 * finish that file and free everything (the process is exiting). */
#define STOP_WAIT_MS 100

void ahead_stop(struct ahead *a)
{
	struct timespec until;
	bool leave = false;

	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_mutex_unlock(&a->mu);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += STOP_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(a->th, NULL, &until) != 0) {
		pthread_mutex_lock(&a->mu);
		leave = !a->done;
		a->abandoned = leave;
		pthread_mutex_unlock(&a->mu);
		if (leave) {
			pthread_detach(a->th);
			return;
		}
		pthread_join(a->th, NULL); /* it finished meanwhile */
	}
	release(a);
}
