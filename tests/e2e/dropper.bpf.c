// SPDX-License-Identifier: GPL-2.0
/* dropper.bpf.c - a test's lossy link (no netem or gact on every kernel):
 * drops ~8 % of the packets longer than 200 bytes, so that TCP
 * retransmits; small ones (handshakes, ACKs, the tests' UDP) pass. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int drop_some(struct __sk_buff *skb)
{
	if (skb->len > 200 && bpf_get_prandom_u32() % 100 < 8)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
