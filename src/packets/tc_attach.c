/* tc_attach.c - see tc_attach.h. */
#include "packets/tc_attach.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	a->made_qdisc = err == 0;
	/* handle and priority 0: the kernel picks free ones, so we never
	 * replace another tool's filter. */
	err = bpf_tc_attach(&hook, &opts);
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

void tc_remove_qdisc(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = bpf_tc_hook_destroy(&hook);

	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		log_warn("could not remove the clsact qdisc tlsdump created on ifindex %d: %s",
			 ifindex, strerror(-err));
}
