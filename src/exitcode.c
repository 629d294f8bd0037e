// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* exitcode.c - see exitcode.h. */
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <string.h>

int exit_of_load(int err, const char *what)
{
	if (err == -EPERM) {
		log_err("no permission to load BPF programs: run as root (or with CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)");
		return EXIT_PERM;
	}
	if (err) {
		log_err("cannot load %s: %s", what, strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}
