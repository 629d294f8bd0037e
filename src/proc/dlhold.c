// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* dlhold.c - see dlhold.h. */
#include "proc/dlhold.h"
#include "proc/dlwatch.h"
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "ringset.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define WATCHDOG_TICK_MS 100

struct dlhold {
	struct ringset *rings;
	int ring;                         /* its handle in rings */
	int since_fd;                     /* pid -> when it was stopped */
	pid_t pids[DLWATCH_MAX_HELD];
	uint64_t since[DLWATCH_MAX_HELD];
	size_t n;
	unsigned long long holds, overflow;
	uint64_t held_ns, held_ns_max;
	pthread_t th;
	bool th_on;
	atomic_bool stop;
	atomic_ullong late;               /* let go by the watchdog */
};

/* Lets pid go on (SIGCONT on a process that runs does nothing). */
static void cont(struct dlhold *h, pid_t pid)
{
	uint32_t key = (uint32_t)pid;

	kill(pid, SIGCONT);
	bpf_map_delete_elem(h->since_fd, &key);
}

/* The loop lets pid go; a stop since ts_ns counts into the totals,
 * unless the watchdog let it go before (it counts those). */
static void let_go(struct dlhold *h, pid_t pid, uint64_t ts_ns)
{
	uint64_t now = (uint64_t)clock_mono_ns(), d = now > ts_ns ? now - ts_ns : 0;
	uint32_t key = (uint32_t)pid;
	uint64_t ts;
	bool late = bpf_map_lookup_elem(h->since_fd, &key, &ts) != 0;

	cont(h, pid);
	h->holds++;
	if (late)
		return;
	h->held_ns += d;
	if (d > h->held_ns_max)
		h->held_ns_max = d;
}

/* Lets go of every process held max_ns or longer; how many. */
static unsigned sweep(struct dlhold *h, uint64_t max_ns)
{
	uint32_t key, next, old[DLWATCH_MAX_HELD];
	uint64_t now = (uint64_t)clock_mono_ns(), ts;
	unsigned n = 0, i = 0;
	void *prev = NULL;

	while (n < DLWATCH_MAX_HELD && i++ < DLWATCH_MAX_HELD &&
	       !bpf_map_get_next_key(h->since_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(h->since_fd, &key, &ts) &&
		    now - ts >= max_ns)
			old[n++] = key;
	}
	for (i = 0; i < n; i++)
		cont(h, (pid_t)old[i]);
	return n;
}

/* The bound of a hold, when the loop is busy elsewhere. */
static void *watchdog(void *arg)
{
	struct dlhold *h = arg;

	while (!atomic_load(&h->stop)) {
		usleep(WATCHDOG_TICK_MS * 1000);
		atomic_fetch_add(&h->late,
				 sweep(h, DLWATCH_HOLD_MAX_MS * 1000000ull));
	}
	return NULL;
}

static int on_held(void *ctx, void *data, size_t size)
{
	struct dlhold *h = ctx;
	const struct dlwatch_held *e = data;
	size_t i;

	if (size < sizeof(*e))
		return 0;
	for (i = 0; i < h->n; i++)
		if (h->pids[i] == (pid_t)e->pid)
			return 0; /* one look serves both stops */
	if (h->n == DLWATCH_MAX_HELD) { /* too many at once: not looked at */
		h->overflow++;
		let_go(h, (pid_t)e->pid, e->ts_ns);
		return 0;
	}
	h->pids[h->n] = (pid_t)e->pid;
	h->since[h->n++] = e->ts_ns;
	return 0;
}

int dlhold_open(struct dlhold **out, struct ringset *rings, int ring_fd,
		int since_fd)
{
	struct dlhold *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->since_fd = since_fd;
	h->rings = rings;
	h->ring = ringset_add(rings, ring_fd, on_held, h);
	err = h->ring >= 0 ? loop_thread(&h->th, watchdog, h) : h->ring;
	if (err) {
		ringset_remove(rings, h->ring);
		free(h);
		return err;
	}
	h->th_on = true;
	*out = h;
	return 0;
}

size_t dlhold_take(struct dlhold *h, const pid_t **pids)
{
	if (!h)
		return 0;
	*pids = h->pids;
	return h->n;
}

void dlhold_release(struct dlhold *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		let_go(h, h->pids[i], h->since[i]);
	h->n = 0;
}

void dlhold_log(const struct dlhold *h, unsigned long long not_held)
{
	if (!h || !(h->holds || not_held))
		return;
	log_debug("-- CMD: %llu processes held at an exec or a library load (%llu us in all, longest %llu us), %llu let go on the %d ms timeout, %llu let go unlooked (too many at once), %llu not held (ring full)",
		  h->holds, (unsigned long long)(h->held_ns / 1000),
		  (unsigned long long)(h->held_ns_max / 1000),
		  (unsigned long long)atomic_load(&h->late), DLWATCH_HOLD_MAX_MS,
		  h->overflow, not_held);
}

void dlhold_close(struct dlhold *h)
{
	const pid_t *pids;

	if (!h)
		return;
	if (h->th_on) {
		atomic_store(&h->stop, true);
		pthread_join(h->th, NULL);
	}
	ringset_remove(h->rings, h->ring);
	dlhold_take(h, &pids);
	dlhold_release(h);
	sweep(h, 0); /* any the ring did not name, or named after the drain */
	free(h);
}
