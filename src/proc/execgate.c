// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execgate.c - see execgate.h. */
#include "proc/execgate.h"
#include "loop.h"
#include "proc/execcache.h"
#include "proc/execmarks.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_SLOTS 32768  /* judged files remembered (3/4 of it) */
#define IGNORE_MAX 16384   /* inode ignore marks (each pins an inode) */

struct held {
	struct execgate_exec x; /* first: execgate_done gets &x */
	struct held *next;
	struct execcache_key key;
	int64_t since_ns;
	bool taken, answered;
};

struct execgate {
	int fan;        /* the fanotify group */
	int wake;       /* eventfd: held execs for the loop */
	int stop;       /* eventfd: the thread must end */
	pthread_t th;
	bool started;
	pthread_mutex_t mu; /* list, cache, stats, answers */
	struct held *list;  /* arrival order */
	int n_held;
	struct execcache *cache;
	struct execmarks *marks;
	pid_t self;
	struct execgate_stats st;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* FAN_ALLOW, the only answer we give. */
static void allow(struct execgate *g, int fd)
{
	struct fanotify_response r = { .fd = fd, .response = FAN_ALLOW };

	if (write(g->fan, &r, sizeof(r)) != sizeof(r))
		log_debug("exec gate: answering for fd %d: %s", fd, strerror(errno));
}

static struct execcache_key key_of(const struct stat *st)
{
	return (struct execcache_key){ st->st_dev, st->st_ino,
				       st->st_mtim.tv_sec, st->st_mtim.tv_nsec };
}

/* A new held exec for the loop (locked); false when it cannot be held. */
static bool hold(struct execgate *g, const struct fanotify_event_metadata *m,
		 const struct stat *st)
{
	struct held *h = g->n_held < EXECGATE_HELD_MAX ? calloc(1, sizeof(*h)) : NULL;
	struct held **tail;
	ssize_t n;

	if (!h)
		return false;
	h->x.fd = m->fd;
	h->x.pid = m->pid;
	h->x.dev = st->st_dev;
	h->x.ino = st->st_ino;
	snprintf(h->x.path, sizeof(h->x.path), "/proc/self/fd/%d", m->fd);
	n = readlink(h->x.path, h->x.name, sizeof(h->x.name) - 1);
	h->x.name[n > 0 ? n : 0] = '\0';
	h->key = key_of(st);
	h->since_ns = now_ns();
	for (tail = &g->list; *tail; tail = &(*tail)->next)
		;
	*tail = h;
	g->n_held++;
	g->st.held++;
	return true;
}

/* One event: answered now, or held for the loop. */
static void on_event(struct execgate *g, const struct fanotify_event_metadata *m)
{
	struct execcache_key k;
	struct stat st;
	bool held = false;
	uint64_t one = 1;

	if (m->fd < 0)
		return; /* a queue overflow: the kernel allowed those */
	pthread_mutex_lock(&g->mu);
	g->st.events++;
	if (m->pid != g->self && fstat(m->fd, &st) == 0) {
		k = key_of(&st);
		if (!execcache_has(g->cache, &k)) {
			held = hold(g, m, &st);
			g->st.busy += !held;
		}
	}
	if (!held) {
		allow(g, m->fd);
		g->st.at_once++;
	}
	pthread_mutex_unlock(&g->mu);
	if (!held)
		close(m->fd);
	else if (write(g->wake, &one, sizeof(one)) != sizeof(one))
		log_debug("exec gate: waking the loop: %s", strerror(errno));
}

static void read_events(struct execgate *g)
{
	union {
		struct fanotify_event_metadata m;
		char b[8192];
	} buf;
	const struct fanotify_event_metadata *m;
	ssize_t n;

	while ((n = read(g->fan, buf.b, sizeof(buf.b))) > 0) {
		for (m = &buf.m; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n))
			on_event(g, m);
	}
}

/* Lets go of the execs held too long; the poll timeout until the next
 * one is due (ms), or -1 when none waits. */
static int expire(struct execgate *g)
{
	const int64_t max = (int64_t)EXECGATE_HOLD_MAX_MS * 1000000;
	int64_t now = now_ns(), next = -1;

	pthread_mutex_lock(&g->mu);
	for (struct held *h = g->list; h; h = h->next) {
		if (h->answered)
			continue;
		if (now - h->since_ns >= max) {
			allow(g, h->x.fd);
			h->answered = true;
			g->st.late++;
		} else if (next < 0 || h->since_ns + max - now < next) {
			next = h->since_ns + max - now;
		}
	}
	pthread_mutex_unlock(&g->mu);
	return next < 0 ? -1 : (int)(next / 1000000) + 1;
}

static void *reader(void *arg)
{
	struct execgate *g = arg;
	struct pollfd p[2] = { { .fd = g->fan, .events = POLLIN },
			       { .fd = g->stop, .events = POLLIN } };
	int timeout = -1;

	/* never leaves before stop: an event nobody reads holds its exec
	 * until the group is closed */
	for (;;) {
		if (poll(p, 2, timeout) < 0) {
			p[0].revents = p[1].revents = 0;
			if (errno != EINTR)
				usleep(10000);
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			read_events(g);
		timeout = expire(g);
	}
	return NULL;
}

int execgate_fd(const struct execgate *g)
{
	return g->wake;
}

int execgate_take(struct execgate *g, const struct execgate_exec **x)
{
	uint64_t n;
	struct held *h;

	if (read(g->wake, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("exec gate: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&g->mu);
	for (h = g->list; h && h->taken; h = h->next)
		;
	if (h)
		h->taken = true;
	pthread_mutex_unlock(&g->mu);
	if (!h)
		return 0;
	*x = &h->x;
	return 1;
}

/* From now on the kernel answers for the file of fd by itself, until it
 * is written to (locked). */
static void ignore(struct execgate *g, int fd)
{
	if (g->st.ignored >= IGNORE_MAX)
		return;
	if (fanotify_mark(g->fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK,
			  FAN_OPEN_EXEC_PERM, fd, NULL) == 0)
		g->st.ignored++;
	else
		log_debug("exec gate: fd %d: no ignore mark: %s", fd, strerror(errno));
}

static void unlink_held(struct execgate *g, struct held *h)
{
	struct held **p;

	for (p = &g->list; *p && *p != h; p = &(*p)->next)
		;
	if (*p)
		*p = h->next;
	g->n_held--;
}

void execgate_done(struct execgate *g, const struct execgate_exec *x,
		   bool settled)
{
	struct held *h = (struct held *)((char *)x - offsetof(struct held, x));
	uint64_t waited = (uint64_t)(now_ns() - h->since_ns);

	pthread_mutex_lock(&g->mu);
	if (settled) {
		execcache_add(g->cache, &h->key);
		ignore(g, h->x.fd);
	}
	if (!h->answered)
		allow(g, h->x.fd);
	g->st.held_ns += waited;
	if (waited > g->st.held_ns_max)
		g->st.held_ns_max = waited;
	unlink_held(g, h);
	pthread_mutex_unlock(&g->mu);
	close(h->x.fd);
	free(h);
}

bool execgate_judged(struct execgate *g, int fd)
{
	struct execcache_key k;
	struct stat st;
	bool has;

	if (fstat(fd, &st) != 0)
		return false;
	k = key_of(&st);
	pthread_mutex_lock(&g->mu);
	has = execcache_has(g->cache, &k);
	pthread_mutex_unlock(&g->mu);
	return has;
}

void execgate_settle(struct execgate *g, int fd)
{
	struct execcache_key k;
	struct stat st;

	if (fstat(fd, &st) != 0)
		return;
	k = key_of(&st);
	pthread_mutex_lock(&g->mu);
	execcache_add(g->cache, &k);
	ignore(g, fd);
	g->st.ahead++;
	pthread_mutex_unlock(&g->mu);
}

int execgate_rescan(struct execgate *g, const pid_t *pids, size_t np)
{
	int n = pids ? execmarks_scan_pids(g->marks, pids, np) :
		       execmarks_scan(g->marks);

	return n > 0 ? n : 0;
}

void execgate_get_stats(struct execgate *g, struct execgate_stats *st)
{
	pthread_mutex_lock(&g->mu);
	*st = g->st;
	st->cached = g->cache ? execcache_count(g->cache) : 0;
	pthread_mutex_unlock(&g->mu);
	st->filesystems = execmarks_count(g->marks);
}

static int open_group(struct execgate *g)
{
	int err;

	g->fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK |
				       FAN_UNLIMITED_MARKS,
			       O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (g->fan < 0)
		return -errno;
	err = execmarks_new(&g->marks, g->fan, "/proc");
	if (!err) {
		err = execmarks_scan(g->marks);
		err = err < 0 ? err : 0;
	}
	if (!err && execcache_new(&g->cache, CACHE_SLOTS))
		err = -ENOMEM;
	g->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->stop = eventfd(0, EFD_CLOEXEC);
	if (!err && (g->wake < 0 || g->stop < 0))
		err = -errno;
	return err;
}

int execgate_open(struct execgate **out)
{
	struct execgate *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->fan = g->wake = g->stop = -1;
	g->self = getpid();
	pthread_mutex_init(&g->mu, NULL);
	err = open_group(g);
	if (!err) {
		err = loop_thread(&g->th, reader, g);
		g->started = !err;
	}
	if (err) {
		execgate_close(g);
		return err;
	}
	*out = g;
	return 0;
}

void execgate_close(struct execgate *g)
{
	uint64_t one = 1;

	if (!g)
		return;
	if (g->started) {
		if (write(g->stop, &one, sizeof(one)) != sizeof(one))
			log_debug("exec gate: stopping: %s", strerror(errno));
		pthread_join(g->th, NULL);
	}
	while (g->list) {
		struct held *h = g->list;

		g->list = h->next;
		if (!h->answered)
			allow(g, h->x.fd);
		close(h->x.fd);
		free(h);
	}
	if (g->fan >= 0)
		close(g->fan); /* the kernel allows whatever is still queued */
	if (g->wake >= 0)
		close(g->wake);
	if (g->stop >= 0)
		close(g->stop);
	execcache_free(g->cache);
	execmarks_free(g->marks);
	pthread_mutex_destroy(&g->mu);
	free(g);
}
