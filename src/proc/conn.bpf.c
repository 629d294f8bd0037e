// SPDX-License-Identifier: GPL-2.0
/* conn.bpf.c - learn which process owns each socket, in that process's
 * own context, without kprobes or fentry (neither works on locked-down
 * kernels): cgroup socket hooks on the root cgroup v2 and BTF
 * tracepoints.  The capture program reads what this writes (conn.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "proc/conn_maps.bpf.h"
#include "proc/want.bpf.h" /* the owner's marks (tree, cgroup) */

#define AF_INET 2
#define AF_INET6 10
#define TCP_ESTABLISHED 1
#define TCP_CLOSE 7
#define TCP_LISTEN 10

/* The network namespace the capture runs in (its inode number, as
 * /proc/self/ns/net shows it): the flow table only holds flows of that
 * namespace (the capture program learns them there), so a socket of
 * another one with the same addresses and ports must not touch them.
 * 0 = do not check. */
const volatile __u32 capture_netns = 0;

static __always_inline bool our_netns(const struct sock *sk)
{
	return !capture_netns ||
	       sk->__sk_common.skc_net.net->ns.inum == capture_netns;
}

/* The current task as owner, with its cgroup and the marks the
 * process filter reads (proc/want.bpf.h). */
static __always_inline void owner_now(struct conn_owner *o)
{
	__u64 pt = bpf_get_current_pid_tgid();

	o->pid = pt >> 32;
	o->tid = (__u32)pt;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->marks = want_marks_current();
	o->cgid = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/* Record the current task as the owner of an inet TCP/UDP socket. */
static __always_inline void claim(struct bpf_sock *sk)
{
	struct conn_owner *o;

	if (!sk || (sk->family != AF_INET && sk->family != AF_INET6))
		return;
	if (sk->protocol != IPPROTO_TCP && sk->protocol != IPPROTO_UDP)
		return;
	o = bpf_sk_storage_get(&conn_owners, sk, 0,
			       BPF_SK_STORAGE_GET_F_CREATE);
	if (o)
		owner_now(o);
}

/* socket(): the creator, until someone else binds, connects or sends. */
SEC("cgroup/sock_create")
int conn_sock_create(struct bpf_sock *sk)
{
	claim(sk);
	return 1;
}

SEC("cgroup/post_bind4")
int conn_bind4(struct bpf_sock *sk)
{
	claim(sk);
	return 1;
}

SEC("cgroup/post_bind6")
int conn_bind6(struct bpf_sock *sk)
{
	claim(sk);
	return 1;
}

SEC("cgroup/connect4")
int conn_connect4(struct bpf_sock_addr *ctx)
{
	claim(ctx->sk);
	return 1;
}

SEC("cgroup/connect6")
int conn_connect6(struct bpf_sock_addr *ctx)
{
	claim(ctx->sk);
	return 1;
}

/* sendto() on an unconnected UDP socket (a socket passed to another
 * process is claimed by the one that sends). */
SEC("cgroup/sendmsg4")
int conn_sendmsg4(struct bpf_sock_addr *ctx)
{
	claim(ctx->sk);
	return 1;
}

SEC("cgroup/sendmsg6")
int conn_sendmsg6(struct bpf_sock_addr *ctx)
{
	claim(ctx->sk);
	return 1;
}

/* The flow key of a kernel socket, from its own point of view. */
static __always_inline int key_of(const struct sock *sk, struct conn_key *k)
{
	__u16 fam = sk->__sk_common.skc_family;
	__u8 l[16], r[16];
	__u16 sport = 0;
	int i;

	__builtin_memset(k, 0, sizeof(*k));
	k->proto = sk->sk_protocol;
	/* inet_sport, not skc_num: at TCP_CLOSE the port is already given
	 * back (skc_num 0) when the tracepoint runs. */
	bpf_probe_read_kernel(&sport, 2, &((struct inet_sock *)sk)->inet_sport);
	k->lport = bpf_ntohs(sport);
	k->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (fam == AF_INET) {
		k->family = AF_INET;
		bpf_probe_read_kernel(k->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_probe_read_kernel(k->raddr, 4, &sk->__sk_common.skc_daddr);
		return 0;
	}
	if (fam != AF_INET6)
		return -1;
	bpf_probe_read_kernel(l, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	bpf_probe_read_kernel(r, 16, &sk->__sk_common.skc_v6_daddr);
	/* ::ffff:a.b.c.d talks IPv4 on the wire: key it as IPv4. */
	if (l[10] == 0xff && l[11] == 0xff && r[10] == 0xff && r[11] == 0xff &&
	    !(*(__u64 *)l | *(__u16 *)&l[8] | *(__u64 *)r | *(__u16 *)&r[8])) {
		k->family = AF_INET;
		__builtin_memcpy(k->laddr, &l[12], 4);
		__builtin_memcpy(k->raddr, &r[12], 4);
		return 0;
	}
	k->family = AF_INET6;
	for (i = 0; i < 16; i++) {
		k->laddr[i] = l[i];
		k->raddr[i] = r[i];
	}
	return 0;
}

/* listen(): process context, the server.  TCP_CLOSE: in-flight and
 * late packets (FIN, RST, retransmissions, after the process exited)
 * keep their owner for CONN_GRACE_NS.  TCP_ESTABLISHED: whatever the
 * table holds for the tuple (an earlier connection's owner, a handshake
 * that never completed) goes; the next packet asks the new socket. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(conn_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	struct conn_stats *st;
	struct conn_flow *f;
	struct conn_owner *o;
	struct conn_key k;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_LISTEN) {
		o = bpf_sk_storage_get(&conn_owners, (struct sock *)sk, 0,
				       BPF_SK_STORAGE_GET_F_CREATE);
		if (o)
			owner_now(o);
		return 0;
	}
	if ((newstate != TCP_CLOSE && newstate != TCP_ESTABLISHED) ||
	    !our_netns(sk) || key_of(sk, &k) || !k.rport)
		return 0;
	f = bpf_map_lookup_elem(&conn_flows, &k);
	if (!f)
		return 0;
	st = conn_stat();
	if (newstate == TCP_CLOSE && !f->expire_ns) {
		f->expire_ns = bpf_ktime_get_ns() + CONN_GRACE_NS;
		if (st)
			st->closed++;
	} else if (newstate == TCP_ESTABLISHED) {
		bpf_map_delete_elem(&conn_flows, &k);
		if (st)
			st->deleted++;
	}
	return 0;
}

/* The process that sends or receives on a socket is its user: an
 * accepted socket (which started with its listener's owner) gets the
 * process or thread that really serves it, and its cached flow too.
 * Only when the owning process changes is anything written. */
static __always_inline void note_user(struct sock *sk)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct conn_owner *o;
	struct conn_flow *f;
	struct conn_key k;
	__u16 fam;

	if (!sk)
		return;
	fam = sk->__sk_common.skc_family;
	if ((fam != AF_INET && fam != AF_INET6) ||
	    (sk->sk_protocol != IPPROTO_TCP && sk->sk_protocol != IPPROTO_UDP))
		return;
	o = bpf_sk_storage_get(&conn_owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	/* pid only: threads of one process taking turns on a socket would
	 * otherwise rewrite it on every call. */
	if (!o || o->pid == pt >> 32)
		return;
	owner_now(o);
	if (!our_netns(sk) || key_of(sk, &k) || !k.rport)
		return;
	f = bpf_map_lookup_elem(&conn_flows, &k);
	if (f && !f->expire_ns)
		f->owner = *o;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(conn_send, struct sock *sk, int ret, int flags)
{
	if (ret > 0)
		note_user(sk);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(conn_recv, struct sock *sk, int ret, int flags)
{
	if (ret > 0)
		note_user(sk);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
