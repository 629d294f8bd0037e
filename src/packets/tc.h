/* tc.h - the ABI between tc.bpf.c (kernel) and tc.c (user space).
 *
 * Fixed-width types only, no pointers; the packet bytes follow the header
 * in each ring-buffer record. */
#ifndef TLSDUMP_TC_H
#define TLSDUMP_TC_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TC_MAX_SNAPLEN 262144u /* largest -s; a GSO packet on lo reaches 131032 */
#define TC_MAX_IFACES 256u     /* slots in the per-interface tables */

/* Prog-array slots the filter programs tail-call on a match. */
#define TC_SLOT_INGRESS 0u
#define TC_SLOT_EGRESS 1u

enum tc_dir { TC_DIR_INGRESS = 0, TC_DIR_EGRESS = 1 };

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
	__u8 pad;
};

/* Per-interface counters (a per-CPU array indexed by slot). */
struct cap_stats {
	__u64 matched;  /* passed the filter */
	__u64 captured; /* put into the ring */
	__u64 dropped;  /* ring full or copy failure */
};

#endif
