// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* iface.c - see iface.h. */
#include "packets/iface.h"
#include "out/pcapng.h"

#include <errno.h>
#include <linux/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DLT_EN10MB 1
#define DLT_RAW 12

/* Reads the number in /sys/class/net/NAME/ATTR (decimal or 0x hex). */
static int read_sys(const char *name, const char *attr,
		    unsigned long long *val)
{
	char path[160];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%lli", (long long *)val) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int read_sys_int(const char *name, const char *attr, int *val)
{
	unsigned long long v = 0;
	int err = read_sys(name, attr, &v);

	*val = (int)v;
	return err;
}

/* ARPHRD type -> what TC shows at the start of a packet. */
static void set_linktype(struct iface *ifc)
{
	switch (ifc->arphrd) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		ifc->linktype = PCAPNG_LINKTYPE_ETHERNET;
		ifc->dlt = DLT_EN10MB;
		break;
	case ARPHRD_NONE:
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_RAWIP:
		ifc->linktype = PCAPNG_LINKTYPE_RAW;
		ifc->dlt = DLT_RAW;
		break;
	default:
		ifc->linktype = 0;
		ifc->dlt = 0;
	}
}

static int fill(const char *name, struct iface *ifc)
{
	int flags = 0, carrier = 0, err;

	memset(ifc, 0, sizeof(*ifc));
	if (strlen(name) >= sizeof(ifc->name))
		return -ENODEV;
	strcpy(ifc->name, name);
	ifc->ifindex = (int)if_nametoindex(name);
	if (!ifc->ifindex)
		return -ENODEV;
	err = read_sys_int(name, "type", &ifc->arphrd);
	if (err)
		return err == -ENOENT ? -ENODEV : err;
	read_sys_int(name, "flags", &flags);
	ifc->up = flags & IFF_UP;
	/* IFF_RUNNING is not in sysfs' flags: carrier says it (reading it
	 * fails on a down interface, which is not running either). */
	ifc->running = ifc->up && read_sys_int(name, "carrier", &carrier) == 0 &&
		       carrier == 1;
	ifc->loopback = flags & IFF_LOOPBACK;
	set_linktype(ifc);
	return 0;
}

int iface_by_name(const char *name, struct iface *out)
{
	return fill(name, out);
}

int iface_list(struct iface **out, int *n)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	struct iface *arr;
	int cnt = 0;

	if (!ni)
		return -errno;
	for (p = ni; p->if_index; p++)
		cnt++;
	arr = calloc(cnt ? cnt : 1, sizeof(*arr));
	if (!arr) {
		if_freenameindex(ni);
		return -ENOMEM;
	}
	*n = 0;
	for (p = ni; p->if_index; p++)
		if (fill(p->if_name, &arr[*n]) == 0)
			(*n)++;
	if_freenameindex(ni);
	*out = arr;
	return 0;
}

/* Name of the interface holding the IPv4 default route, from
 * /proc/net/route (destination 00000000, lowest metric). */
static int default_route_iface(char *name, size_t len)
{
	char line[256], ifn[IF_NAMESIZE + 1];
	unsigned long dst, best_metric = ~0UL, metric;
	unsigned flags;
	FILE *f = fopen("/proc/net/route", "re");
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%16s %lx %*x %x %*d %*d %lu", ifn, &dst,
			   &flags, &metric) != 4)
			continue;
		if (dst || !(flags & 1 /* RTF_UP */) || metric >= best_metric)
			continue;
		best_metric = metric;
		snprintf(name, len, "%s", ifn);
		found = 0;
	}
	fclose(f);
	return found;
}

int iface_default(struct iface *out)
{
	char name[IF_NAMESIZE + 1];
	struct iface *all;
	int n, i, err;

	if (default_route_iface(name, sizeof(name)) == 0 &&
	    fill(name, out) == 0 && out->up && out->linktype)
		return 0;
	err = iface_list(&all, &n);
	if (err)
		return err;
	err = -ENODEV;
	for (i = 0; i < n && err; i++)
		if (all[i].up && !all[i].loopback && all[i].linktype) {
			*out = all[i];
			err = 0;
		}
	free(all);
	return err ? fill("lo", out) : 0;
}

int iface_packet_count(const struct iface *ifc, unsigned long long *out)
{
	unsigned long long rx = 0, tx = 0;
	int err = read_sys(ifc->name, "statistics/tx_packets", &tx);

	if (!err && !ifc->loopback)
		err = read_sys(ifc->name, "statistics/rx_packets", &rx);
	*out = rx + tx;
	return err;
}

const char *iface_linktype_name(int linktype)
{
	switch (linktype) {
	case PCAPNG_LINKTYPE_ETHERNET:
		return "EN10MB";
	case PCAPNG_LINKTYPE_RAW:
		return "RAW";
	case PCAPNG_LINKTYPE_LINUX_SLL2:
		return "LINUX_SLL2";
	}
	return "unsupported";
}

int iface_print_list(void)
{
	struct iface *all;
	int n, i, err = iface_list(&all, &n);

	if (err)
		return err;
	for (i = 0; i < n; i++)
		printf("%d.%s [%s%s%s] %s (ARPHRD %d)\n", i + 1, all[i].name,
		       all[i].up ? "Up" : "Down",
		       all[i].running ? ", Running" : "",
		       all[i].loopback ? ", Loopback" : "",
		       iface_linktype_name(all[i].linktype), all[i].arphrd);
	printf("%d.any [Up, Running] LINUX_SLL2 (every interface that is up)\n",
	       n + 1);
	free(all);
	return 0;
}
