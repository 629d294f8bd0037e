// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* privdrop.h - tcpdump's -Z USER: once tlsdump has attached and opened
 * its files, it runs as USER (its uid, gid and supplementary groups),
 * keeping only the capabilities that finding and probing programs that
 * start later needs (README.md, "Security notes"):
 *
 *   CAP_BPF, CAP_PERFMON      load and attach probes (uprobes), maps
 *   CAP_NET_ADMIN             TC programs on interfaces that come later
 *   CAP_SYS_ADMIN             fanotify marks (the exec gate), BPF
 *                             iterators and helpers that need it
 *   CAP_SYS_PTRACE            /proc/PID/exe, /proc/PID/root, maps and
 *                             memory of other users' processes
 *   CAP_DAC_READ_SEARCH       reading their binaries and libraries
 *
 * Credentials and capabilities belong to each thread in Linux: every
 * thread of the process makes the change itself (a signal asks the
 * worker threads, as libpsx does), so none is left with root's. */
#ifndef TLSDUMP_PRIVDROP_H
#define TLSDUMP_PRIVDROP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIVDROP_MAX_GROUPS 64

struct privdrop {
	bool on;
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVDROP_MAX_GROUPS];
	int n_groups;
	char name[64];
	uint64_t keep; /* capability bits kept */
};

/* Looks USER (a name, or a number) up.  0, or -ENOENT after one line. */
int privdrop_resolve(const char *user, struct privdrop *pd);
/* The default capability set to keep (above). */
uint64_t privdrop_default_caps(void);
/* Every thread becomes USER with only pd->keep.  0 or -errno (one line
 * said what failed; the process may then be half-changed: stop). */
int privdrop_apply(const struct privdrop *pd);

#endif
