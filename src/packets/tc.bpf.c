// SPDX-License-Identifier: GPL-2.0
/* tc.bpf.c - the capture program: copy a packet that passed the filter
 * into the ring buffer.
 *
 * The generated filter program (filter.c) runs first and tail-calls one
 * of these on a match.  Both always return TC_ACT_UNSPEC (= TCX_NEXT): a
 * capture tool must never change the verdict other tc programs see. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "packets/tc.h"
#include "proc/attr.bpf.h"
#include "proc/want.bpf.h"

#define TC_ACT_UNSPEC (-1)

/* Set by user space before load. */
const volatile __u32 snaplen = TC_MAX_SNAPLEN;
/* Wake the consumer when this many bytes wait in the ring; below it the
 * consumer's 10 ms poll collects records (a wakeup per packet costs ~2 µs
 * of CPU, see docs/probe-cost.md). */
const volatile __u64 wakeup_bytes = 1 << 20;
/* enum tc_proc; with TC_PROC_FILTER, a packet is recorded only when its
 * process is wanted (proc/want.bpf.h). */
const volatile __u32 proc_mode = TC_PROC_OFF;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); /* resized by -B */
} packets SEC(".maps");

/* ifindex -> the interface in the capture (absent: not ours). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TC_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct cap_iface);
} ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TC_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct cap_stats);
} stats SEC(".maps");

/* Per-CPU staging area: a ring record's size must be known when it is
 * reserved, per-CPU map values are capped at 32 KiB, so a plain array
 * with one entry per CPU (max_entries set at load) holds packets up to
 * the largest snaplen.  TC runs with bottom halves off and does not nest
 * on a CPU. */
struct scratch {
	struct cap_pkt hdr;
	__u8 data[TC_MAX_SNAPLEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* The filter's tail-call targets: [TC_SLOT_INGRESS], [TC_SLOT_EGRESS]. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

static __always_inline __u64 ring_flags(__u32 size)
{
	__u64 avail = bpf_ringbuf_query(&packets, BPF_RB_AVAIL_DATA);

	/* Wake once, when the backlog crosses the threshold. */
	if (avail < wakeup_bytes && avail + size >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* --pid/--uid/--comm, in the kernel: a packet of no known process, or of
 * another one, is not recorded. */
static __always_inline bool proc_wanted(const struct conn_owner *o)
{
	return want_marks(o->marks) && want_process(o->pid, o->uid, o->comm);
}

/* On lo both ends are ours: a packet the filter does not want for its
 * sender (whom it is attributed to) is still wanted for its receiver, so
 * that a process's flows are whole (its peer's replies, a server's
 * clients' requests). */
static __always_inline bool receiver_wanted(struct __sk_buff *skb, __u32 l3,
					    __u64 now)
{
	struct conn_owner o;

	return attr_lookup(skb, l3, false, false, now, &o) && proc_wanted(&o);
}

static __always_inline int capture(struct __sk_buff *skb, __u8 dir)
{
	__u32 ifindex = skb->ifindex, cpu = bpf_get_smp_processor_id();
	struct cap_iface *ifc = bpf_map_lookup_elem(&ifaces, &ifindex);
	__u32 slot;
	struct cap_stats *st;
	struct scratch *s;
	__u64 caplen; /* 64-bit: no zero-extension between check and use */
	__u64 now = bpf_ktime_get_ns();

	if (!ifc)
		return TC_ACT_UNSPEC;
	slot = ifc->slot;
	st = bpf_map_lookup_elem(&stats, &slot);
	s = bpf_map_lookup_elem(&scratch, &cpu);
	if (!st || !s)
		return TC_ACT_UNSPEC;
	s->hdr.has_owner = 0;
	if (proc_mode != TC_PROC_OFF)
		s->hdr.has_owner = attr_lookup(skb, ifc->l2len,
					       dir == TC_DIR_EGRESS,
					       ifc->loopback, now,
					       &s->hdr.owner);
	if (proc_mode == TC_PROC_FILTER &&
	    !(s->hdr.has_owner && proc_wanted(&s->hdr.owner)) &&
	    !(ifc->loopback && receiver_wanted(skb, ifc->l2len, now)))
		return TC_ACT_UNSPEC;
	st->matched++;
	caplen = skb->len;
	if (caplen > snaplen)
		caplen = snaplen;
	/* Keep the checked value in the register the helper gets: without
	 * this clang may pass an unchecked copy of skb->len. */
	asm volatile("" : "+r"(caplen));
	if (caplen < 1 || caplen > TC_MAX_SNAPLEN ||
	    bpf_skb_load_bytes(skb, 0, s->data, caplen)) {
		st->dropped++;
		return TC_ACT_UNSPEC;
	}
	s->hdr.ts_ns = now;
	s->hdr.ifindex = ifindex;
	s->hdr.slot = slot;
	s->hdr.len = skb->len;
	s->hdr.caplen = caplen;
	s->hdr.protocol = skb->protocol;
	s->hdr.vlan_present = skb->vlan_present;
	s->hdr.vlan_tci = skb->vlan_tci;
	s->hdr.vlan_proto = skb->vlan_proto;
	s->hdr.pkt_type = skb->pkt_type;
	s->hdr.dir = dir;
	if (bpf_ringbuf_output(&packets, s, sizeof(s->hdr) + caplen,
			       ring_flags(sizeof(s->hdr) + caplen)))
		st->dropped++;
	else
		st->captured++;
	return TC_ACT_UNSPEC;
}

SEC("tc")
int capture_ingress(struct __sk_buff *skb)
{
	return capture(skb, TC_DIR_INGRESS);
}

SEC("tc")
int capture_egress(struct __sk_buff *skb)
{
	return capture(skb, TC_DIR_EGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
