// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* loop.c - see loop.h. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
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
	int64_t min_ns, max_ns; /* a poll: the period adapts between them */
};

struct loop {
	int epfd;
	loop_sig_fn on_sig; /* NULL: a signal stops the loop */
	void *sig_ctx;
	struct watch watches[LOOP_MAX];
	int n_watches;
	struct timer timers[LOOP_MAX];
	int n_timers;
};

static volatile sig_atomic_t stop_signal, stop_from_tty;
static const int loop_sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	stop_from_tty = si && si->si_code == SI_KERNEL;
	stop_signal = sig;
}

int loop_install_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal; /* no SA_RESTART: wake epoll_wait */
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(loop_sigs) / sizeof(loop_sigs[0]); i++)
		if (sigaction(loop_sigs[i], &sa, NULL))
			return -errno;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* a file size limit is an EFBIG, not death */
	return 0;
}

int loop_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t block, old;
	size_t i;
	int err;

	sigemptyset(&block);
	for (i = 0; i < sizeof(loop_sigs) / sizeof(loop_sigs[0]); i++)
		sigaddset(&block, loop_sigs[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old); /* the thread inherits it */
	err = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
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
	l->timers[l->n_timers++] = (struct timer){ fn, ctx, p, now_ns() + p, 0, 0 };
	return 0;
}

int loop_poll(struct loop *l, int min_ms, int max_ms, loop_fn fn,
	      void *ctx)
{
	int err = loop_every(l, min_ms, fn, ctx);
	struct timer *t = &l->timers[l->n_timers - 1];

	if (err)
		return err;
	t->min_ns = t->period_ns;
	t->max_ns = (int64_t)max_ms * 1000000;
	return 0;
}

/* Work came in through a watched fd: polls go back to their fastest. */
static void polls_wake(struct loop *l, int64_t now)
{
	for (int i = 0; i < l->n_timers; i++) {
		struct timer *t = &l->timers[i];

		if (t->max_ns && t->period_ns != t->min_ns) {
			t->period_ns = t->min_ns;
			if (t->due_ns > now + t->period_ns)
				t->due_ns = now + t->period_ns;
		}
	}
}

/* A poll that found work keeps its fastest period; one that did not
 * doubles it, up to its longest. */
static void poll_adapt(struct timer *t, int rc)
{
	if (!t->max_ns)
		return;
	if (rc == LOOP_BUSY)
		t->period_ns = t->min_ns;
	else if (t->period_ns < t->max_ns)
		t->period_ns = t->period_ns * 2 < t->max_ns ? t->period_ns * 2 : t->max_ns;
}

static int run_timers(struct loop *l)
{
	int64_t now = now_ns();
	int i, rc;

	for (i = 0; i < l->n_timers; i++) {
		struct timer *t = &l->timers[i];

		if (now < t->due_ns)
			continue;
		rc = t->fn(t->ctx);
		poll_adapt(t, rc);
		t->due_ns += t->period_ns;
		if (t->due_ns <= now) /* we fell behind: do not burst */
			t->due_ns = now + t->period_ns;
		if (rc && rc != LOOP_BUSY)
			return rc;
	}
	return 0;
}

/* Milliseconds until the next timer is due (rounded up), -1 if none. */
static int wait_ms(const struct loop *l)
{
	int64_t now = now_ns(), next = INT64_MAX;

	for (int i = 0; i < l->n_timers; i++)
		if (l->timers[i].due_ns < next)
			next = l->timers[i].due_ns;
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now + 999999) / 1000000);
}

void loop_on_signal(struct loop *l, loop_sig_fn fn, void *ctx)
{
	l->on_sig = fn;
	l->sig_ctx = ctx;
}

/* A signal came: stop, unless the hook takes it. */
static bool signal_stops(struct loop *l)
{
	int sig = stop_signal;

	if (!sig)
		return false;
	if (!l->on_sig)
		return true;
	stop_signal = 0;
	return l->on_sig(l->sig_ctx, sig, stop_from_tty) != 0;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_MAX];
	int n, i, rc;

	while (!signal_stops(l)) {
		n = epoll_wait(l->epfd, evs, LOOP_MAX, wait_ms(l));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			polls_wake(l, now_ns());
		for (i = 0; i < n; i++) {
			struct watch *w = &l->watches[evs[i].data.u32];

			rc = w->fn(w->ctx);
			if (rc && rc != LOOP_BUSY)
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
