// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* conn.h - the ABI between conn.bpf.c, the capture program (through
 * conn_maps.bpf.h and attr.bpf.h) and user space (conn.c, seed.c).
 *
 * Which process a packet belongs to, learned without kprobes:
 *  - conn_owners: socket local storage (one struct conn_owner per socket),
 *    written in the owning task's context by cgroup socket hooks (socket(),
 *    bind(), connect(), sendto()), by tp_btf/inet_sock_set_state at
 *    listen(), by the send/recv tracepoints (the process that really uses
 *    an accepted socket), and by the /proc seed for sockets older than us.
 *    Accepted sockets inherit their listener's owner (BPF_F_CLONE).
 *  - conn_flows: the capture path's cache, keyed by the flow as the owning
 *    socket sees it (local, remote).  Filled by the capture program from the
 *    socket on a miss, so that a packet is still attributed once its socket
 *    is gone: TCP entries live until CONN_GRACE_NS after TCP_CLOSE, UDP
 *    entries CONN_GRACE_NS after they were last confirmed by the socket.
 * Fixed-width types only. */
#ifndef TLSDUMP_CONN_H
#define TLSDUMP_CONN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CONN_COMM_LEN 16
#define CONN_MAX_FLOWS 65536u             /* bounded: an LRU evicts past it */
#define CONN_GRACE_NS 3000000000ull       /* attribution kept after close */
#define CONN_MAX_COMMS 8                  /* --comm values the kernel checks */
#define WANT_MAX_TREE 8192u               /* processes of -- CMD at a time */
#define WANT_MAX_CGROUPS 256u             /* --cgroup/--container cgroups */
#define WANT_MAX_DEPTH 16                 /* cgroup levels looked up */

/* conn_owner.marks: what the process filter needs to know of the owner
 * at the time it was recorded (proc/want.bpf.h). */
#define CONN_IN_TREE 1u   /* CMD or one of its descendants */
#define CONN_IN_CGROUP 2u /* in a --cgroup/--container cgroup or below */

/* The process behind a socket. */
struct conn_owner {
	__u32 pid;  /* thread group id; 0 = unknown */
	__u32 tid;
	__u32 uid;  /* real uid */
	__u32 marks; /* CONN_IN_* */
	char comm[CONN_COMM_LEN];
	__u64 cgid; /* cgroup v2 id; 0 = unknown */
};

/* A flow seen from its owning socket; addresses in network byte order
 * (IPv4: the first 4 bytes), ports in host order.  IPv4-mapped IPv6
 * sockets are keyed as IPv4, as their packets are. */
struct conn_key {
	__u8 family;  /* AF_INET, AF_INET6 */
	__u8 proto;   /* IPPROTO_TCP, IPPROTO_UDP */
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u8 laddr[16];
	__u8 raddr[16];
};

struct conn_flow {
	struct conn_owner owner;
	__u64 expire_ns; /* CLOCK_MONOTONIC; 0 = while the socket lives */
};

/* Counters (a per-CPU array, one element). */
struct conn_stats {
	__u64 learned;   /* flows put into conn_flows by the capture path */
	__u64 refreshed; /* expired UDP entries confirmed by their socket */
	__u64 closed;    /* TCP flows that entered their grace period */
	__u64 deleted;   /* entries dropped at TCP_ESTABLISHED (re-learned) */
	__u64 unowned;   /* packets whose socket has no known owner */
};

#ifndef __bpf__
/* User side (conn.c) - process attribution, user side: load conn.bpf.c, attach its
 * programs (cgroup socket hooks on the root of the cgroup v2 hierarchy,
 * BTF tracepoints), seed the sockets that existed before us (seed.h),
 * and hand the maps to the capture program.
 *
 * Lifecycle: proc_open (load, attach, seed) -> proc_maps for
 * capture_open -> proc_close (links and maps go with the skeleton). */

#include <stdint.h>


struct proc;
struct proc_want;

/* 0 or -errno (-EPERM: no permission for BPF).  w: the shared sets whose
 * marks each owner gets (proc/want.h). */
int proc_open(struct proc **out, const struct proc_want *w);
/* The fds of conn_flows, conn_owners and conn_stats. */
void proc_maps(const struct proc *p, int *flows, int *owners, int *stats);
/* Counters summed over CPUs, and the flows in the table now. */
int proc_stats(const struct proc *p, struct conn_stats *out, uint64_t *live);
void proc_close(struct proc *p);
#endif /* !__bpf__ */

#endif
