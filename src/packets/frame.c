// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* frame.c - see frame.h. */
#include "packets/frame.h"
#include "out/pcapng.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>

#define MAC_HDR 14
#define SLL2_HDR 20

static void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/* EtherType of a packet that starts with its IP header. */
static uint16_t raw_proto(const struct cap_pkt *h, const uint8_t *data)
{
	if (h->caplen && (data[0] >> 4) == 4)
		return ETH_P_IP;
	if (h->caplen && (data[0] >> 4) == 6)
		return ETH_P_IPV6;
	return ntohs(h->protocol);
}

/* TPID of an offloaded tag (older kernels report 0: 802.1Q). */
static uint16_t tpid(const struct cap_pkt *h)
{
	return h->vlan_proto ? ntohs(h->vlan_proto) : ETH_P_8021Q;
}

static void build_sll2(struct frame *f, const struct cap_pkt *h,
		       const uint8_t *data, const struct frame_src *src)
{
	uint32_t strip = 0;
	uint16_t proto;
	uint8_t *p = f->head;

	memset(p, 0, SLL2_HDR);
	if (src->linktype == PCAPNG_LINKTYPE_ETHERNET) {
		strip = h->caplen < MAC_HDR ? h->caplen : MAC_HDR;
		proto = h->caplen >= MAC_HDR ? (uint16_t)(data[12] << 8 | data[13])
					     : ntohs(h->protocol);
		if (h->caplen >= 12) {
			p[11] = 6; /* address length: the source MAC */
			memcpy(p + 12, data + 6, 6);
		}
	} else {
		proto = raw_proto(h, data);
	}
	put32(p + 4, (uint32_t)src->ifindex);
	put16(p + 8, (uint16_t)src->arphrd);
	p[10] = h->dir == TC_DIR_EGRESS ? PACKET_OUTGOING : h->pkt_type;
	f->headlen = SLL2_HDR;
	if (h->vlan_present) { /* tag, then the encapsulated type */
		put16(p + 20, h->vlan_tci);
		put16(p + 22, proto);
		proto = tpid(h);
		f->headlen += 4;
	}
	put16(p, proto);
	f->body = data + strip;
	f->bodylen = h->caplen - strip;
	f->origlen = h->len - (src->linktype == PCAPNG_LINKTYPE_ETHERNET ?
			       MAC_HDR : 0) + f->headlen;
}

/* Keeps head + body within snaplen (the original length stays). */
static void trim(struct frame *f, uint32_t snaplen)
{
	if (f->headlen >= snaplen) {
		f->headlen = snaplen;
		f->bodylen = 0;
	} else if (f->bodylen > snaplen - f->headlen) {
		f->bodylen = snaplen - f->headlen;
	}
}

void frame_build(struct frame *f, const struct cap_pkt *h,
		 const uint8_t *data, const struct frame_src *src,
		 int file_linktype, uint32_t snaplen)
{
	f->dir = h->dir == TC_DIR_EGRESS ? PCAPNG_DIR_OUT : PCAPNG_DIR_IN;
	f->headlen = 0;
	f->body = data;
	f->bodylen = h->caplen;
	f->origlen = h->len;
	if (file_linktype == PCAPNG_LINKTYPE_LINUX_SLL2) {
		build_sll2(f, h, data, src);
	} else if (h->vlan_present && src->linktype == PCAPNG_LINKTYPE_ETHERNET &&
		   h->caplen >= 12) {
		memcpy(f->head, data, 12);
		put16(f->head + 12, tpid(h));
		put16(f->head + 14, h->vlan_tci);
		f->headlen = 16;
		f->body = data + 12;
		f->bodylen = h->caplen - 12;
		f->origlen = h->len + 4;
	}
	trim(f, snaplen);
}
