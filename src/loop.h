// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* loop.h - the one event loop: watched fds, periodic timers, signals.
 *
 * Signal handlers only set a flag (SIGINT, SIGTERM, SIGHUP); SIGPIPE and
 * SIGXFSZ are ignored so they show as EPIPE and EFBIG.  loop_run sleeps
 * until the next timer is due or a watched fd is readable; a signal ends
 * the wait at once (threads made by loop_thread never take one). */
#ifndef TLSDUMP_LOOP_H
#define TLSDUMP_LOOP_H

#include <pthread.h>

/* A callback returns 0 to go on, 1 to stop the loop cleanly, < 0 to stop
 * it with that error; a poll callback (loop_poll) returns LOOP_BUSY to go
 * on and say it found work. */
typedef int (*loop_fn)(void *ctx);
#define LOOP_BUSY 2

struct loop;

struct loop *loop_new(void);
/* Calls fn when fd becomes readable. */
int loop_watch(struct loop *l, int fd, loop_fn fn, void *ctx);
/* Calls fn every period_ms (first after period_ms). */
int loop_every(struct loop *l, int period_ms, loop_fn fn, void *ctx);
/* Calls fn every min_ms while it returns LOOP_BUSY.  Each call that finds
 * nothing doubles the period, up to max_ms, so that an idle run sleeps;
 * an event on a watched fd brings it back to min_ms. */
int loop_poll(struct loop *l, int min_ms, int max_ms, loop_fn fn,
	      void *ctx);
/* Runs until a signal, a callback's stop or error.  Returns 0 or the
 * error. */
int loop_run(struct loop *l);
/* pthread_create for a worker thread, with the loop's signals blocked in
 * it (they must reach the thread waiting in loop_run).  0 or -errno. */
int loop_thread(pthread_t *th, void *(*fn)(void *), void *arg);
void loop_free(struct loop *l);
/* With a hook, a signal no longer stops the loop: fn is called on the
 * loop's thread with the signal and whether the terminal sent it (to the
 * whole foreground process group: si_code SI_KERNEL); it returns 1 to
 * stop the loop, 0 to go on. */
typedef int (*loop_sig_fn)(void *ctx, int sig, int from_tty);
void loop_on_signal(struct loop *l, loop_sig_fn fn, void *ctx);
/* Installs the handlers; call once before loop_run. */
int loop_install_signals(void);

#endif
