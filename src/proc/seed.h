// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* seed.h - sockets that were open before tlsdump started: found in
 * /proc (every process's fds that are "socket:[INODE]"), each one's owner
 * written into its socket storage (conn_owners), so that the capture
 * program attributes their packets like those of new sockets.
 *
 * A socket is reached with pidfd_getfd() (a duplicate of the owner's fd,
 * closed at once): its family, protocol, addresses and cookie come from
 * the socket itself, in whatever network namespace it lives. */
#ifndef TLSDUMP_SEED_H
#define TLSDUMP_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "proc/conn.h"

struct seed_sock {
	uint32_t pid;
	int32_t fd;
	uint64_t inode;
	uint64_t cookie;      /* SO_COOKIE: what bpf_get_socket_cookie sees */
	struct conn_key key;  /* rport 0 and raddr zero: not connected */
};

/* Called for each socket seeded (for the -vv log, or a test). */
struct seed_each {
	void (*fn)(void *ctx, const struct seed_sock *s);
	void *ctx;
};

struct seed_stats {
	unsigned procs, sockets, failed;
};

/* Walks /proc; each inet TCP/UDP socket gets an owner in owners_fd
 * (unless it has one: the hooks know better; -1: none written), with its
 * cgroup id and, when its cgroup or one above it is in the set cg_fd
 * (-1: no --cgroup/--container), the mark CONN_IN_CGROUP; each is passed
 * to each->fn (each may be NULL). */
int seed_sockets(int owners_fd, int cg_fd, const struct seed_each *each,
		 struct seed_stats *st);

#endif
