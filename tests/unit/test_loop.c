// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_loop.c - the event loop's adaptive poll (loop.h): a poll that finds
 * nothing slows down (an idle tlsdump sleeps), one that finds work stays
 * at its fastest period, and an event on a watched fd brings a slowed
 * poll back at once.  Counts calls, never times a speed: the bounds hold
 * on a loaded machine too (a late loop makes fewer calls, never more). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "loop.h"
#include "testlib.h"

struct counter {
	int calls;
	int rc;       /* what the poll returns */
	int efd;      /* the watched eventfd, or -1 */
	int64_t fired_at; /* calls when the fd was written */
	int after;    /* calls of the poll after the fd's event */
	int woke;     /* the fd's events seen */
};

static int poll_fn(void *ctx)
{
	struct counter *c = ctx;

	c->calls++;
	if (c->woke)
		c->after++;
	return c->rc;
}

static int stop_fn(void *ctx)
{
	(void)ctx;
	return 1;
}

static int on_fd(void *ctx)
{
	struct counter *c = ctx;
	uint64_t v;

	if (read(c->efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		c->woke++;
	return 0;
}

/* Writes the eventfd once, half-way (a one-shot timer). */
static int kick_fn(void *ctx)
{
	struct counter *c = ctx;
	uint64_t one = 1;

	if (!c->fired_at) {
		c->fired_at = c->calls + 1;
		if (write(c->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			return -1;
	}
	return 0;
}

/* One second of loop with a 10..160 ms poll returning rc. */
static int run(struct counter *c, int rc, bool kick)
{
	struct loop *l = loop_new();
	int err;

	memset(c, 0, sizeof(*c));
	c->rc = rc;
	c->efd = kick ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
	err = !l || (kick && c->efd < 0);
	if (!err && kick)
		err = loop_watch(l, c->efd, on_fd, c) ||
		      loop_every(l, 700, kick_fn, c);
	err = err || loop_poll(l, 10, 160, poll_fn, c) ||
	      loop_every(l, 1000, stop_fn, NULL) || loop_run(l);
	loop_free(l);
	if (c->efd >= 0)
		close(c->efd);
	return err;
}

int main(void)
{
	struct counter c;

	/* busy: every 10 ms, about 100 calls in a second */
	CHECK(run(&c, LOOP_BUSY, false) == 0);
	CHECK_MSG(c.calls >= 40, "a busy poll was called %d times in 1 s", c.calls);

	/* idle: 10, 20, 40, 80, 160, 160, ... ms: about 9 calls */
	CHECK(run(&c, 0, false) == 0);
	CHECK_MSG(c.calls >= 4 && c.calls <= 15,
		  "an idle poll was called %d times in 1 s", c.calls);

	/* idle, and an fd event at 700 ms: the poll is back at 10 ms for
	 * the last 300 ms (it doubles again from there: 10, 20, 40, 80,
	 * 160 ms: 4-5 calls before the stop, against at most 2 without the
	 * wake) */
	CHECK(run(&c, 0, true) == 0);
	CHECK(c.woke == 1);
	CHECK_MSG(c.after >= 3, "after the fd event the poll ran %d times in 300 ms",
		  c.after);
	return test_done("test_loop");
}
