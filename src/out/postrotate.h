// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* postrotate.h - tcpdump's -z: "CMD FILE" for each capture file closed
 * by rotation (and the last one, at the end), in the background, not
 * through a shell (CMD is looked up on PATH), as the user tlsdump runs
 * as then (-Z), with default signals, in a process group of its own (a
 * ^C to tlsdump does not cut a compression short). */
#ifndef TLSDUMP_POSTROTATE_H
#define TLSDUMP_POSTROTATE_H

struct postrotate;

struct postrotate *postrotate_new(const char *cmd);
/* Starts CMD FILE; 0 or -errno (said in one line: the capture goes on). */
int postrotate_run(struct postrotate *p, const char *file);
/* Collects those that ended (no zombies); call now and then. */
void postrotate_reap(struct postrotate *p);
/* Collects what ended; the others run on, detached. */
void postrotate_free(struct postrotate *p);

#endif
