// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_filter.c - the cBPF -> eBPF filter translation against libpcap.
 *
 * Each expression is compiled by libpcap for Ethernet, translated and
 * loaded as a sched_cls program whose match tail-calls a stub returning
 * 77.  Every packet of a built corpus runs through bpf_prog_test_run and
 * through pcap_offline_filter (filter_offline_match); the verdicts must
 * agree, and a non-match must return exactly TC_ACT_UNSPEC.
 * Needs CAP_BPF (root): skips with the reason without it. */
#include "packets/filter.h"
#include "testlib.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define ERRLEN 256 /* libpcap's PCAP_ERRBUF_SIZE */
#define DLT_EN10MB 1
#define DLT_RAW 12
#define SNAPLEN 262144
#define STUB_RET 77
#define UNSPEC ((uint32_t)TC_ACT_UNSPEC)

/* ---- packet corpus ---- */

struct pkt {
	const char *name;
	uint8_t b[1600];
	size_t len;
	size_t l3, l4; /* where the lengths to patch begin */
};

#define MAX_PKTS 80
static struct pkt corpus[MAX_PKTS];
static size_t npkts;

static const uint8_t MAC_A[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_B[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
static const uint8_t MAC_0[6] = { 0 };
static const uint8_t MAC_BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_M4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t MAC_M6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0xfb };

static const uint8_t V6_1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t V6_2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t V6_LO[16] = { [15] = 1 };
static const uint8_t V6_MDNS[16] = { 0xff, 0x02, [15] = 0xfb };

enum { SYN = 0x02, FIN = 0x01, RST = 0x04, PSH = 0x08, ACK = 0x10 };

static struct pkt *pkt_new(const char *name)
{
	struct pkt *k;

	if (npkts == MAX_PKTS) {
		fprintf(stderr, "corpus full at %s\n", name);
		exit(2);
	}
	k = &corpus[npkts++];
	memset(k, 0, sizeof(*k));
	k->name = name;
	return k;
}

static void put(struct pkt *k, const void *p, size_t n)
{
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void u8(struct pkt *k, uint8_t v)
{
	k->b[k->len++] = v;
}

static void u16(struct pkt *k, uint16_t v)
{
	u8(k, v >> 8);
	u8(k, v & 0xff);
}

static void u32(struct pkt *k, uint32_t v)
{
	u16(k, v >> 16);
	u16(k, v & 0xffff);
}

static void patch16(struct pkt *k, size_t at, size_t v)
{
	k->b[at] = (uint8_t)(v >> 8);
	k->b[at + 1] = (uint8_t)v;
}

static void eth(struct pkt *k, const uint8_t *dst, const uint8_t *src,
		uint16_t type)
{
	put(k, dst, 6);
	put(k, src, 6);
	u16(k, type);
}

static void vlan(struct pkt *k, uint16_t tci, uint16_t inner_type)
{
	u16(k, tci);
	u16(k, inner_type);
}

/* IPv4 header with `optwords` 4-byte option words (NOPs); the total
 * length is patched by ip4_end. */
static void ip4(struct pkt *k, uint32_t src, uint32_t dst, uint8_t proto,
		int optwords, uint16_t frag, uint8_t tos, uint8_t ttl)
{
	k->l3 = k->len;
	u8(k, 0x40 | (5 + optwords));
	u8(k, tos);
	u16(k, 0); /* total length */
	u16(k, 0x1234);
	u16(k, frag);
	u8(k, ttl);
	u8(k, proto);
	u16(k, 0); /* checksum: filters do not look */
	u32(k, src);
	u32(k, dst);
	for (int i = 0; i < optwords; i++)
		u32(k, 0x01010101);
}

static void ip4_end(struct pkt *k)
{
	patch16(k, k->l3 + 2, k->len - k->l3);
}

static void ip6(struct pkt *k, const uint8_t *src, const uint8_t *dst,
		uint8_t nxt)
{
	k->l3 = k->len;
	u32(k, 0x60000000);
	u16(k, 0); /* payload length */
	u8(k, nxt);
	u8(k, 64);
	put(k, src, 16);
	put(k, dst, 16);
}

static void ip6_end(struct pkt *k)
{
	patch16(k, k->l3 + 4, k->len - k->l3 - 40);
}

static void tcp(struct pkt *k, uint16_t sport, uint16_t dport, uint8_t flags,
		int optwords, const char *payload)
{
	u16(k, sport);
	u16(k, dport);
	u32(k, 1000);
	u32(k, flags & ACK ? 2000 : 0);
	u8(k, (uint8_t)((5 + optwords) << 4));
	u8(k, flags);
	u16(k, 65535);
	u32(k, 0);
	for (int i = 0; i < optwords; i++)
		u32(k, 0x01010101);
	if (payload)
		put(k, payload, strlen(payload));
}

static void udp(struct pkt *k, uint16_t sport, uint16_t dport,
		const void *payload, size_t n)
{
	k->l4 = k->len;
	u16(k, sport);
	u16(k, dport);
	u16(k, (uint16_t)(8 + n));
	u16(k, 0);
	put(k, payload, n);
}

static void fill(struct pkt *k, size_t n, uint8_t v)
{
	memset(k->b + k->len, v, n);
	k->len += n;
}

static void tcp4(const char *name, const uint8_t *dmac, const uint8_t *smac,
		 uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		 uint8_t flags, const char *payload)
{
	struct pkt *k = pkt_new(name);

	eth(k, dmac, smac, 0x0800);
	ip4(k, src, dst, 6, 0, 0x4000, 0, 64);
	tcp(k, sport, dport, flags, 0, payload);
	ip4_end(k);
}

static void udp4(const char *name, const uint8_t *dmac, uint32_t src,
		 uint32_t dst, uint16_t sport, uint16_t dport)
{
	struct pkt *k = pkt_new(name);
	static const uint8_t data[] = { 0x12, 0x34, 0x56, 0x78, 1, 0, 0, 1 };

	eth(k, dmac, MAC_A, 0x0800);
	ip4(k, src, dst, 17, 0, 0, 0, 64);
	udp(k, sport, dport, data, sizeof(data));
	ip4_end(k);
}

static void icmp4(const char *name, uint8_t type, uint8_t code)
{
	struct pkt *k = pkt_new(name);

	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 1, 0, 0, 0, 64);
	u8(k, type);
	u8(k, code);
	u16(k, 0);
	u32(k, 0x00010001);
	fill(k, 56, 0xa5);
	ip4_end(k);
}

static void tcp6(const char *name, const uint8_t *src, const uint8_t *dst,
		 uint16_t sport, uint16_t dport, uint8_t flags,
		 const char *payload)
{
	struct pkt *k = pkt_new(name);

	eth(k, MAC_B, MAC_A, 0x86dd);
	ip6(k, src, dst, 6);
	tcp(k, sport, dport, flags, 0, payload);
	ip6_end(k);
}

static const char GET[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

static void build_ip4_corpus(void)
{
	struct pkt *k;

	tcp4("tcp4 syn 443", MAC_B, MAC_A, 0x0a000001, 0x0a000002, 40000,
	     443, SYN, NULL);
	tcp4("tcp4 syn-ack 443", MAC_A, MAC_B, 0x0a000002, 0x0a000001, 443,
	     40000, SYN | ACK, NULL);
	tcp4("tcp4 http get 80", MAC_B, MAC_A, 0x0a000001, 0x0a000003, 40001,
	     80, PSH | ACK, GET);
	tcp4("tcp4 http reply 80", MAC_A, MAC_B, 0x0a000003, 0x0a000001, 80,
	     40001, PSH | ACK, "HTTP/1.1 200 OK\r\n\r\n");
	tcp4("tcp4 ssh 22", MAC_B, MAC_A, 0xc0a80105, 0xc0a80101, 50000, 22,
	     PSH | ACK, "SSH-2.0-x\r\n");
	tcp4("tcp4 fin 22", MAC_A, MAC_B, 0xc0a80101, 0xc0a80105, 22, 50000,
	     FIN | ACK, NULL);
	tcp4("tcp4 rst 8080", MAC_B, MAC_A, 0x0a000001, 0x0a000002, 8080,
	     40002, RST, NULL);
	tcp4("tcp4 1500->999", MAC_B, MAC_A, 0x0a010101, 0x0b000001, 1500,
	     999, ACK, NULL);
	tcp4("tcp4 2000->2001", MAC_B, MAC_A, 0x0a010101, 0x0b000001, 2000,
	     2001, ACK, NULL);
	tcp4("tcp4 lo 127.0.0.1 443", MAC_0, MAC_0, 0x7f000001, 0x7f000001,
	     40003, 443, SYN, NULL);
	tcp4("tcp4 bcast mac", MAC_BC, MAC_A, 0x0a000001, 0x0a000002, 1, 2,
	     ACK, NULL);

	k = pkt_new("tcp4 ip options 443");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 1, 0, 0, 64);
	tcp(k, 40004, 443, PSH | ACK, 0, "\x16\x03\x01\x00\x05hello");
	ip4_end(k);

	k = pkt_new("tcp4 ihl 7 + tcp options, http get");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000003, 6, 2, 0, 0, 64);
	tcp(k, 40005, 80, PSH | ACK, 3, GET);
	ip4_end(k);

	k = pkt_new("tcp4 1400 bytes 443");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0x4000, 0, 64);
	tcp(k, 40006, 443, ACK, 0, NULL);
	fill(k, 1400 - k->len, 0x17);
	ip4_end(k);

	k = pkt_new("tcp4 tos 40 ttl 1");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 40, 1);
	tcp(k, 40007, 443, ACK, 0, "abcdefghijklmnopqrstuvwxyz");
	ip4_end(k);

	k = pkt_new("tcp4 tos 33");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 33, 128);
	tcp(k, 40008, 80, ACK, 0, NULL);
	ip4_end(k);

	udp4("udp4 dns query 53", MAC_B, 0x0a000001, 0x08080808, 5555, 53);
	udp4("udp4 dns reply 53", MAC_A, 0x08080808, 0x0a000001, 53, 5555);
	udp4("udp4 ntp 123", MAC_B, 0x0a000001, 0x0a000002, 123, 123);
	udp4("udp4 mdns 5353", MAC_M4, 0x0a000001, 0xe00000fb, 5353, 5353);
	udp4("udp4 dhcp bcast", MAC_BC, 0, 0xffffffff, 68, 67);
	udp4("udp4 lo 127.0.0.1 1999", MAC_0, 0x7f000001, 0x7f000001, 1999,
	     3000);

	icmp4("icmp echo request", 8, 0);
	icmp4("icmp echo reply", 0, 0);
	icmp4("icmp unreachable", 3, 3);

	k = pkt_new("ip4 first fragment udp 53");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x08080808, 17, 0, 0x2000, 0, 64);
	udp(k, 5556, 53, "\x12\x34\x56\x78", 4);
	fill(k, 64, 0);
	ip4_end(k);

	k = pkt_new("ip4 middle fragment");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x08080808, 17, 0, 0x2000 | 9, 0, 64);
	fill(k, 72, 0x35);
	ip4_end(k);

	k = pkt_new("ip4 last fragment tcp");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 185, 0, 64);
	fill(k, 40, 0x01); /* looks like ports 257 if read as a header */
	ip4_end(k);

	k = pkt_new("ip4 ihl 15 udp 53");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x08080808, 17, 10, 0, 0, 64);
	udp(k, 5557, 53, "\x12\x34\x56\x78", 4);
	ip4_end(k);

	k = pkt_new("ip4 bad ihl 4");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 0, 64);
	tcp(k, 443, 443, SYN, 0, NULL);
	ip4_end(k);
	k->b[14] = 0x44;

	k = pkt_new("ip4 gre proto 47");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 47, 0, 0, 0, 64);
	fill(k, 24, 0);
	ip4_end(k);
}

static void build_other_corpus(void)
{
	struct pkt *k;

	tcp6("tcp6 syn 443", V6_1, V6_2, 40000, 443, SYN, NULL);
	tcp6("tcp6 ::1 443", V6_LO, V6_LO, 40001, 443, ACK, "x");
	tcp6("tcp6 http get 80", V6_2, V6_1, 40002, 80, PSH | ACK, GET);

	k = pkt_new("udp6 dns 53");
	eth(k, MAC_B, MAC_A, 0x86dd);
	ip6(k, V6_1, V6_2, 17);
	udp(k, 5555, 53, "\x12\x34\x56\x78", 4);
	ip6_end(k);

	k = pkt_new("udp6 mdns 5353");
	eth(k, MAC_M6, MAC_A, 0x86dd);
	ip6(k, V6_1, V6_MDNS, 17);
	udp(k, 5353, 5353, "\0\0\0\0", 4);
	ip6_end(k);

	k = pkt_new("icmp6 echo request");
	eth(k, MAC_B, MAC_A, 0x86dd);
	ip6(k, V6_1, V6_2, 58);
	u8(k, 128);
	u8(k, 0);
	u16(k, 0);
	u32(k, 0x00010001);
	ip6_end(k);

	k = pkt_new("icmp6 neighbour solicitation");
	eth(k, MAC_M6, MAC_A, 0x86dd);
	ip6(k, V6_1, V6_MDNS, 58);
	u8(k, 135);
	u8(k, 0);
	u16(k, 0);
	u32(k, 0);
	put(k, V6_2, 16);
	ip6_end(k);

	k = pkt_new("ip6 hop-by-hop then tcp 443");
	eth(k, MAC_B, MAC_A, 0x86dd);
	ip6(k, V6_1, V6_2, 0);
	u8(k, 6); /* next header */
	u8(k, 0); /* 8 bytes */
	fill(k, 6, 0);
	tcp(k, 40003, 443, SYN, 0, NULL);
	ip6_end(k);

	k = pkt_new("vlan 100 tcp4 443");
	eth(k, MAC_B, MAC_A, 0x8100);
	vlan(k, 100, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 0, 64);
	tcp(k, 40009, 443, SYN, 0, NULL);
	ip4_end(k);

	k = pkt_new("vlan 200 udp4 53");
	eth(k, MAC_B, MAC_A, 0x8100);
	vlan(k, 0x2000 | 200, 0x0800);
	ip4(k, 0x0a000001, 0x08080808, 17, 0, 0, 0, 64);
	udp(k, 5558, 53, "\x12\x34\x56\x78", 4);
	ip4_end(k);

	k = pkt_new("vlan 100 tcp6 80");
	eth(k, MAC_B, MAC_A, 0x8100);
	vlan(k, 100, 0x86dd);
	ip6(k, V6_1, V6_2, 6);
	tcp(k, 40010, 80, PSH | ACK, 0, GET);
	ip6_end(k);

	k = pkt_new("qinq 300/100 tcp4 22");
	eth(k, MAC_B, MAC_A, 0x88a8);
	vlan(k, 300, 0x8100);
	vlan(k, 100, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 0, 64);
	tcp(k, 40011, 22, ACK, 0, NULL);
	ip4_end(k);

	k = pkt_new("arp request");
	eth(k, MAC_BC, MAC_A, 0x0806);
	u16(k, 1);
	u16(k, 0x0800);
	u8(k, 6);
	u8(k, 4);
	u16(k, 1);
	put(k, MAC_A, 6);
	u32(k, 0x0a000001);
	put(k, MAC_0, 6);
	u32(k, 0x0a000002);

	k = pkt_new("arp reply");
	eth(k, MAC_A, MAC_B, 0x0806);
	u16(k, 1);
	u16(k, 0x0800);
	u8(k, 6);
	u8(k, 4);
	u16(k, 2);
	put(k, MAC_B, 6);
	u32(k, 0x0a000002);
	put(k, MAC_A, 6);
	u32(k, 0x0a000001);

	k = pkt_new("lldp 0x88cc");
	eth(k, (const uint8_t[]){ 0x01, 0x80, 0xc2, 0, 0, 0x0e }, MAC_A,
	    0x88cc);
	fill(k, 40, 0x02);

	k = pkt_new("802.3 llc");
	eth(k, MAC_B, MAC_A, 46);
	u8(k, 0x42);
	u8(k, 0x42);
	u8(k, 0x03);
	fill(k, 43, 0);
}

/* 14 to 40 bytes: shorter than the headers an expression reads.
 * bpf_prog_test_run refuses (EINVAL) an IPv4/IPv6 frame without a whole
 * IP header, so cut IP headers come behind a VLAN tag. */
static void build_short_corpus(void)
{
	struct pkt *k;

	k = pkt_new("eth only 14 (arp type)");
	eth(k, MAC_BC, MAC_A, 0x0806);

	k = pkt_new("eth only 14 (vlan type)");
	eth(k, MAC_B, MAC_A, 0x8100);

	k = pkt_new("vlan tag only");
	eth(k, MAC_B, MAC_A, 0x8100);
	vlan(k, 100, 0x0800);

	k = pkt_new("vlan 100 ip4 header cut at 10");
	eth(k, MAC_B, MAC_A, 0x8100);
	vlan(k, 100, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 0, 64);
	ip4_end(k);
	k->len = 18 + 10;

	k = pkt_new("vlan 100 ip6 header cut at 22");
	eth(k, MAC_B, MAC_A, 0x8100);
	vlan(k, 100, 0x86dd);
	ip6(k, V6_1, V6_2, 6);
	ip6_end(k);
	k->len = 18 + 22;

	k = pkt_new("ip4 header only (tcp proto)");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 0, 64);
	ip4_end(k);

	k = pkt_new("ip4 options cut (ihl 6, 20 bytes)");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 17, 1, 0, 0, 64);
	ip4_end(k);
	k->len = 14 + 20;

	k = pkt_new("tcp4 443 cut after ports");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 0, 64);
	tcp(k, 40012, 443, SYN, 0, NULL);
	ip4_end(k);
	k->len = 14 + 20 + 4;

	k = pkt_new("tcp4 443 cut after sport");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x0a000002, 6, 0, 0, 0, 64);
	tcp(k, 443, 40013, SYN, 0, NULL);
	ip4_end(k);
	k->len = 14 + 20 + 2;

	k = pkt_new("udp4 53 cut in udp header");
	eth(k, MAC_B, MAC_A, 0x0800);
	ip4(k, 0x0a000001, 0x08080808, 17, 0, 0, 0, 64);
	udp(k, 5559, 53, "\x12\x34\x56\x78", 4);
	ip4_end(k);
	k->len = 14 + 20 + 6;

	k = pkt_new("arp cut at 20");
	eth(k, MAC_BC, MAC_A, 0x0806);
	fill(k, 6, 0);
}

/* ---- expressions ---- */

static const char *const exprs[] = {
	"",
	"tcp",
	"udp",
	"icmp",
	"ip",
	"ip6",
	"icmp6",
	"arp",
	"tcp port 443",
	"port 53",
	"udp port 123",
	"port 5353",
	"host 127.0.0.1",
	"host 10.0.0.2",
	"src host 10.0.0.1 and dst port 80",
	"net 10.0.0.0/8",
	"dst net 192.168.0.0/16",
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-rst|tcp-fin) != 0",
	"tcp[tcpflags] == tcp-syn|tcp-ack",
	"tcp[13] & 2 != 0",
	"ip[6:2] & 0x1fff != 0",
	"ip[6] & 0x20 != 0",
	"greater 100",
	"less 60",
	"len > 500",
	"len >= 2147483648",
	"vlan",
	"vlan and tcp",
	"vlan 100",
	"vlan 300 and vlan 100",
	"vlan and udp port 53",
	"ip6 and tcp port 443",
	"icmp[icmptype] == icmp-echo",
	"icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply",
	"icmp6 and ip6[40] == 135",
	"not port 22",
	"portrange 1000-2000",
	"tcp dst portrange 440-450",
	"ip proto 17",
	"ip proto 47",
	"ether host 00:11:22:33:44:55",
	"ether src 66:77:88:99:aa:bb",
	"ether proto 0x88cc",
	"ether[12:2] < 0x600",
	"ether broadcast",
	"ether multicast",
	"ip multicast",
	"ip6 multicast",
	"ip[0] & 0xf > 5",
	"udp[8:4] = 0x12345678",
	"tcp and (port 80 or port 443)",
	"ip6 dst host ::1",
	"ip6 host 2001:db8::1",
	"ip src 10.0.0.1 or ip6 src 2001:db8::1",
	"not ip and not ip6",
	"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
	"tcp[12] >> 4 > 5",
	"ip[2:2] / 4 > 10",
	"ip[2:2] % 7 = 3",
	"ip[3] << 2 > 100",
	"ip[2:2] >> 3 > 20",
	"ip[2:2] - 40 > 0",
	"(ip[2:2] * 3) & 0xff = 0x78",
	"(ip[2:2] | 1) & 3 = 3",
	"(ip[2:2] ^ 0xff) > 0x100",
	"-ip[8] > 0xffffff00",
	"ip[2:2] / (ip[9] - 6) > 0",
	"ip[2:2] % (ip[9] - 6) < 5",
	"(ip[2:2] << (ip[1] & 0x3f)) > 1000",
	"(ip[2:2] >> (ip[1] & 0x3f)) = 0",
	"ip[2:2] * ip[0] > 1000",
	"ip[8] + ip[1] > 100",
	"ip[8] - ip[1] < 100",
	"(ip[8] | ip[1]) = 64",
	"(ip[8] ^ ip[1]) > 60",
	"(ip[0] & ip[9]) != 0",
	"ip[8] >= ip[1]",
	"ip[8] > ip[1]",
	"(ip[2:2] + ip[0]) * (ip[8] - ip[1]) > (ip[3] ^ ip[9]) + ip[6:2]",
	"len - 14 = ip[2:2]",
	"ip[2:2] + 14 != len",
	"ether[0:4] > 0x80000000",
	"ether[0:4] & 0x80000000 != 0",
	"tcp[0xffffff00] = 0",
	"ether[0x7fffffff] = 0",
	"ip and ip[8] < 2",
	"arp and arp[6:2] = 2",
	"udp and udp[4:2] > 12",
	"ip6 and ip6[6] = 0",
	"ip6 protochain 6",
	"ip protochain 17",
};

/* ---- BPF plumbing ---- */

static int stub_fd = -1, array_fd = -1;

static void setup_bpf(void)
{
	struct bpf_insn stub[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = STUB_RET },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char why[160];
	int key = 0;

	stub_fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "tlsdump_stub", "GPL",
				stub, 2, NULL);
	if (stub_fd == -EPERM) {
		snprintf(why, sizeof(why),
			 "bpf_prog_load: %s (needs root or CAP_BPF + CAP_NET_ADMIN)",
			 strerror(EPERM));
		test_skip(why);
	}
	if (stub_fd < 0) {
		fprintf(stderr, "stub program: %s\n", strerror(-stub_fd));
		exit(1);
	}
	array_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "tlsdump_pa", 4, 4,
				  1, NULL);
	if (array_fd < 0 || bpf_map_update_elem(array_fd, &key, &stub_fd, 0)) {
		fprintf(stderr, "prog array: %s\n", strerror(errno));
		exit(1);
	}
}

/* Runs one packet; returns the program's return value, or -1 with a
 * message when the run itself fails. */
static long run(int fd, const struct pkt *k)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = k->b,
		    .data_size_in = (uint32_t)k->len, .repeat = 1);
	int rc = bpf_prog_test_run_opts(fd, &o);

	if (rc) {
		fprintf(stderr, "test_run(%s): %s\n", k->name, strerror(-rc));
		return -1;
	}
	return (long)o.retval;
}

static int load(const struct filter *f, enum filter_dir dir)
{
	static char log[65536];
	int fd = filter_load(f, dir, array_fd, 0, log, sizeof(log));

	if (fd < 0)
		fprintf(stderr, "filter_load: %s\n%s\n", strerror(-fd), log);
	return fd;
}

/* ---- the tests ---- */

static void test_corpus(void)
{
	size_t compared = 0, mismatches = 0, bad_verdicts = 0, loaded = 0;
	size_t trivial = 0; /* expressions matching all packets or none */
	size_t nexpr = sizeof(exprs) / sizeof(exprs[0]);

	for (size_t e = 0; e < nexpr; e++) {
		struct filter *f;
		char err[ERRLEN];
		int rc = filter_compile_on(&f, exprs[e], NULL, DLT_EN10MB, SNAPLEN, err,
					sizeof(err));
		int fd;

		CHECK_MSG(rc == 0, "compile '%s': %s", exprs[e], err);
		if (rc)
			continue;
		/* The direction only answers inbound/outbound: test both. */
		size_t hits = 0;
		for (int dir = FILTER_INGRESS; dir <= FILTER_EGRESS; dir++) {
			fd = load(f, (enum filter_dir)dir);
			CHECK_MSG(fd >= 0, "load '%s' (%zu cBPF insns)",
				  exprs[e], filter_insn_count(f));
			if (fd < 0)
				continue;
			loaded++;
			for (size_t i = 0; i < npkts; i++) {
				const struct pkt *k = &corpus[i];
				long ret = run(fd, k);
				int want = filter_offline_match(
					f, k->b, (uint32_t)k->len,
					(uint32_t)k->len);

				compared++;
				hits += ret == STUB_RET;
				if (ret != STUB_RET && ret != (long)UNSPEC)
					bad_verdicts++;
				if ((ret == STUB_RET) != (want != 0)) {
					mismatches++;
					fprintf(stderr,
						"MISMATCH '%s' on '%s' (%s): kernel %s, libpcap %s\n",
						exprs[e], k->name,
						dir ? "egress" : "ingress",
						ret == STUB_RET ? "match" : "no match",
						want ? "match" : "no match");
				}
			}
			close(fd);
		}
		printf("%4zu/%zu  %s\n", hits / 2, npkts, exprs[e]);
		trivial += hits == 0 || hits == 2 * npkts;
		filter_free(f);
	}
	printf("corpus: %zu expressions x %zu packets x 2 directions: %zu compared, %zu mismatches\n",
	       nexpr, npkts, compared, mismatches);
	CHECK(nexpr >= 40 && npkts >= 40);
	CHECK(loaded == 2 * nexpr);
	CHECK(compared >= 2 * 40 * 40);
	CHECK(mismatches == 0);
	CHECK(bad_verdicts == 0);
	/* "" and the two far-offset loads match all or nothing; the rest
	 * must tell packets apart or the corpus proves little. */
	CHECK_MSG(trivial <= 5, "%zu expressions match all or nothing", trivial);
}

/* Counts the corpus packets a program matches (-1 on a failed run). */
static long count_matches(int fd)
{
	long n = 0;

	for (size_t i = 0; i < npkts; i++) {
		long ret = run(fd, &corpus[i]);

		if (ret < 0)
			return -1;
		CHECK_MSG(ret == STUB_RET || ret == (long)UNSPEC,
			  "verdict %ld on %s", ret, corpus[i].name);
		n += ret == STUB_RET;
	}
	return n;
}

static long matches_expr(const char *expr, enum filter_dir dir)
{
	struct filter *f;
	char err[ERRLEN];
	long n = -1;
	int fd;

	if (filter_compile_on(&f, expr, NULL, DLT_EN10MB, SNAPLEN, err, sizeof(err))) {
		fprintf(stderr, "compile '%s': %s\n", expr, err);
		return -1;
	}
	fd = load(f, dir);
	if (fd >= 0) {
		n = count_matches(fd);
		close(fd);
	}
	filter_free(f);
	return n;
}

/* libpcap answers these with Linux ancillary loads; libpcap's own
 * interpreter cannot, so the expected verdicts are stated here.
 * bpf_prog_test_run runs on lo (ifindex 1) with eth_type_trans's
 * pkt_type, never PACKET_OUTGOING. */
static void test_ancillary(void)
{
	long all = (long)npkts;

	CHECK(matches_expr("outbound", FILTER_EGRESS) == all);
	CHECK(matches_expr("inbound", FILTER_EGRESS) == 0);
	CHECK(matches_expr("inbound", FILTER_INGRESS) == all);
	CHECK(matches_expr("outbound", FILTER_INGRESS) == 0);
	CHECK(matches_expr("ifindex 1", FILTER_INGRESS) == all);
	CHECK(matches_expr("ifindex 2", FILTER_EGRESS) == 0);
	CHECK(matches_expr("outbound and tcp port 443", FILTER_EGRESS) ==
	      matches_expr("tcp port 443", FILTER_EGRESS));
}

static long matches_cbpf(const struct filter_cbpf_insn *insns, size_t n,
			 int *load_rc)
{
	struct filter *f;
	long m = -1;
	int fd;

	*load_rc = filter_from_cbpf(&f, insns, n, DLT_EN10MB);
	if (*load_rc)
		return -1;
	fd = filter_load(f, FILTER_INGRESS, array_fd, 0, NULL, 0);
	*load_rc = fd < 0 ? fd : 0;
	if (fd >= 0) {
		m = count_matches(fd);
		close(fd);
	}
	filter_free(f);
	return m;
}

/* Hand-written classic programs: corners pcap_compile rarely emits. */
#define I(c, t, f, kk) { .code = (c), .jt = (t), .jf = (f), .k = (kk) }
#define AD(x) ((uint32_t)(SKF_AD_OFF + (x)))

static void test_handwritten(void)
{
	const struct filter_cbpf_insn proto_ip[] = {
		I(BPF_LD | BPF_H | BPF_ABS, 0, 0, AD(SKF_AD_PROTOCOL)),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0x0800),
		I(BPF_RET | BPF_K, 0, 0, 1),
		I(BPF_RET | BPF_K, 0, 0, 0),
	};
	const struct filter_cbpf_insn bad_op[] = {
		I(BPF_LD | BPF_B | BPF_ABS, 0, 0, AD(SKF_AD_VLAN_TAG_PRESENT)),
		I(BPF_LDX | BPF_W | BPF_ABS, 0, 0, 0), /* bogus: X from ABS */
	};
	const struct filter_cbpf_insn vlan_present[] = {
		I(BPF_LD | BPF_B | BPF_ABS, 0, 0, AD(SKF_AD_VLAN_TAG_PRESENT)),
		I(BPF_RET | BPF_A, 0, 0, 0),
	};
	const struct filter_cbpf_insn vlan_tci[] = {
		I(BPF_LD | BPF_H | BPF_ABS, 0, 0, AD(SKF_AD_VLAN_TAG)),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		I(BPF_RET | BPF_K, 0, 0, 1),
		I(BPF_RET | BPF_K, 0, 0, 0),
	};
	const struct filter_cbpf_insn cpu[] = {
		I(BPF_LD | BPF_W | BPF_ABS, 0, 0, AD(SKF_AD_CPU)),
		I(BPF_RET | BPF_A, 0, 0, 0),
	};
	/* A = len; X = 40; A <<= X (0 in classic) ; ret A */
	const struct filter_cbpf_insn shift40[] = {
		I(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0),
		I(BPF_LDX | BPF_IMM, 0, 0, 40),
		I(BPF_ALU | BPF_LSH | BPF_X, 0, 0, 0),
		I(BPF_RET | BPF_A, 0, 0, 0),
	};
	/* ret len / M[3] (never written: 0) */
	const struct filter_cbpf_insn div_mem0[] = {
		I(BPF_LDX | BPF_MEM, 0, 0, 3),
		I(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0),
		I(BPF_ALU | BPF_DIV | BPF_X, 0, 0, 0),
		I(BPF_RET | BPF_A, 0, 0, 0),
	};
	/* ret 1 / 0 (constant): no match; instruction 2 is unreachable */
	const struct filter_cbpf_insn div_k0[] = {
		I(BPF_LD | BPF_IMM, 0, 0, 1),
		I(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0),
		I(BPF_RET | BPF_A, 0, 0, 0),
	};
	/* M[15] = len; A = X = M[15]; match if A > 14; a dead instruction */
	const struct filter_cbpf_insn mem_dead[] = {
		I(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0),
		I(BPF_ST, 0, 0, 15),
		I(BPF_JMP | BPF_JA, 0, 0, 1),
		I(BPF_RET | BPF_K, 0, 0, 0), /* dead */
		I(BPF_LDX | BPF_MEM, 0, 0, 15),
		I(BPF_MISC | BPF_TXA, 0, 0, 0),
		I(BPF_JMP | BPF_JGT | BPF_K, 0, 1, 14),
		I(BPF_RET | BPF_K, 0, 0, 0xffffffff),
		I(BPF_RET | BPF_K, 0, 0, 0),
	};
	/* X = 0xfffffff0; ldb [x + 0x20]: wraps to 0x10 in 32 bits */
	const struct filter_cbpf_insn ind_wrap[] = {
		I(BPF_LDX | BPF_IMM, 0, 0, 0xfffffff0),
		I(BPF_LD | BPF_B | BPF_IND, 0, 0, 0x20),
		I(BPF_RET | BPF_K, 0, 0, 1),
	};
	/* a loop: X counts to 1000 through a backward jump */
	const struct filter_cbpf_insn loop[] = {
		I(BPF_MISC | BPF_TXA, 0, 0, 0),
		I(BPF_ALU | BPF_ADD | BPF_K, 0, 0, 1),
		I(BPF_MISC | BPF_TAX, 0, 0, 0),
		I(BPF_JMP | BPF_JGE | BPF_K, 0, 1, 1000),
		I(BPF_RET | BPF_K, 0, 0, 1),
		I(BPF_JMP | BPF_JA, 0, 0, (uint32_t)-6),
	};
	const struct filter_cbpf_insn bad_jump[] = {
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
		I(BPF_RET | BPF_K, 0, 0, 1),
	};
	const struct filter_cbpf_insn bad_mem[] = {
		I(BPF_ST, 0, 0, 16),
		I(BPF_RET | BPF_K, 0, 0, 1),
	};
	const struct filter_cbpf_insn no_ret[] = {
		I(BPF_LD | BPF_IMM, 0, 0, 1),
	};
	long ip4 = 0, longer_than_14 = 0, all = (long)npkts;
	int rc;

	for (size_t i = 0; i < npkts; i++) {
		ip4 += corpus[i].b[12] == 0x08 && corpus[i].b[13] == 0x00;
		longer_than_14 += corpus[i].len > 14;
	}
	CHECK(matches_cbpf(proto_ip, 4, &rc) == ip4 && rc == 0);
	CHECK(matches_cbpf(vlan_present, 2, &rc) == 0 && rc == 0);
	CHECK(matches_cbpf(vlan_tci, 4, &rc) == all && rc == 0);
	CHECK(matches_cbpf(cpu, 2, &rc) == -1 && rc == -EOPNOTSUPP);
	CHECK(matches_cbpf(bad_op, 2, &rc) == -1 && rc == -EINVAL);

	/* Each agrees with libpcap on every packet. */
	const struct {
		const char *name;
		const struct filter_cbpf_insn *p;
		size_t n;
	} same[] = {
		{ "shift by 40", shift40, 4 },
		{ "div by M[3]=0", div_mem0, 4 },
		{ "mem + dead code", mem_dead, 9 },
		{ "ind offset wrap", ind_wrap, 3 },
	};
	for (size_t s = 0; s < sizeof(same) / sizeof(same[0]); s++) {
		struct filter *f;
		long want = 0;

		CHECK(filter_from_cbpf(&f, same[s].p, same[s].n, 1) == 0);
		for (size_t i = 0; i < npkts; i++)
			want += filter_offline_match(f, corpus[i].b,
						     (uint32_t)corpus[i].len,
						     (uint32_t)corpus[i].len);
		filter_free(f);
		long got = matches_cbpf(same[s].p, same[s].n, &rc);
		CHECK_MSG(got == want && rc == 0, "%s: kernel %ld, libpcap %ld (rc %d)",
			  same[s].name, got, want, rc);
	}
	CHECK(matches_cbpf(shift40, 4, &rc) == 0);
	/* libpcap 1.10's interpreter traps on this one (its validator
	 * refuses it); classic semantics say "no match". */
	CHECK(matches_cbpf(div_k0, 3, &rc) == 0 && rc == 0);
	CHECK(matches_cbpf(mem_dead, 9, &rc) == longer_than_14);

	/* The loop outlives the backward-jump budget: loads, never matches. */
	CHECK(matches_cbpf(loop, 6, &rc) == 0 && rc == 0);
	CHECK(matches_cbpf(bad_jump, 2, &rc) == -1 && rc == -EINVAL);
	CHECK(matches_cbpf(bad_mem, 2, &rc) == -1 && rc == -EINVAL);
	CHECK(matches_cbpf(no_ret, 1, &rc) == -1 && rc == -EINVAL);
}

static void test_errors(void)
{
	const char *bad[] = { "tcp port", "host 999.1.1.1", "foo bar",
			      "ip broadcast" };
	struct filter *f = (struct filter *)&f;
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_MSG(filter_compile_on(&f, bad[i], NULL, DLT_EN10MB, SNAPLEN, err,
					 sizeof(err)) == -EINVAL,
			  "'%s' compiled", bad[i]);
		CHECK(f == NULL);
		CHECK_MSG(err[0] != '\0', "'%s': no message", bad[i]);
		printf("'%s': %s\n", bad[i], err);
	}
	/* A small buffer gets a truncated, terminated message. */
	CHECK(filter_compile_on(&f, "foo bar", NULL, DLT_EN10MB, SNAPLEN, err, 8) ==
	      -EINVAL);
	CHECK(strlen(err) == 7);

	/* No prog array: refused before the kernel is asked. */
	CHECK(filter_compile_on(&f, "tcp", NULL, DLT_EN10MB, SNAPLEN, err,
			     sizeof(err)) == 0);
	CHECK(filter_load(f, FILTER_INGRESS, -1, 0, NULL, 0) == -EINVAL);
	filter_free(f);
}

static void test_raw_and_dump(void)
{
	struct filter *f;
	char err[ERRLEN], *text = NULL;
	size_t textlen = 0, lines = 0;
	FILE *mem;
	int fd;

	CHECK(filter_compile_on(&f, "tcp port 443", NULL, DLT_RAW, SNAPLEN, err,
			     sizeof(err)) == 0);
	fd = load(f, FILTER_EGRESS);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	mem = open_memstream(&text, &textlen);
	CHECK(mem && filter_dump(f, mem) == 0);
	if (mem)
		fclose(mem);
	for (size_t i = 0; i < textlen; i++)
		lines += text[i] == '\n';
	CHECK(filter_insn_count(f) > 0 && lines == filter_insn_count(f));
	CHECK(text && strstr(text, "ret"));
	free(text);
	filter_free(f);

	/* NULL and "" both mean everything: one "ret" instruction. */
	CHECK(filter_compile_on(&f, NULL, NULL, DLT_EN10MB, SNAPLEN, err,
			     sizeof(err)) == 0);
	CHECK(filter_insn_count(f) == 1);
	fd = load(f, FILTER_INGRESS);
	CHECK(fd >= 0 && count_matches(fd) == (long)npkts);
	if (fd >= 0)
		close(fd);
	filter_free(f);
}

int main(void)
{
	build_ip4_corpus();
	build_other_corpus();
	build_short_corpus();
	setup_bpf();
	test_errors();
	test_corpus();
	test_ancillary();
	test_handwritten();
	test_raw_and_dump();
	close(array_fd);
	close(stub_fd);
	return test_done("test_filter");
}
