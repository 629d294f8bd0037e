// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* tc.h - the ABI between tc.bpf.c (kernel) and tc.c (user space).
 *
 * Fixed-width types only, no pointers; the packet bytes follow the header
 * in each ring-buffer record. */
#ifndef TLSDUMP_TC_H
#define TLSDUMP_TC_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "proc/conn.h"

#define TC_MAX_SNAPLEN 262144u /* largest -s; a GSO packet on lo reaches 131032 */
#define TC_MAX_IFACES 256u     /* slots in the per-interface tables: */
/* interfaces captured at once; a slot of one that went away is reused */

/* Prog-array slots the filter programs tail-call on a match. */
#define TC_SLOT_INGRESS 0u
#define TC_SLOT_EGRESS 1u

enum tc_dir { TC_DIR_INGRESS = 0, TC_DIR_EGRESS = 1 };

/* Process attribution (proc_mode): off, on, on and only packets of
 * wanted processes (--pid/--uid/--comm) are recorded. */
enum tc_proc { TC_PROC_OFF = 0, TC_PROC_ON = 1, TC_PROC_FILTER = 2 };

/* The value of the ifaces map: an interface in the capture. */
struct cap_iface {
	__u16 slot;     /* its slot in the capture */
	__u8 l2len;     /* bytes before the IP header (14 Ethernet/lo, 0 raw) */
	__u8 loopback;  /* packets are attributed to their sender */
};

/* One captured packet: this header, then caplen bytes from the start of
 * the frame as TC sees it (MAC header first on Ethernet and lo, IP header
 * first on devices without one). */
struct cap_pkt {
	__u64 ts_ns;      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;
	__u32 len;        /* length on the wire (skb->len, whole GSO packet) */
	__u32 caplen;     /* bytes that follow, min(len, snaplen) */
	__u16 protocol;   /* skb->protocol, network byte order */
	__u16 vlan_tci;   /* offloaded VLAN tag (when vlan_present) */
	__u16 vlan_proto; /* its TPID (0x8100, 0x88a8), network byte order */
	__u16 slot;       /* the interface's slot in the capture */
	__u8 dir;         /* enum tc_dir */
	__u8 vlan_present;
	__u8 pkt_type;    /* skb->pkt_type: PACKET_HOST, ... */
	__u8 has_owner;   /* owner is valid (process attribution) */
	struct conn_owner owner; /* the local process the packet belongs to */
};

/* Per-interface counters (a per-CPU array indexed by slot). */
struct cap_stats {
	__u64 matched;  /* passed the filter */
	__u64 captured; /* put into the ring */
	__u64 dropped;  /* ring full or copy failure */
};

#ifndef __bpf__
/* User side (tc.c) - the packet source: the TC capture programs (tc.bpf.c),
 * their ring buffer and counters, attached to a set of interfaces.
 *
 * Lifecycle: capture_open (open, configure, load) -> capture_add_iface
 * for each interface (filter programs attached on ingress and egress; lo
 * on ingress only, as lo shows each packet twice) -> consume the ring ->
 * capture_close (detach in reverse order, free). */

#include <stdint.h>

#include "packets/iface.h"
#include "proc/want.h"

struct capture;

/* Process attribution (proc/conn.h): the maps conn.c created, and the
 * kernel-side process filter (every kind given must match). */
struct capture_proc {
	int flows_fd, owners_fd, stats_fd; /* -1: no attribution */
	struct proc_want want;
};

struct capture_opts {
	uint32_t snaplen;
	uint64_t ring_bytes; /* rounded up to a power of two, >= 1 MiB */
	const struct capture_proc *proc; /* NULL: no attribution */
};

/* Called for each packet record; return 0 to go on, < 0 to stop the
 * consumption with that error. */
typedef int (*capture_fn)(void *ctx, const struct cap_pkt *hdr,
			  const uint8_t *data);

/* -EPERM when the caller may not use BPF. */
int capture_open(struct capture **out, const struct capture_opts *o,
		 capture_fn fn, void *ctx);
/* The PROG_ARRAY the filter programs tail-call (slots TC_SLOT_*). */
int capture_prog_array_fd(const struct capture *c);
/* Registers ifc as slot and attaches the filter programs (egress_fd is
 * not used on loopback).  0 or -errno; on error nothing of this iface
 * stays attached. */
int capture_add_iface(struct capture *c, const struct iface *ifc, int slot,
		      int ingress_fd, int egress_fd);
/* An interface that went away: its entry out of the table (its slot
 * is free again) and its attachments closed (the device took its qdisc
 * with it). */
void capture_remove_iface(struct capture *c, int ifindex);
/* Reads every record waiting in the ring; returns the number consumed
 * or the callback's error. */
int capture_consume(struct capture *c);
/* fd to poll for the ring's wakeups. */
int capture_ring_fd(const struct capture *c);
/* Sums the per-CPU counters of slot. */
int capture_stats(const struct capture *c, int slot, struct cap_stats *out);
/* Takes the programs off every interface (the ring stays readable). */
void capture_detach(struct capture *c);
void capture_close(struct capture *c);
#endif /* !__bpf__ */

#endif
