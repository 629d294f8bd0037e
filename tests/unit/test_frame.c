// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_frame.c - records to the file's link type: as captured, VLAN
 * tag put back, LINUX_SLL2 from Ethernet and from raw IP. */
#include "out/pcapng.h"
#include "packets/frame.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <string.h>

static const uint8_t eth_ip[] = {
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, /* MACs, IPv4 */
	0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
};

static struct cap_pkt hdr(uint32_t caplen, uint32_t len, uint8_t dir)
{
	struct cap_pkt h;

	memset(&h, 0, sizeof(h));
	h.caplen = caplen;
	h.len = len;
	h.dir = dir;
	h.protocol = htons(0x0800);
	h.pkt_type = PACKET_HOST;
	return h;
}

static void test_same_linktype(void)
{
	struct frame_src src = { PCAPNG_LINKTYPE_ETHERNET, ARPHRD_ETHER, 3 };
	struct cap_pkt h = hdr(sizeof(eth_ip), 1500, TC_DIR_INGRESS);
	struct frame f;

	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_ETHERNET, 262144);
	CHECK(f.headlen == 0 && f.body == eth_ip && f.bodylen == sizeof(eth_ip));
	CHECK(f.origlen == 1500 && f.dir == PCAPNG_DIR_IN);

	h.vlan_present = 1;
	h.vlan_tci = 0x2064; /* prio 1, vid 100 */
	h.dir = TC_DIR_EGRESS;
	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_ETHERNET, 262144);
	CHECK(f.headlen == 16 && !memcmp(f.head, eth_ip, 12));
	CHECK(f.head[12] == 0x81 && f.head[13] == 0x00);
	CHECK(f.head[14] == 0x20 && f.head[15] == 0x64);
	CHECK(f.body == eth_ip + 12 && f.bodylen == sizeof(eth_ip) - 12);
	CHECK(f.origlen == 1504 && f.dir == PCAPNG_DIR_OUT);
}

static void test_sll2_from_ethernet(void)
{
	struct frame_src src = { PCAPNG_LINKTYPE_ETHERNET, ARPHRD_ETHER, 7 };
	struct cap_pkt h = hdr(sizeof(eth_ip), sizeof(eth_ip), TC_DIR_EGRESS);
	static const uint8_t want[20] = {
		0x08, 0x00, 0, 0, 0, 0, 0, 7, 0, 1, PACKET_OUTGOING, 6,
		0x02, 0, 0, 0, 0, 0x01, 0, 0,
	};
	struct frame f;

	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_LINUX_SLL2, 262144);
	CHECK(f.headlen == 20 && !memcmp(f.head, want, 20));
	CHECK(f.body == eth_ip + 14 && f.bodylen == 20);
	CHECK(f.origlen == 20 + 20);

	h.dir = TC_DIR_INGRESS;
	h.pkt_type = PACKET_BROADCAST;
	h.vlan_present = 1;
	h.vlan_tci = 5;
	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_LINUX_SLL2, 262144);
	CHECK(f.headlen == 24 && f.head[10] == PACKET_BROADCAST);
	CHECK(f.head[0] == 0x81 && f.head[1] == 0x00); /* 802.1Q */
	CHECK(f.head[20] == 0 && f.head[21] == 5);      /* TCI */
	CHECK(f.head[22] == 0x08 && f.head[23] == 0x00); /* inner type */
	CHECK(f.origlen == 20 + 24 && f.dir == PCAPNG_DIR_IN);
}

static void test_sll2_from_raw(void)
{
	struct frame_src src = { PCAPNG_LINKTYPE_RAW, ARPHRD_NONE, 9 };
	const uint8_t *ip = eth_ip + 14;
	struct cap_pkt h = hdr(20, 20, TC_DIR_EGRESS);
	uint8_t ip6[40] = { 0x60 };
	struct frame f;

	frame_build(&f, &h, ip, &src, PCAPNG_LINKTYPE_LINUX_SLL2, 262144);
	CHECK(f.headlen == 20 && f.head[0] == 0x08 && f.head[1] == 0x00);
	CHECK(f.head[8] == 0xff && f.head[9] == 0xfe); /* ARPHRD_NONE */
	CHECK(f.head[11] == 0 && f.body == ip && f.bodylen == 20);
	CHECK(f.origlen == 40);
	h = hdr(40, 40, TC_DIR_INGRESS);
	frame_build(&f, &h, ip6, &src, PCAPNG_LINKTYPE_LINUX_SLL2, 262144);
	CHECK(f.head[0] == 0x86 && f.head[1] == 0xdd);
	frame_build(&f, &h, ip6, &src, PCAPNG_LINKTYPE_RAW, 262144);
	CHECK(f.headlen == 0 && f.body == ip6 && f.origlen == 40);
}

/* The file never holds more than snaplen, whatever header was added;
 * 802.1ad keeps its TPID. */
static void test_snaplen_and_tpid(void)
{
	struct frame_src src = { PCAPNG_LINKTYPE_ETHERNET, ARPHRD_ETHER, 7 };
	struct cap_pkt h = hdr(30, 1500, TC_DIR_EGRESS);
	struct frame f;

	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_LINUX_SLL2, 30);
	CHECK(f.headlen + f.bodylen == 30 && f.origlen == 1500 - 14 + 20);
	h.vlan_present = 1;
	h.vlan_proto = htons(0x88a8);
	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_ETHERNET, 30);
	CHECK(f.headlen == 16 && f.bodylen == 14 && f.origlen == 1504);
	CHECK(f.head[12] == 0x88 && f.head[13] == 0xa8);
	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_LINUX_SLL2, 10);
	CHECK(f.headlen == 10 && f.bodylen == 0);
	frame_build(&f, &h, eth_ip, &src, PCAPNG_LINKTYPE_LINUX_SLL2, 262144);
	CHECK(f.head[0] == 0x88 && f.head[1] == 0xa8);
}

int main(void)
{
	test_same_linktype();
	test_sll2_from_ethernet();
	test_sll2_from_raw();
	test_snaplen_and_tpid();
	return test_done("test_frame");
}
