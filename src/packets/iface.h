// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* iface.h - network interfaces: discovery, link types, the default.
 *
 * Link types at TC (docs/pcapng.md): Ethernet and loopback
 * devices show a 14-byte MAC header (LINKTYPE_ETHERNET, filters compiled
 * for DLT_EN10MB); devices without one (tun, ipip, sit, gre, rawip) show
 * the IP header first (LINKTYPE_RAW, DLT_RAW). */
#ifndef TLSDUMP_IFACE_H
#define TLSDUMP_IFACE_H

#include <net/if.h>
#include <stdbool.h>

struct iface {
	char name[IF_NAMESIZE];
	int ifindex;
	int arphrd;    /* ARPHRD_* from /sys/class/net/NAME/type */
	int linktype;  /* PCAPNG_LINKTYPE_ETHERNET or _RAW; 0 = unsupported */
	int dlt;       /* DLT for filter compilation (1 or 12) */
	bool up, running, loopback;
	bool gone;     /* went away during the capture */
	unsigned long long packets_at_start; /* iface_packet_count at start */
};

/* Fills *out with every interface (malloc'd array, *n entries); 0/-errno. */
int iface_list(struct iface **out, int *n);
/* Looks one interface up by name; -ENODEV when it does not exist. */
int iface_by_name(const char *name, struct iface *out);
/* The default: the default route's interface if up, else the first up
 * non-loopback interface, else lo.  0 or -errno. */
int iface_default(struct iface *out);
/* Packets the interface has handled (rx + tx; lo: tx only, as it sees
 * each packet both ways), from /sys/class/net/NAME/statistics. */
int iface_packet_count(const struct iface *ifc, unsigned long long *out);
/* Short name of a link type ("EN10MB", "RAW", "LINUX_SLL2"). */
const char *iface_linktype_name(int linktype);
/* Prints the -D listing to stdout. */
int iface_print_list(void);

#endif
