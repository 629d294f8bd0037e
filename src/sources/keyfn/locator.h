// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* locator.h - a stack's locate() per file, off the event loop.
 *
 * Locating the key-log function reads the file's code: up to 0.7 s for a
 * 300 MB Chromium with a cold page cache.  On the loop that would stall
 * the packet ring's consumer; so files found after start-up are located
 * by a worker thread, and the loop picks the results up in its consume
 * call (every 10 ms).  Files with the same GNU build id, size and
 * modification time (the same build in two containers) are located once
 * per run: the result is cached.  A file changed in place keeps its build
 * id but not its time: it is located again.
 * At start-up, locator_run() does the same synchronously, so that
 * everything found then is probed before the capture says it started. */
#ifndef TLSDUMP_KEYFN_LOCATOR_H
#define TLSDUMP_KEYFN_LOCATOR_H

#include <stddef.h>

#include "sources/keyfn/keyfn.h"

typedef int (*locator_fn)(const char *path, struct keyfn_layout *l,
			  char *why, size_t wlen);

struct locator;

struct locator_result {
	int idx;   /* what locator_submit was given */
	int err;   /* locate()'s result */
	struct keyfn_layout l;
	char why[256];
};

int locator_new(struct locator **out, locator_fn fn);
/* Now, through the cache: locate()'s result. */
int locator_run(struct locator *lc, const char *path, struct keyfn_layout *l,
		char *why, size_t wlen);
/* For the worker (started at the first call): 0 or -errno. */
int locator_submit(struct locator *lc, int idx, const char *path);
/* A finished result: 1, or 0 when none is ready. */
int locator_take(struct locator *lc, struct locator_result *r);
/* How many are submitted and not taken yet. */
int locator_pending(const struct locator *lc);
/* Waits for the worker to finish the file in hand, drops the rest. */
void locator_free(struct locator *lc);

#endif
