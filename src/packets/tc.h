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
#define TC_MAX_IFACES 256u     /* slots in the per-interface tables */

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

#endif
