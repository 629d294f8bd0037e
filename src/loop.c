// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* loop.c - see loop.h. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define LOOP_MAX 16

struct watch {
	loop_fn fn;
	void *ctx;
};

struct timer {
	loop_fn fn;
	void *ctx;
	int64_t period_ns, due_ns;
};

struct loop {
	int epfd;
	struct watch watches[LOOP_MAX];
	int n_watches;
	struct timer timers[LOOP_MAX];
	int n_timers;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

int loop_install_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: wake epoll_wait */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* a file size limit is an EFBIG, not death */
	return 0;
}


static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = errno;

		free(l);
		errno = err;
		return NULL;
	}
	return l;
}

int loop_watch(struct loop *l, int fd, loop_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (l->n_watches >= LOOP_MAX)
		return -E2BIG;
	ev.data.u32 = (uint32_t)l->n_watches;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	l->watches[l->n_watches++] = (struct watch){ fn, ctx };
	return 0;
}

int loop_every(struct loop *l, int period_ms, loop_fn fn, void *ctx)
{
	int64_t p = (int64_t)period_ms * 1000000;

	if (l->n_timers >= LOOP_MAX)
		return -E2BIG;
	l->timers[l->n_timers++] = (struct timer){ fn, ctx, p, now_ns() + p };
	return 0;
}

static int run_timers(struct loop *l)
{
	int64_t now = now_ns();
	int i, rc;

	for (i = 0; i < l->n_timers; i++) {
		struct timer *t = &l->timers[i];

		if (now < t->due_ns)
			continue;
		t->due_ns += t->period_ns;
		if (t->due_ns <= now) /* we fell behind: do not burst */
			t->due_ns = now + t->period_ns;
		rc = t->fn(t->ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int loop_run(struct loop *l, int tick_ms)
{
	struct epoll_event evs[LOOP_MAX];
	int n, i, rc;

	while (!stop_signal) {
		n = epoll_wait(l->epfd, evs, LOOP_MAX, tick_ms);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n; i++) {
			struct watch *w = &l->watches[evs[i].data.u32];

			rc = w->fn(w->ctx);
			if (rc)
				return rc < 0 ? rc : 0;
		}
		rc = run_timers(l);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}
