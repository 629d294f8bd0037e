// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* tc.c - see tc.h (user side). */
#include "bpfobj.h"
#include "packets/tc.h"
#include "out/pcapng.h"
#include "packets/tc_attach.h"
#include "packets/tc.skel.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct capture {
	struct tc_bpf *skel;
	struct ring_buffer *ring;
	capture_fn fn;
	void *ctx;
	struct tc_attach att[2 * TC_MAX_IFACES];
	int n_att;
};

static uint64_t round_pow2(uint64_t v)
{
	uint64_t p = 1 << 20;

	while (p < v)
		p <<= 1;
	return p;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	const struct cap_pkt *h = data;

	if (size < sizeof(*h) || size < sizeof(*h) + h->caplen)
		return 0; /* cannot happen: the kernel sizes the record */
	return c->fn(c->ctx, h, (const uint8_t *)data + sizeof(*h));
}

/* Attribution: share conn.c's maps; the process filter as read-only
 * data (comms) and two small sets filled after load (pids, uids). */
static int configure_proc(struct tc_bpf *s, const struct capture_proc *p)
{
	const struct proc_want *w = p ? &p->want : NULL;
	int err;

	if (!p || p->flows_fd < 0) /* unused: keep the idle table small */
		return bpf_map__set_max_entries(s->maps.conn_flows, 1);
	err = bpf_map__reuse_fd(s->maps.conn_flows, p->flows_fd);
	err = err ?: bpf_map__reuse_fd(s->maps.conn_owners, p->owners_fd);
	err = err ?: bpf_map__reuse_fd(s->maps.conn_stats, p->stats_fd);
	if (err)
		return err;
	s->rodata->proc_mode = w->n_pids || w->n_uids || w->n_comms ||
			       w->tree || w->cgroups ? TC_PROC_FILTER : TC_PROC_ON;
	return WANT_SET_RODATA(s->rodata, w) ?:
	       want_share_maps(s->maps.want_tree, s->maps.want_cgroups, w);
}

static int configure(struct capture *c, const struct capture_opts *o)
{
	struct tc_bpf *s = c->skel;
	uint64_t ring = round_pow2(o->ring_bytes);
	int ncpu = libbpf_num_possible_cpus(), err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	s->rodata->snaplen = o->snaplen;
	s->rodata->wakeup_bytes = ring / 4 < (1 << 20) ? ring / 4 : (1 << 20);
	bpf_map__set_max_entries(s->maps.scratch, (uint32_t)ncpu);
	err = configure_proc(s, o->proc);
	return err ?: bpf_map__set_max_entries(s->maps.packets, (uint32_t)ring);
}

static int fill_prog_array(struct capture *c)
{
	int fd = bpf_map__fd(c->skel->maps.progs);
	uint32_t in = TC_SLOT_INGRESS, eg = TC_SLOT_EGRESS;
	int pin = bpf_program__fd(c->skel->progs.capture_ingress);
	int peg = bpf_program__fd(c->skel->progs.capture_egress);

	if (bpf_map_update_elem(fd, &in, &pin, BPF_ANY) ||
	    bpf_map_update_elem(fd, &eg, &peg, BPF_ANY))
		return -errno;
	return 0;
}

int capture_open(struct capture **out, const struct capture_opts *o,
		 capture_fn fn, void *ctx)
{
	struct capture *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->ctx = ctx;
	err = BPFOBJ_OPEN(tc_bpf, &c->skel);
	err = err ?: configure(c, o);
	if (!err)
		err = tc_bpf__load(c->skel);
	if (!err)
		err = fill_prog_array(c);
	if (!err && o->proc)
		err = want_fill_maps(bpf_map__fd(c->skel->maps.want_pids),
				     bpf_map__fd(c->skel->maps.want_uids),
				     &o->proc->want);
	if (!err) {
		c->ring = ring_buffer__new(bpf_map__fd(c->skel->maps.packets),
					   on_record, c, NULL);
		err = c->ring ? 0 : -errno;
	}
	if (err) {
		capture_close(c);
		return err;
	}
	*out = c;
	return 0;
}

int capture_prog_array_fd(const struct capture *c)
{
	return bpf_map__fd(c->skel->maps.progs);
}

int capture_ring_fd(const struct capture *c)
{
	return ring_buffer__epoll_fd(c->ring);
}

int capture_consume(struct capture *c)
{
	return ring_buffer__consume(c->ring);
}

static int attach_one(struct capture *c, int fd, int ifindex, bool egress)
{
	int err;

	if (c->n_att >= (int)(sizeof(c->att) / sizeof(c->att[0])))
		return -E2BIG;
	err = tc_attach_prog(fd, ifindex, egress, &c->att[c->n_att]);
	if (!err)
		c->n_att++;
	return err;
}

int capture_add_iface(struct capture *c, const struct iface *ifc, int slot,
		      int ingress_fd, int egress_fd)
{
	uint32_t key = (uint32_t)ifc->ifindex;
	struct cap_iface val = {
		.slot = (uint16_t)slot,
		.l2len = ifc->linktype == PCAPNG_LINKTYPE_ETHERNET ? 14 : 0,
		.loopback = ifc->loopback,
	};
	int map = bpf_map__fd(c->skel->maps.ifaces);
	int err;

	if (slot < 0 || slot >= (int)TC_MAX_IFACES)
		return -E2BIG;
	if (bpf_map_update_elem(map, &key, &val, BPF_NOEXIST))
		return -errno;
	/* lo shows each packet twice; its ingress copy is the one tcpdump
	 * records: already cut to lo's GSO limit (64 KiB), so IP lengths are
	 * real, and it is the packet as the receiving socket gets it. */
	err = attach_one(c, ingress_fd, ifc->ifindex, false);
	if (!err && !ifc->loopback) {
		err = attach_one(c, egress_fd, ifc->ifindex, true);
		if (err) { /* undo the ingress half */
			struct tc_attach *a = &c->att[--c->n_att];

			tc_detach_prog(a);
			if (a->made_qdisc)
				tc_remove_qdisc(a->ifindex);
		}
	}
	if (err)
		bpf_map_delete_elem(map, &key);
	return err;
}

void capture_remove_iface(struct capture *c, int ifindex)
{
	uint32_t key = (uint32_t)ifindex;
	int i, n = 0;

	bpf_map_delete_elem(bpf_map__fd(c->skel->maps.ifaces), &key);
	for (i = 0; i < c->n_att; i++) {
		if (c->att[i].ifindex == ifindex)
			tc_detach_prog(&c->att[i]);
		else
			c->att[n++] = c->att[i];
	}
	c->n_att = n;
}

int capture_stats(const struct capture *c, int slot, struct cap_stats *out)
{
	/* struct cap_stats is __u64 counters only */
	return bpfobj_counters(c->skel->maps.stats, (uint32_t)slot,
			       (uint64_t *)out, sizeof(*out) / sizeof(uint64_t));
}

/* Detach newest first; a qdisc we made goes once both of its
 * interface's attachments are off. */
static void detach_all(struct capture *c)
{
	int i, j;

	for (i = c->n_att - 1; i >= 0; i--)
		tc_detach_prog(&c->att[i]);
	for (i = 0; i < c->n_att; i++) {
		if (!c->att[i].made_qdisc)
			continue;
		for (j = 0; j < c->n_att; j++) /* once per interface */
			if (c->att[j].ifindex == c->att[i].ifindex && j != i)
				c->att[j].made_qdisc = false;
		tc_remove_qdisc(c->att[i].ifindex);
	}
	c->n_att = 0;
}

void capture_detach(struct capture *c)
{
	detach_all(c);
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	detach_all(c);
	ring_buffer__free(c->ring); /* its own consumer, not the ring set */
	BPFOBJ_CLOSE(tc_bpf, c->skel, NULL);
	free(c);
}
