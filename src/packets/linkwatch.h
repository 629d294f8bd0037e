// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* linkwatch.h - interfaces that come and go, from rtnetlink (RTMGRP_LINK):
 * `-i any` attaches to interfaces created after the start, as tcpdump's
 * does, and a captured interface that goes away is said. */
#ifndef TLSDUMP_LINKWATCH_H
#define TLSDUMP_LINKWATCH_H

#include <stdbool.h>

struct linkwatch;

enum link_event { LINK_UP, LINK_GONE, LINK_RESYNC };

/* ifindex and name of the interface; LINK_UP for an interface that is
 * up (new, or brought up), LINK_GONE for one deleted (or moved to
 * another network namespace); LINK_RESYNC (no interface: 0, NULL) when
 * messages were lost, before the LINK_UPs of every interface up now.
 * Returns 0, or what linkwatch_read returns. */
typedef int (*linkwatch_fn)(void *ctx, enum link_event ev, int ifindex,
			    const char *name);

/* 0 or -errno. */
int linkwatch_open(struct linkwatch **out);
int linkwatch_fd(const struct linkwatch *lw);
/* Reads what is waiting, calling fn per event.  When the kernel dropped
 * messages (ENOBUFS), fn gets LINK_RESYNC (the caller looks for
 * deletions it missed), then LINK_UP for every interface that is up now
 * (the caller ignores what it has).  0, or fn's first non-zero return. */
int linkwatch_read(struct linkwatch *lw, linkwatch_fn fn, void *ctx);
void linkwatch_close(struct linkwatch *lw);

#endif
