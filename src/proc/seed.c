// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* seed.c - see seed.h. */
#include "proc/seed.h"
#include "proc/procfs.h"
#include "proc/cgroup.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


/* A small file of /proc/PID, NUL-terminated; length or -errno. */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static int owner_of(int piddir, uint32_t pid, struct conn_owner *o)
{
	char buf[4096];
	ssize_t n;

	memset(o, 0, sizeof(*o));
	o->pid = o->tid = pid;
	n = read_small(piddir, "status", buf, sizeof(buf));
	if (n < 0 || procfs_status_uid(buf, (size_t)n, &o->uid))
		return -ENOENT;
	n = read_small(piddir, "comm", buf, sizeof(buf));
	if (n <= 0)
		return -ENOENT;
	if (buf[n - 1] == '\n')
		n--;
	memcpy(o->comm, buf, n < CONN_COMM_LEN ? (size_t)n : CONN_COMM_LEN - 1);
	return 0;
}

/* The owner's cgroup id, and CONN_IN_CGROUP when it or a cgroup above
 * it is in the set cg_fd (-1: none), as conn.bpf.c marks new owners. */
static void cgroup_of(int piddir, int cg_fd, struct conn_owner *o)
{
	char buf[4096], path[PATH_MAX], rel[PATH_MAX];
	uint64_t id;
	uint8_t v;
	ssize_t n = read_small(piddir, "cgroup", buf, sizeof(buf));

	if (n <= 0 || procfs_cgroup_v2(buf, (size_t)n, path, sizeof(path)) ||
	    cgroup_lookup(path, &id, rel, sizeof(rel)))
		return;
	o->cgid = id;
	while (cg_fd >= 0) {
		char *up = strrchr(path, '/');

		if (!cgroup_lookup(path, &id, rel, sizeof(rel)) &&
		    !bpf_map_lookup_elem(cg_fd, &id, &v)) {
			o->marks |= CONN_IN_CGROUP;
			return;
		}
		if (!up || !path[1])
			return; /* the root was the last to look at */
		up[up == path] = 0; /* one level up */
	}
}

static void addr_of(const struct sockaddr_storage *ss, uint8_t a[16],
		    uint16_t *port, uint8_t *family)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		memcpy(a, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		*family = AF_INET;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		*port = ntohs(in6->sin6_port);
		if (!memcmp(&in6->sin6_addr, mapped, 12)) { /* as conn.bpf.c */
			memcpy(a, (const uint8_t *)&in6->sin6_addr + 12, 4);
			*family = AF_INET;
		} else {
			memcpy(a, &in6->sin6_addr, 16);
			*family = AF_INET6;
		}
	}
}

/* Family, protocol, flow and cookie of a duplicated socket fd; -1 when it
 * is not an inet TCP/UDP socket. */
static int describe(int sfd, struct seed_sock *r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int);
	int dom = 0, proto = 0;
	uint8_t fam = 0;

	if (getsockopt(sfd, SOL_SOCKET, SO_DOMAIN, &dom, &len) ||
	    (dom != AF_INET && dom != AF_INET6))
		return -1;
	len = sizeof(int);
	if (getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) ||
	    (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return -1;
	r->key.proto = (uint8_t)proto;
	len = sizeof(r->cookie);
	getsockopt(sfd, SOL_SOCKET, SO_COOKIE, &r->cookie, &len);
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (!getsockname(sfd, (struct sockaddr *)&ss, &len))
		addr_of(&ss, r->key.laddr, &r->key.lport, &r->key.family);
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (!getpeername(sfd, (struct sockaddr *)&ss, &len))
		addr_of(&ss, r->key.raddr, &r->key.rport, &fam);
	return 0;
}

/* One process's socket fds. */
static void seed_proc(int owners_fd, int cg_fd, uint32_t pid, int piddir,
		      const struct seed_each *each, struct seed_stats *st)
{
	int fdd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int pidfd = -1, sfd;
	struct conn_owner o;
	struct dirent *e;
	char link[64];
	DIR *d = fdd >= 0 ? fdopendir(fdd) : NULL;

	if (!d) {
		if (fdd >= 0)
			close(fdd);
		return;
	}
	while ((e = readdir(d))) {
		struct seed_sock r = { .pid = pid };
		ssize_t n = readlinkat(fdd, e->d_name, link, sizeof(link) - 1);

		if (n <= 0)
			continue;
		link[n] = 0;
		if (procfs_socket_inode(link, &r.inode))
			continue;
		if (pidfd < 0) { /* the first socket: who is this? */
			if (owner_of(piddir, pid, &o) ||
			    (pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
				break;
			cgroup_of(piddir, cg_fd, &o);
			st->procs++;
		}
		r.fd = atoi(e->d_name);
		sfd = (int)syscall(SYS_pidfd_getfd, pidfd, r.fd, 0);
		if (sfd < 0) {
			st->failed++;
			continue;
		}
		if (!describe(sfd, &r)) {
			/* BPF_NOEXIST: a hook that ran since we attached knows
			 * better than this snapshot. */
			bpf_map_update_elem(owners_fd, &sfd, &o, BPF_NOEXIST);
			if (each)
				each->fn(each->ctx, &r);
			st->sockets++;
		}
		close(sfd);
	}
	if (pidfd >= 0)
		close(pidfd);
	closedir(d);
}

int seed_sockets(int owners_fd, int cg_fd, const struct seed_each *each,
		 struct seed_stats *st)
{
	DIR *d = opendir("/proc");
	uint32_t self = (uint32_t)getpid();
	struct dirent *e;

	memset(st, 0, sizeof(*st));
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(e->d_name, &end, 10);
		int piddir;

		if (*end || !pid || pid == self || pid > UINT32_MAX)
			continue;
		piddir = openat(dirfd(d), e->d_name,
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (piddir < 0)
			continue;
		seed_proc(owners_fd, cg_fd, (uint32_t)pid, piddir, each, st);
		close(piddir);
	}
	closedir(d);
	return 0;
}
