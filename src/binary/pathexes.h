// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* pathexes.h - the programs worth judging before anyone runs them: the
 * executables in the folders of PATH and the standard bin folders, at
 * least a minimum size (a program with TLS built in is megabytes: Go's
 * crypto/tls alone is more than one; small files are judged in
 * microseconds when they run), one entry per file (device, inode), in
 * folder order.  The exec gate (run/session_gate.c) judges them in the
 * background of the loop, so that their first exec is not held. */
#ifndef TLSDUMP_PATHEXES_H
#define TLSDUMP_PATHEXES_H

#include <sys/types.h>

struct pathexes {
	char **paths;
	int n, next, cap;
};

/* Collects into p (zeroed first) the regular files with an execute bit
 * of at least min_size bytes in the absolute folders of path_env (may
 * be NULL) and the standard ones.  Their number, or -ENOMEM. */
int pathexes_collect(struct pathexes *p, const char *path_env,
		     off_t min_size);
/* The next one, or NULL when all were given. */
const char *pathexes_next(struct pathexes *p);
void pathexes_free(struct pathexes *p);

#endif
