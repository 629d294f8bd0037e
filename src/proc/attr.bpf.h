// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* attr.bpf.h - the capture program's half of process attribution
 * (included by packets/tc.bpf.c): one hash lookup per packet in the flow
 * cache; on a miss the owning socket is found (skb->sk at egress, else a
 * socket lookup in the packet's network namespace), its owner read from
 * socket storage and the flow cached, so later packets - also those after
 * the socket is gone - cost one lookup.
 *
 * Whose packet: egress, the sending socket; ingress, the receiving one;
 * on loopback (captured at ingress only), the sender's. */
#ifndef TLSDUMP_ATTR_BPF_H
#define TLSDUMP_ATTR_BPF_H

#include <bpf/bpf_endian.h>
#include "proc/conn_maps.bpf.h"

#define ATTR_AF_INET 2
#define ATTR_AF_INET6 10
#define ATTR_ETH_P_IP 0x0800
#define ATTR_ETH_P_IPV6 0x86DD

/* The flow key of an IP packet whose network header is at l3.  local_src:
 * the owner is the source.  -1: not TCP/UDP, or no ports (a later
 * fragment, IPv6 extension headers).  One load takes the IP header and
 * the ports together (IPv4 options cost a second one). */
static __always_inline int attr_key(struct __sk_buff *skb, __u32 l3,
				    bool local_src, struct conn_key *k)
{
	__u8 *src = k->raddr, *dst = k->laddr;
	__u16 ports[2];

	__builtin_memset(k, 0, sizeof(*k));
	if (local_src) {
		src = k->laddr;
		dst = k->raddr;
	}
	if (skb->protocol == bpf_htons(ATTR_ETH_P_IP)) {
		struct { struct iphdr ip; __u16 ports[2]; } h;

		if (bpf_skb_load_bytes(skb, l3, &h, sizeof(h)) ||
		    (h.ip.frag_off & bpf_htons(0x1fff)))
			return -1;
		k->family = ATTR_AF_INET;
		k->proto = h.ip.protocol;
		__builtin_memcpy(src, &h.ip.saddr, 4);
		__builtin_memcpy(dst, &h.ip.daddr, 4);
		ports[0] = h.ports[0];
		ports[1] = h.ports[1];
		if (h.ip.ihl != 5 &&
		    bpf_skb_load_bytes(skb, l3 + h.ip.ihl * 4, ports, sizeof(ports)))
			return -1;
	} else if (skb->protocol == bpf_htons(ATTR_ETH_P_IPV6)) {
		struct { struct ipv6hdr ip6; __u16 ports[2]; } h;

		if (bpf_skb_load_bytes(skb, l3, &h, sizeof(h)))
			return -1;
		k->family = ATTR_AF_INET6;
		k->proto = h.ip6.nexthdr;
		__builtin_memcpy(src, &h.ip6.saddr, 16);
		__builtin_memcpy(dst, &h.ip6.daddr, 16);
		ports[0] = h.ports[0];
		ports[1] = h.ports[1];
	} else {
		return -1;
	}
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
		return -1;
	k->lport = bpf_ntohs(local_src ? ports[0] : ports[1]);
	k->rport = bpf_ntohs(local_src ? ports[1] : ports[0]);
	return 0;
}

/* The owner's socket, found as a receiver of a packet from the remote
 * end would find it (a request socket yields its listener). */
static __always_inline struct bpf_sock *attr_sk_lookup(struct __sk_buff *skb,
						       const struct conn_key *k)
{
	struct bpf_sock_tuple t;
	__u32 n;

	__builtin_memset(&t, 0, sizeof(t));
	if (k->family == ATTR_AF_INET) {
		__builtin_memcpy(&t.ipv4.saddr, k->raddr, 4);
		__builtin_memcpy(&t.ipv4.daddr, k->laddr, 4);
		t.ipv4.sport = bpf_htons(k->rport);
		t.ipv4.dport = bpf_htons(k->lport);
		n = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, k->raddr, 16);
		__builtin_memcpy(t.ipv6.daddr, k->laddr, 16);
		t.ipv6.sport = bpf_htons(k->rport);
		t.ipv6.dport = bpf_htons(k->lport);
		n = sizeof(t.ipv6);
	}
	if (k->proto == IPPROTO_TCP)
		return bpf_sk_lookup_tcp(skb, &t, n, BPF_F_CURRENT_NETNS, 0);
	return bpf_sk_lookup_udp(skb, &t, n, BPF_F_CURRENT_NETNS, 0);
}

/* Miss: ask the socket, cache the answer.  1 = *out filled. */
static __always_inline int attr_from_socket(struct __sk_buff *skb,
					    const struct conn_key *k,
					    bool egress, __u64 now,
					    struct conn_owner *out)
{
	struct conn_stats *st = conn_stat();
	struct conn_owner *o = NULL;
	struct bpf_sock *sk = NULL;
	struct conn_flow f;
	int found;
	struct bpf_sock *skb_sk = egress ? skb->sk : NULL;

	if (skb_sk) { /* one read: the verifier tracks its NULL check */
		struct bpf_sock *full = bpf_sk_fullsock(skb_sk);

		if (full)
			o = bpf_sk_storage_get(&conn_owners, full, 0, 0);
	}
	if (!o) {
		sk = attr_sk_lookup(skb, k);
		if (sk)
			o = bpf_sk_storage_get(&conn_owners, sk, 0, 0);
	}
	found = o && o->pid;
	if (found)
		*out = *o;
	if (sk)
		bpf_sk_release(sk);
	if (!found) {
		if (st)
			st->unowned++;
		return 0;
	}
	f.owner = *out;
	/* UDP has no close to hear about: its entries are confirmed again
	 * by the socket once the grace period is over. */
	f.expire_ns = k->proto == IPPROTO_UDP ? now + CONN_GRACE_NS : 0;
	if (!bpf_map_update_elem(&conn_flows, k, &f, BPF_NOEXIST)) {
		if (st)
			st->learned++;
	} else if (!bpf_map_update_elem(&conn_flows, k, &f, BPF_ANY) && st) {
		st->refreshed++;
	}
	return 1;
}

/* The owner of the packet at l3 into *out; 1 when known. */
static __always_inline int attr_lookup(struct __sk_buff *skb, __u32 l3,
				       bool egress, bool loopback, __u64 now,
				       struct conn_owner *out)
{
	struct conn_flow *f;
	struct conn_key k;

	if (attr_key(skb, l3, egress || loopback, &k))
		return 0;
	f = bpf_map_lookup_elem(&conn_flows, &k);
	if (f && (!f->expire_ns || now < f->expire_ns)) {
		*out = f->owner;
		return 1;
	}
	return attr_from_socket(skb, &k, egress, now, out);
}

#endif
