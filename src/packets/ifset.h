// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ifset.h - the interfaces one run captures on (-i, repeatable; 'any';
 * or the default) and the link type of the file.
 *
 * The file's link type is the interfaces' own when they all share it;
 * with 'any' or mixed types it is LINKTYPE_LINUX_SLL2 for all, as
 * `tcpdump -i any` writes, because libpcap refuses a pcapng whose IDBs
 * differ in link type.  Filters are still compiled per interface's own
 * DLT: that is what the kernel program sees. */
#ifndef TLSDUMP_IFSET_H
#define TLSDUMP_IFSET_H

#include <stdbool.h>

#include "packets/iface.h"

enum { IFSET_DLT_EN10MB = 0, IFSET_DLT_RAW = 1, IFSET_N_DLT = 2 };

struct ifset {
	struct iface *ifs; /* interface id in the file = index here */
	int n, cap;        /* entries, room */
	int file_linktype;
	bool dlt_used[IFSET_N_DLT];
	bool any;          /* -i any: interfaces that come later join */
};

/* Resolves names (n == 0: the default).  On failure prints one line
 * naming the interface and returns -ENODEV (unknown), -EPROTONOSUPPORT
 * (link type we cannot capture) or another -errno. */
int ifset_resolve(struct ifset *set, const char *const *names, int n);
/* Appends an interface that came later (-i any): its index (its
 * interface id), or -ENOMEM. */
int ifset_append(struct ifset *set, const struct iface *ifc);
/* DLT value (for libpcap) of a dlt index, and the index of an iface. */
int ifset_dlt(int idx);
int ifset_dlt_index(const struct iface *ifc);
/* Name of the first interface of a dlt index (NULL if none). */
const char *ifset_first_of_dlt(const struct ifset *set, int idx);
void ifset_free(struct ifset *set);

#endif
