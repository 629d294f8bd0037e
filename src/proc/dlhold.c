// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* dlhold.c - see dlhold.h. */
#include "proc/dlhold.h"
#include "proc/dlwatch.h"
#include "clock.h"
#include "log.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

struct dlhold {
	struct ring_buffer *rb;
	pid_t pids[DLWATCH_MAX_HELD];
	uint64_t since[DLWATCH_MAX_HELD]; /* when the kernel stopped it */
	size_t n;
	unsigned long long holds, overflow;
	uint64_t held_ns, held_ns_max;
};

/* Lets pid go on; a stop since ts_ns counts into the totals. */
static void let_go(struct dlhold *h, pid_t pid, uint64_t ts_ns)
{
	uint64_t now = (uint64_t)clock_mono_ns(), d = now > ts_ns ? now - ts_ns : 0;

	kill(pid, SIGCONT);
	h->holds++;
	h->held_ns += d;
	if (d > h->held_ns_max)
		h->held_ns_max = d;
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

int dlhold_open(struct dlhold **out, int ring_fd)
{
	struct dlhold *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->rb = ring_buffer__new(ring_fd, on_held, h, NULL);
	if (!h->rb) {
		int err = -errno;

		free(h);
		return err;
	}
	*out = h;
	return 0;
}

int dlhold_fd(const struct dlhold *h)
{
	return h ? ring_buffer__epoll_fd(h->rb) : -1;
}

size_t dlhold_take(struct dlhold *h, const pid_t **pids)
{
	if (!h)
		return 0;
	ring_buffer__consume(h->rb);
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
	log_debug("-- CMD: %llu processes held at an exec or a library load (%llu us in all, longest %llu us), %llu let go unlooked (too many at once), %llu not held (ring full)",
		  h->holds, (unsigned long long)(h->held_ns / 1000),
		  (unsigned long long)(h->held_ns_max / 1000), h->overflow,
		  not_held);
}

void dlhold_close(struct dlhold *h)
{
	const pid_t *pids;

	if (!h)
		return;
	dlhold_take(h, &pids);
	dlhold_release(h);
	ring_buffer__free(h->rb);
	free(h);
}
