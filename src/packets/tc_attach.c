// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* tc_attach.c - see tc_attach.h. */
#include "packets/tc_attach.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* enum bpf_attach_type values from Linux 6.6 (not in libbpf 1.1's or
 * linux-libc-dev 6.1's headers). */
#define TLSDUMP_BPF_TCX_INGRESS 46
#define TLSDUMP_BPF_TCX_EGRESS 47

static bool want_legacy(void)
{
	const char *m = getenv("TLSDUMP_TC_MODE");

	return m && !strcmp(m, "clsact");
}

static int attach_tcx(int prog_fd, struct tc_attach *a)
{
	int type = a->egress ? TLSDUMP_BPF_TCX_EGRESS : TLSDUMP_BPF_TCX_INGRESS;
	int fd = bpf_link_create(prog_fd, a->ifindex, type, NULL);

	if (fd < 0)
		return fd;
	a->link_fd = fd;
	return 0;
}

static int attach_clsact(int prog_fd, struct tc_attach *a)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = a->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	/* Priority 1 runs first: a filter of another tool that returns a
	 * verdict (TC_ACT_OK, ...) ends classification, and we must see the
	 * packet before that; ours returns no verdict, so theirs still sees
	 * everything.  If 1 is taken by a different kind of filter, let the
	 * kernel pick (it never replaces another filter: no REPLACE flag). */
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .priority = 1);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	a->made_qdisc = err == 0;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		opts.priority = 0;
		opts.handle = 0;
		opts.prog_id = 0;
		err = bpf_tc_attach(&hook, &opts);
	}
	if (err) {
		if (a->made_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return err;
	}
	a->handle = opts.handle;
	a->priority = opts.priority;
	a->legacy = true;
	return 0;
}

int tc_attach_prog(int prog_fd, int ifindex, bool egress, struct tc_attach *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->egress = egress;
	a->link_fd = -1;
	if (!want_legacy()) {
		err = attach_tcx(prog_fd, a);
		if (!err)
			return 0;
		if (err != -EINVAL && err != -EOPNOTSUPP && err != -524 /* ENOTSUPP */)
			return err;
		log_debug("TCX attach unavailable (%s); using clsact",
			  strerror(-err));
	}
	return attach_clsact(prog_fd, a);
}

void tc_detach_prog(struct tc_attach *a)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = a->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = a->handle,
			    .priority = a->priority);
	int err;

	if (!a->legacy) {
		if (a->link_fd >= 0)
			close(a->link_fd);
		a->link_fd = -1;
		return;
	}
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT && err != -ENODEV)
		log_warn("could not remove tc filter on ifindex %d: %s",
			 a->ifindex, strerror(-err));
	a->legacy = false;
}

/* Number of filters on one clsact hook, by a netlink dump
 * (RTM_GETTFILTER); a chain head reports handle 0 and is not a filter. */
static int count_filters(int ifindex, unsigned parent)
{
	struct {
		struct nlmsghdr n;
		struct tcmsg t;
	} req = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		       .nlmsg_type = RTM_GETTFILTER,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		       .tcm_parent = parent },
	};
	char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int count = 0, done = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
		done = -errno;
	while (!done && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		for (; NLMSG_OK(h, (unsigned)n) && !done; h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				done = 1;
			else if (h->nlmsg_type == NLMSG_ERROR)
				done = -EIO;
			else if (((struct tcmsg *)NLMSG_DATA(h))->tcm_handle)
				count++;
		}
	}
	close(fd);
	return done < 0 ? done : count;
}

void tc_remove_qdisc(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int in = count_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	int eg = count_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	int err;

	/* Another tool may have put filters on the qdisc we made: then it is
	 * theirs too, and it stays. */
	if (in || eg) {
		log_info("leaving the clsact qdisc on ifindex %d: other filters use it (or could not be listed)",
			 ifindex);
		return;
	}
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		log_warn("could not remove the clsact qdisc tlsdump created on ifindex %d: %s",
			 ifindex, strerror(-err));
}
