// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_slots.c - kernel slots and interface ids (session_int.h).
 *
 * The kernel's tables hold TC_MAX_IFACES interfaces at once; a run of
 * `-i any` on a host whose veths come and go sees many more.  So the
 * slot (in each packet record and the per-CPU counters) is not the
 * interface id of the file: a slot given back is taken by the next
 * interface that comes, which gets an IDB of its own.  The counters of a
 * slot are never reset: a holder's counts are the slot's minus what it
 * held when the holder took it; a holder that goes keeps its counts. */
#include "run/session_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void stats_sub(struct cap_stats *a, const struct cap_stats *b)
{
	a->matched -= b->matched;
	a->captured -= b->captured;
	a->dropped -= b->dropped;
}

static int grow_ifx(struct session *s)
{
	struct session_if *more = reallocarray(s->ifx, (size_t)s->si.cap,
					       sizeof(*more));

	if (!more)
		return -ENOMEM;
	s->ifx = more;
	return 0;
}

int session_slots_start(struct session *s)
{
	int i;

	for (i = 0; i < (int)TC_MAX_IFACES; i++)
		s->slot_if[i] = -1;
	memset(s->slot_base, 0, sizeof(s->slot_base));
	if (grow_ifx(s))
		return -ENOMEM;
	for (i = 0; i < s->si.n; i++) {
		s->ifx[i] = (struct session_if){ .slot = i };
		s->slot_if[i] = i;
	}
	return 0;
}

int session_if_append(struct session *s, const struct iface *ifc)
{
	int id = ifset_append(&s->si, ifc);

	if (id < 0 || grow_ifx(s)) {
		if (id >= 0)
			s->si.n--;
		return -ENOMEM;
	}
	s->ifx[id] = (struct session_if){ .slot = -1 };
	return id;
}

int session_slot_free(const struct session *s)
{
	for (int i = 0; i < (int)TC_MAX_IFACES; i++)
		if (s->slot_if[i] < 0)
			return i;
	return -1;
}

void session_slot_take(struct session *s, int id, int slot)
{
	struct cap_stats *base = &s->slot_base[slot];

	if (capture_stats(s->cap, slot, base))
		memset(base, 0, sizeof(*base));
	s->slot_if[slot] = id;
	s->ifx[id].slot = slot;
}

void session_slot_give(struct session *s, int id)
{
	struct session_if *x = &s->ifx[id];

	if (x->slot < 0)
		return;
	session_if_stats(s, id, &x->kept);
	capture_remove_iface(s->cap, s->si.ifs[id].ifindex);
	s->slot_if[x->slot] = -1;
	x->slot = -1;
}

int session_if_stats(const struct session *s, int id, struct cap_stats *out)
{
	const struct session_if *x = &s->ifx[id];
	int err;

	if (x->slot < 0) {
		*out = x->kept;
		return 0;
	}
	err = capture_stats(s->cap, x->slot, out);
	if (!err)
		stats_sub(out, &s->slot_base[x->slot]);
	return err;
}

int session_slot_if(const struct session *s, const struct cap_pkt *h)
{
	int id = h->slot < TC_MAX_IFACES ? s->slot_if[h->slot] : -1;

	if (id >= 0 && s->si.ifs[id].ifindex == (int)h->ifindex)
		return id;
	for (id = s->si.n - 1; id >= 0; id--) /* newest first */
		if (s->ifx[id].slot < 0 &&
		    s->si.ifs[id].ifindex == (int)h->ifindex)
			return id;
	return -1;
}
