// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* linkwatch.c - see linkwatch.h. */
#include "packets/linkwatch.h"
#include "packets/iface.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct linkwatch {
	int fd;
};

int linkwatch_open(struct linkwatch **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	struct linkwatch *lw = calloc(1, sizeof(*lw));
	int err;

	if (!lw)
		return -ENOMEM;
	lw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_ROUTE);
	if (lw->fd < 0 || bind(lw->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		linkwatch_close(lw);
		return err;
	}
	*out = lw;
	return 0;
}

int linkwatch_fd(const struct linkwatch *lw)
{
	return lw ? lw->fd : -1;
}

/* IFLA_IFNAME of a link message, or NULL. */
static const char *link_name(struct nlmsghdr *nh)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	struct rtattr *a = IFLA_RTA(ifi);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) > 1 &&
		    RTA_PAYLOAD(a) <= IF_NAMESIZE &&
		    memchr(RTA_DATA(a), 0, RTA_PAYLOAD(a)))
			return RTA_DATA(a);
	return NULL;
}

static int one_message(struct nlmsghdr *nh, linkwatch_fn fn, void *ctx)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const char *name;

	if ((nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK) ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	name = link_name(nh);
	if (!name)
		return 0;
	if (nh->nlmsg_type == RTM_DELLINK)
		return fn(ctx, LINK_GONE, ifi->ifi_index, name);
	return ifi->ifi_flags & IFF_UP ? fn(ctx, LINK_UP, ifi->ifi_index, name) : 0;
}

/* Messages were lost: say so, then every interface that is up now. */
static int resync(linkwatch_fn fn, void *ctx)
{
	struct iface *ifs;
	int n, rc = fn(ctx, LINK_RESYNC, 0, NULL);

	if (rc || iface_list(&ifs, &n))
		return rc;
	for (int i = 0; i < n && !rc; i++)
		if (ifs[i].up)
			rc = fn(ctx, LINK_UP, ifs[i].ifindex, ifs[i].name);
	free(ifs);
	return rc;
}

int linkwatch_read(struct linkwatch *lw, linkwatch_fn fn, void *ctx)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh;
	ssize_t n;
	int rc = 0;

	while (!rc && lw) {
		n = recv(lw->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS) {
			rc = resync(fn, ctx);
			continue;
		}
		if (n <= 0)
			break; /* EAGAIN: all read */
		for (nh = (struct nlmsghdr *)buf; !rc && NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n))
			rc = one_message(nh, fn, ctx);
	}
	return rc;
}

void linkwatch_close(struct linkwatch *lw)
{
	if (!lw)
		return;
	if (lw->fd >= 0)
		close(lw->fd);
	free(lw);
}
