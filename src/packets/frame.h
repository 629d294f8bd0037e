// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* frame.h - turn a captured record into the bytes of the file's link
 * type, without copying the packet: a small synthesized head plus the
 * packet body as it sits in the ring.
 *
 *  - Same link type: the packet as captured; when the 802.1Q tag was
 *    offloaded (skb->vlan_present) it is put back after the MACs, as
 *    libpcap does, so the file shows the frame as it was on the wire.
 *  - LINKTYPE_LINUX_SLL2 (-i any, mixed interfaces): the 20-byte SLL2
 *    header (www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html) replaces
 *    the MAC header.
 *  - The tag keeps its own TPID (802.1Q 0x8100 or 802.1ad 0x88a8). */
#ifndef TLSDUMP_FRAME_H
#define TLSDUMP_FRAME_H

#include <stdint.h>

#include "packets/tc.h"

struct frame_src {
	int linktype;  /* of the interface: ETHERNET or RAW */
	int arphrd;
	int ifindex;
};

struct frame {
	uint8_t head[32];
	uint32_t headlen;
	const uint8_t *body;
	uint32_t bodylen;
	uint32_t origlen; /* length on the wire in the file's link type */
	int dir;          /* enum pcapng_dir */
};

/* snaplen bounds what the file holds (head + body): the kernel cut the
 * packet at snaplen, and a synthesized header may be longer than the one
 * it replaces. */
void frame_build(struct frame *f, const struct cap_pkt *h,
		 const uint8_t *data, const struct frame_src *src,
		 int file_linktype, uint32_t snaplen);

#endif
