// SPDX-License-Identifier: GPL-2.0
/* ringfloor.bpf.c - the least a BPF capture can do: on lo's ingress, a
 * TCP/IPv4 packet to or from one port becomes a finished PCAP-NG EPB
 * (header, data, padding, trailing length) in the ring, with one copy
 * (bpf_dynptr_copy from the skb into the reserved record). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_UNSPEC (-1)
#define EPB_HEAD 28

const volatile __u16 port;		/* host order */
const volatile __u64 wakeup_bytes = 1 << 20;
const volatile __u64 realtime_off;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} ring SEC(".maps");

__u64 dropped, captured;

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;
extern int bpf_dynptr_copy(struct bpf_dynptr *dst, __u32 dst_off,
			   struct bpf_dynptr *src, __u32 src_off,
			   __u32 size) __ksym;

static __always_inline bool ours(struct __sk_buff *skb)
{
	struct { __u8 eth[14]; __u8 vihl, tos; __u16 len, id, frag;
		 __u8 ttl, proto; __u16 sum; __u32 s, d; } h;
	__u16 ports[2];

	if (bpf_skb_load_bytes(skb, 0, &h, sizeof(h)) || h.proto != 6 ||
	    (h.vihl >> 4) != 4)
		return false;
	if (bpf_skb_load_bytes(skb, 14 + (h.vihl & 15) * 4, ports, 4))
		return false;
	return ports[0] == bpf_htons(port) || ports[1] == bpf_htons(port);
}

SEC("tc")
int floor_ingress(struct __sk_buff *skb)
{
	__u32 caplen = skb->len, pad, total, head[7], zero = 0;
	__u64 ts, avail, flags = BPF_RB_NO_WAKEUP;
	struct bpf_dynptr rec, pkt;

	if (!ours(skb) || caplen > (1 << 18))
		return TC_ACT_UNSPEC;
	pad = (4 - (caplen & 3)) & 3;
	total = EPB_HEAD + caplen + pad + 4;
	ts = (bpf_ktime_get_ns() + realtime_off) / 1000; /* µs: IDB default */
	head[0] = 6;
	head[1] = total;
	head[2] = 0;
	head[3] = ts >> 32;
	head[4] = (__u32)ts;
	head[5] = caplen;
	head[6] = caplen;
	avail = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA);
	if (avail < wakeup_bytes && avail + total >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_reserve_dynptr(&ring, total, 0, &rec)) {
		bpf_ringbuf_discard_dynptr(&rec, 0);
		__sync_fetch_and_add(&dropped, 1);
		return TC_ACT_UNSPEC;
	}
	if (bpf_dynptr_write(&rec, 0, head, sizeof(head), 0) ||
	    bpf_dynptr_from_skb(skb, 0, &pkt) ||
	    bpf_dynptr_copy(&rec, EPB_HEAD, &pkt, 0, caplen) ||
	    /* padding (0..3 zeros), then the trailing length over the rest */
	    bpf_dynptr_write(&rec, EPB_HEAD + caplen, &zero, 4, 0) ||
	    bpf_dynptr_write(&rec, EPB_HEAD + caplen + pad, &total, 4, 0)) {
		bpf_ringbuf_discard_dynptr(&rec, 0);
		__sync_fetch_and_add(&dropped, 1);
		return TC_ACT_UNSPEC;
	}
	bpf_ringbuf_submit_dynptr(&rec, flags);
	__sync_fetch_and_add(&captured, 1);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
