// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* tc_attach.h - put a sched_cls program on an interface's ingress or
 * egress, and take it off again, leaving everything else as found.
 *
 * Preferred: a TCX link (kernel >= 6.6).  It needs no qdisc and the
 * kernel detaches it when the last fd goes, so even a SIGKILLed tlsdump
 * leaves nothing behind.  Fallback (older kernels, or
 * TLSDUMP_TC_MODE=clsact): a clsact qdisc created only where none exists,
 * a filter with a kernel-chosen priority, and on exit only our filter and
 * (if we created it) our qdisc are removed. */
#ifndef TLSDUMP_TC_ATTACH_H
#define TLSDUMP_TC_ATTACH_H

#include <stdbool.h>

struct tc_attach {
	int ifindex;
	bool egress;
	bool legacy;       /* clsact filter rather than TCX link */
	bool made_qdisc;   /* legacy: we created the clsact qdisc */
	int link_fd;       /* TCX */
	unsigned handle, priority; /* legacy filter identity */
};

/* Attaches prog_fd; fills *a.  0 or -errno. */
int tc_attach_prog(int prog_fd, int ifindex, bool egress, struct tc_attach *a);
/* Undoes tc_attach_prog (our filter or link only). */
void tc_detach_prog(struct tc_attach *a);
/* Removes the clsact qdisc of ifindex: call only when one of that
 * interface's tc_attach records has made_qdisc, after detaching them. */
void tc_remove_qdisc(int ifindex);

#endif
