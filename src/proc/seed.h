// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* seed.h - sockets that were open before tlsdump started: found in
 * /proc (every process's fds that are "socket:[INODE]"), each one's owner
 * written into its socket storage (conn_owners), so that the capture
 * program attributes their packets like those of new sockets.
 *
 * A socket is reached with pidfd_getfd() (a duplicate of the owner's fd,
 * closed at once): its family, protocol, addresses and cookie come from
 * the socket itself, in whatever network namespace it lives.  The table
 * kept (pid+fd -> flow, socket -> pid+fd) lets TLS events, which know an
 * SSL* and its fd, be tied to their connection. */
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

struct seed_table {
	struct seed_sock *v;
	size_t n, cap;
};

struct seed_stats {
	unsigned procs, sockets, failed;
};

/* Walks /proc; each inet TCP/UDP socket gets an owner in owners_fd
 * (unless it has one: the hooks know better).  tab may be NULL. */
int seed_sockets(int owners_fd, struct seed_table *tab, struct seed_stats *st);
const struct seed_sock *seed_by_fd(const struct seed_table *t, uint32_t pid,
				   int fd);
/* The same for one fd of a running process, now (for sockets newer than
 * the seed: an SSL*'s fd seen by a TLS probe).  0, -ENOTSOCK (not an inet
 * TCP/UDP socket) or -errno. */
int seed_one(uint32_t pid, int fd, struct seed_sock *out);
const struct seed_sock *seed_by_inode(const struct seed_table *t,
				      uint64_t inode);
void seed_table_free(struct seed_table *t);

#endif
