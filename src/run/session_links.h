// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_links.h - interfaces that come and go during a capture
 * (session_links.c): `-i any` attaches to new ones; one that goes away is
 * said; the run ends (EXIT_NOIFACE) when no named interface is left. */
#ifndef TLSDUMP_SESSION_LINKS_H
#define TLSDUMP_SESSION_LINKS_H

#include "run/session_int.h"

/* Loads the filter program of DLT index d for direction dir (0 ingress,
 * 1 egress), kept in s->ffd for interfaces that come later: its fd, or
 * -errno (said). */
int session_filter_load(struct session *s, int d, int dir);

/* Opens the rtnetlink watch (a warning, not an error, if it cannot). */
int session_links_start(struct session *s);
/* Its fd for the loop (-1: none), and the loop callback. */
int session_links_fd(const struct session *s);
int session_links_consume(void *ctx);
/* Closes the watch and the filter programs kept for new interfaces. */
void session_links_stop(struct session *s);

#endif
