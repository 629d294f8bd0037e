// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* loop.h - the one event loop: watched fds, periodic timers, signals.
 *
 * Signal handlers only set a flag (SIGINT, SIGTERM, SIGHUP); SIGPIPE and
 * SIGXFSZ are ignored so they show as EPIPE and EFBIG.  loop_run waits at most
 * tick_ms at a time, so timers fire within tick_ms of their due time
 * and a stop request is seen within tick_ms. */
#ifndef TLSDUMP_LOOP_H
#define TLSDUMP_LOOP_H

/* A callback returns 0 to go on, 1 to stop the loop cleanly, < 0 to stop
 * it with that error. */
typedef int (*loop_fn)(void *ctx);

struct loop;

struct loop *loop_new(void);
/* Calls fn when fd becomes readable. */
int loop_watch(struct loop *l, int fd, loop_fn fn, void *ctx);
/* Calls fn every period_ms (first after period_ms). */
int loop_every(struct loop *l, int period_ms, loop_fn fn, void *ctx);
/* Runs until a signal, a callback's stop or error.  Returns 0 or the
 * error. */
int loop_run(struct loop *l, int tick_ms);
void loop_free(struct loop *l);
/* Installs the handlers; call once before loop_run. */
int loop_install_signals(void);

#endif
