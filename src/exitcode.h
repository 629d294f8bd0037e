// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* exitcode.h - named exit statuses (documented in README.md, "Exit status").
 *
 * Each failure class a user or script must tell apart has its own value. */
#ifndef TLSDUMP_EXITCODE_H
#define TLSDUMP_EXITCODE_H

enum exit_code {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,    /* unexpected runtime failure (BPF load/attach, ...) */
	EXIT_USAGE = 2,      /* bad option or bad filter expression */
	EXIT_PERM = 3,       /* not root / no permission to use BPF */
	EXIT_NOIFACE = 4,    /* unknown or unusable interface */
	EXIT_OUTPUT = 5,     /* output file cannot be created or written */
	EXIT_DISKFULL = 6,   /* disk full (or quota) while writing */
};

/* The exit status for an error from loading BPF programs (0: 0), after
 * one line naming what could not be loaded: EXIT_PERM for -EPERM (with
 * what to do), EXIT_RUNTIME otherwise. */
int exit_of_load(int err, const char *what);

#endif
