// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* conn.c - see conn.h (user side). */
#include "bpfobj.h"
#include "proc/conn.h"
#include "proc/seed.h"
#include "proc/cgroup.h"
#include "proc/want.h"
#include "proc/conn.skel.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_LINKS 16

struct proc {
	struct conn_bpf *skel;
	struct bpf_link *links[N_LINKS];
	int n_links;
};

/* The root of the cgroup v2 hierarchy as an fd.  `ip netns exec` hides
 * /sys/fs/cgroup behind a fresh sysfs: then mount cgroup2 for a moment on
 * a private folder (ip netns exec runs us in our own mount namespace). */
static int cgroup_root_fd(void)
{
	char dir[] = "/tmp/tlsdump-cg.XXXXXX", mnt[PATH_MAX];
	int fd = -1;

	if (!cgroup_v2_dir(mnt, sizeof(mnt)))
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 || !mkdtemp(dir))
		return fd >= 0 ? fd : -errno;
	if (mount("none", dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) == 0) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		umount2(dir, MNT_DETACH);
	} else {
		fd = -errno;
	}
	rmdir(dir);
	return fd;
}

static int add_link(struct proc *p, struct bpf_link *l, const char *what)
{
	if (!l) {
		int err = -errno;

		log_err("cannot attach the process attribution (%s): %s",
			what, strerror(-err));
		return err;
	}
	p->links[p->n_links++] = l;
	return 0;
}

static int attach_all(struct proc *p)
{
	struct conn_bpf *s = p->skel;
	struct bpf_program *cg[] = {
		s->progs.conn_sock_create, s->progs.conn_bind4,
		s->progs.conn_bind6, s->progs.conn_connect4,
		s->progs.conn_connect6, s->progs.conn_sendmsg4,
		s->progs.conn_sendmsg6,
	};
	struct bpf_program *tp[] = { s->progs.conn_state, s->progs.conn_send,
				     s->progs.conn_recv };
	int cgfd = cgroup_root_fd(), err = 0;
	size_t i;

	if (cgfd < 0) {
		log_err("cannot open the cgroup v2 root: %s", strerror(-cgfd));
		return cgfd;
	}
	for (i = 0; i < sizeof(cg) / sizeof(cg[0]) && !err; i++)
		err = add_link(p, bpf_program__attach_cgroup(cg[i], cgfd),
			       bpf_program__name(cg[i]));
	close(cgfd); /* the links hold the cgroup */
	for (i = 0; i < sizeof(tp) / sizeof(tp[0]) && !err; i++)
		err = add_link(p, bpf_program__attach(tp[i]),
			       bpf_program__name(tp[i]));
	return err;
}

int proc_open(struct proc **out, const struct proc_want *w)
{
	struct proc *p = calloc(1, sizeof(*p));
	struct seed_stats ss;
	int err;

	if (!p)
		return -ENOMEM;
	err = BPFOBJ_OPEN(conn_bpf, &p->skel);
	if (!err) {
		struct stat st;

		if (stat("/proc/self/ns/net", &st) == 0)
			p->skel->rodata->capture_netns = (uint32_t)st.st_ino;
		/* only the marks: the filter itself is the capture's */
		p->skel->rodata->want_tree_on = w->tree;
		p->skel->rodata->want_cg_on = w->cgroups;
		err = want_share_maps(p->skel->maps.want_tree,
				      p->skel->maps.want_cgroups, w);
		err = err ?: conn_bpf__load(p->skel);
	}
	/* Hooks first, then the seed: a socket made in between is seen by
	 * the hooks, and the seed never overwrites what they wrote. */
	if (!err)
		err = attach_all(p);
	if (!err) {
		seed_sockets(bpf_map__fd(p->skel->maps.conn_owners),
			     w->cgroups ? w->cg_fd : -1, NULL,
			     &ss);
		log_debug("process attribution: %u sockets of %u processes seeded (%u not readable)",
			  ss.sockets, ss.procs, ss.failed);
	}
	if (err) {
		proc_close(p);
		return err;
	}
	*out = p;
	return 0;
}

void proc_maps(const struct proc *p, int *flows, int *owners, int *stats)
{
	*flows = bpf_map__fd(p->skel->maps.conn_flows);
	*owners = bpf_map__fd(p->skel->maps.conn_owners);
	*stats = bpf_map__fd(p->skel->maps.conn_stats);
}

static uint64_t count_flows(int fd)
{
	struct conn_key k, next;
	uint64_t n = 0;
	void *prev = NULL;

	while (n <= CONN_MAX_FLOWS && !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

int proc_stats(const struct proc *p, struct conn_stats *out, uint64_t *live)
{
	/* struct conn_stats is __u64 counters only */
	int err = bpfobj_counters(p->skel->maps.conn_stats, 0, (uint64_t *)out,
				  sizeof(*out) / sizeof(uint64_t));

	if (err)
		return err;
	*live = count_flows(bpf_map__fd(p->skel->maps.conn_flows));
	return 0;
}

void proc_close(struct proc *p)
{
	int i;

	if (!p)
		return;
	for (i = p->n_links - 1; i >= 0; i--)
		bpf_link__destroy(p->links[i]);
	BPFOBJ_CLOSE(conn_bpf, p->skel, NULL);
	free(p);
}
