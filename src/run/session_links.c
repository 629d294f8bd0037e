// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_links.c - interfaces that come and go during a capture.
 *
 * `-i any` follows the host as tcpdump's does: an interface that comes up
 * later is attached within a loop round of its rtnetlink message, with an
 * IDB of its own (pcapng lets IDBs come after packets: each packet names
 * an interface defined before it).  A captured interface that goes away
 * is said in one line and gives its kernel slot back for the next one
 * (session_slots.c); its ISB is still written at the end (with our
 * counts, without the interface's own, which went with it).  When every
 * interface named with -i is gone, the capture ends with EXIT_NOIFACE. */
#include "run/session_links.h"
#include "exitcode.h"
#include "log.h"
#include "out/pcapng.h"
#include "packets/filter.h"
#include "packets/linkwatch.h"
#include "packets/tc.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

/* One filter program for DLT index d and direction dir (0 ingress, 1
 * egress): its fd, or -errno (said). */
int session_filter_load(struct session *s, int d, int dir)
{
	char vlog[4096];
	int fd = filter_load(s->filters[d], dir, capture_prog_array_fd(s->cap),
			     dir ? TC_SLOT_EGRESS : TC_SLOT_INGRESS, vlog,
			     sizeof(vlog));

	if (fd < 0)
		log_err("cannot load the filter program: %s", strerror(-fd));
	return fd;
}

int session_links_start(struct session *s)
{
	int err = linkwatch_open(&s->lw);

	if (err) /* a capture without it still works: say what is missing */
		log_warn("cannot watch interfaces (rtnetlink: %s): %s",
			 strerror(-err), s->si.any ?
			 "-i any will not see interfaces created from now on" :
			 "an interface that goes away will not be reported");
	return 0;
}

int session_links_fd(const struct session *s)
{
	return linkwatch_fd(s->lw);
}

/* The interface id of a present interface, or -1. */
static int id_of(const struct session *s, int ifindex)
{
	for (int i = 0; i < s->si.n; i++)
		if (s->si.ifs[i].ifindex == ifindex && !s->si.ifs[i].gone)
			return i;
	return -1;
}

/* The filter programs of the interface's link type, compiled and loaded
 * the first time an interface of that type comes. */
static int filter_fds(struct session *s, const struct iface *ifc, int d)
{
	char err[512];
	int dir, rc;

	if (!s->filters[d]) {
		rc = filter_compile_on(&s->filters[d], s->cfg->expression,
				       ifc->name, ifset_dlt(d), s->cfg->snaplen,
				       err, sizeof(err));
		if (rc) {
			log_warn("interface '%s': the filter does not compile for its link type: %s",
				 ifc->name, err);
			return rc;
		}
	}
	for (dir = 0; dir < 2; dir++) {
		if (s->ffd[d][dir] >= 0)
			continue;
		s->ffd[d][dir] = session_filter_load(s, d, dir);
		if (s->ffd[d][dir] < 0)
			return s->ffd[d][dir];
	}
	return 0;
}

/* A new interface of -i any: its IDB, then its filter programs. */
static int add_iface(struct session *s, int ifindex, const char *name)
{
	struct iface ifc;
	struct pcapng_iface idb = { .filter = s->cfg->expression,
				    .linktype = (uint16_t)s->si.file_linktype,
				    .snaplen = s->cfg->snaplen };
	int d, err, id, slot = session_slot_free(s);

	if (iface_by_name(name, &ifc) || ifc.ifindex != ifindex ||
	    !ifc.linktype)
		return 0; /* gone again, renamed, or not capturable */
	if (slot < 0) {
		log_warn("interface '%s' appeared: not captured (at most %u interfaces at once)",
			 name, TC_MAX_IFACES);
		return 0;
	}
	d = ifset_dlt_index(&ifc);
	idb.name = ifc.name;
	if (filter_fds(s, &ifc, d))
		return 0;
	iface_packet_count(&ifc, &ifc.packets_at_start);
	id = session_if_append(s, &ifc);
	if (id < 0 || pcapng_add_iface(s->w, &idb) != id)
		return s->werr = -EIO;
	session_slot_take(s, id, slot);
	err = capture_add_iface(s->cap, &ifc, slot, s->ffd[d][0], s->ffd[d][1]);
	if (err) { /* its IDB stays, with no packets */
		s->si.ifs[id].gone = true;
		session_slot_give(s, id);
		log_warn("interface '%s' appeared: cannot attach: %s", name,
			 strerror(-err));
		return 0;
	}
	log_info("interface '%s' appeared: capturing on it", name);
	return 0;
}

/* A captured interface went away.  1 (stop) when it was the last one
 * named with -i. */
static int lose_iface(struct session *s, int id)
{
	struct iface *ifc = &s->si.ifs[id];
	int left = 0;

	ifc->gone = true;
	session_slot_give(s, id);
	log_warn("interface '%s' went away: %llu packets captured on it",
		 ifc->name, (unsigned long long)s->ifx[id].written);
	for (int i = 0; i < s->si.n; i++)
		left += !s->si.ifs[i].gone;
	if (left || s->si.any)
		return 0;
	log_err("no interface left to capture on");
	s->noiface = true;
	return 1;
}

/* rtnetlink lost messages: the interfaces whose going we missed (their
 * slots are free again).  1 (stop) as lose_iface. */
static int find_gone(struct session *s)
{
	char name[IF_NAMESIZE];
	int rc = 0;

	for (int i = 0; i < s->si.n && !rc; i++)
		if (!s->si.ifs[i].gone &&
		    !if_indextoname((unsigned)s->si.ifs[i].ifindex, name))
			rc = lose_iface(s, i);
	return rc;
}

static int on_link(void *ctx, enum link_event ev, int ifindex,
		   const char *name)
{
	struct session *s = ctx;
	int id = id_of(s, ifindex);

	if (ev == LINK_RESYNC)
		return find_gone(s);
	if (ev == LINK_GONE)
		return id >= 0 ? lose_iface(s, id) : 0;
	if (id >= 0 || !s->si.any)
		return 0;
	return add_iface(s, ifindex, name);
}

int session_links_consume(void *ctx)
{
	struct session *s = ctx;
	int rc = linkwatch_read(s->lw, on_link, s);

	return rc < 0 ? rc : rc ? 1 : 0;
}

void session_links_stop(struct session *s)
{
	linkwatch_close(s->lw);
	s->lw = NULL;
	for (int d = 0; d < IFSET_N_DLT; d++)
		for (int dir = 0; dir < 2; dir++)
			if (s->ffd[d][dir] >= 0) {
				close(s->ffd[d][dir]);
				s->ffd[d][dir] = -1;
			}
}
