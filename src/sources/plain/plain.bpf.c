// SPDX-License-Identifier: GPL-2.0
/* plain.bpf.c - the plaintext of TLS reads and writes (text mode).
 *
 * OpenSSL: SSL_read/SSL_read_ex/SSL_write/SSL_write_ex, entry (remember
 * the buffer) and return (the byte count; uretprobes are fine on C code).
 * While such a call runs, the first read/write-family system call of the
 * thread names the socket: raw_tp/sys_enter maps the SSL * to that fd
 * (BIO-pair users such as node make no system call there: fd unknown).
 *
 * Go (register ABI, Go 1.17+): crypto/tls.(*Conn).Write at its stack
 * check's JBE (the data is there at entry; the pass that goes to morestack
 * is skipped as in gotls.bpf.c) and (*Conn).Read at the JBE (remember the
 * buffer, keyed by the goroutine: its g pointer, %r14, which stays the same
 * when the goroutine's stack moves) and at each of its RET instructions
 * (found from the pcsp table; never a uretprobe on Go code).  If the
 * buffer lay in the goroutine's stack and the stack moved meanwhile (Read
 * may block, and a stack is copied when it grows or shrinks), the pointer
 * is moved by the same amount as the runtime moves pointers into the stack
 * (copystack: new.hi - old.hi); g.stack {lo, hi} is runtime.g's first
 * field in every Go version. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "sources/plain/plain.h"
#include "proc/want.bpf.h"
#include "sources/counters.bpf.h"

#define EFLAGS_CF 0x01
#define EFLAGS_ZF 0x40

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} plain SEC(".maps");

COUNTERS(PLAIN_N_COUNTERS) /* enum plain_counter */

/* header + one chunk */
struct scratch {
	struct plain_event h;
	__u8 data[PLAIN_CHUNK];
};

/* Per task, not per CPU: a uprobe's program can be preempted (this
 * kernel is PREEMPT_DYNAMIC), and another task's probe on the same CPU
 * would overwrite a per-CPU buffer half-way through (seen under load:
 * chunks under the wrong connection).  A task cannot preempt itself. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline struct scratch *my_scratch(void)
{
	return bpf_task_storage_get(&scratch, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* A call in progress: OpenSSL's by thread id (calls), Go's Read by g
 * pointer (go_reads). */
struct call {
	__u64 conn;
	__u64 buf;
	__u64 len_ptr;   /* SSL_*_ex: size_t *readbytes / *written */
	__u64 stack_lo;  /* Go: the goroutine's stack at entry */
	__u64 stack_hi;
	__u32 dir;
	__u16 ex;
	__u16 lib;       /* enum plain_lib */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct call);
} calls SEC(".maps");

/* Go Reads in progress, by process and g pointer: processes of one
 * binary lay out their heaps alike, so the same g address is common. */
struct go_key {
	__u64 pid;
	__u64 g;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct call);
} go_reads SEC(".maps");

/* SSL * -> the fd its reads and writes use. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __s32);
} ssl_fd SEC(".maps");


#define S_IFMT_ 0170000
#define S_IFSOCK_ 0140000
#define AF_INET_ 2
#define AF_INET6_ 10

/* The addresses of the socket behind fd in the current task, if it is
 * an inet socket (h->family stays 0 otherwise). */
static __always_inline void sock_tuple(struct plain_event *h, __s32 fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds, *f = NULL;
	struct socket *so;
	struct sock *sk;

	h->family = 0;
	if (fd < 0 || !fdt || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f ||
	    (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_) != S_IFSOCK_)
		return;
	so = BPF_CORE_READ(f, private_data);
	sk = so ? BPF_CORE_READ(so, sk) : NULL;
	if (!sk)
		return;
	h->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	h->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	h->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (h->family == AF_INET_) {
		bpf_core_read(h->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(h->raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (h->family == AF_INET6_) {
		bpf_core_read(h->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(h->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		h->family = 0;
	}
}

struct emit_ctx {
	__u64 data;
	__u64 n;
};

/* bpf_loop callback: chunk i of the call (the header is in the scratch
 * already).  1 stops the loop. */
static long emit_chunk(__u32 i, struct emit_ctx *c)
{
	struct scratch *s = my_scratch();
	__u64 off = (__u64)i * PLAIN_CHUNK;
	__u32 len;

	if (!s || off >= c->n)
		return 1;
	len = c->n - off > PLAIN_CHUNK ? PLAIN_CHUNK : (__u32)(c->n - off);
	s->h.offset = (__u32)off;
	s->h.cut = i == PLAIN_MAX_CHUNKS - 1 ? (__u32)(c->n - off - len) : 0;
	asm volatile("" : "+r"(len));
	if (len > PLAIN_CHUNK) /* never: tells the verifier the bound */
		return 1;
	s->h.len = len;
	if (bpf_probe_read_user(s->data, len, (void *)(c->data + off))) {
		count(PLAIN_READ_FAULTS, 1);
		return 1;
	}
	if (bpf_ringbuf_output(&plain, s, sizeof(s->h) + len, 0)) {
		count(PLAIN_RING_FULL, 1);
		return 1;
	}
	count(PLAIN_EVENTS, 1);
	if (s->h.cut)
		count(PLAIN_CUT_BYTES, s->h.cut);
	return 0;
}

/* Sends data[0..n) of a call as chunks (bpf_loop: one verification of
 * the body, not PLAIN_MAX_CHUNKS). */
static __always_inline void emit(__u64 conn, __s32 fd, __u32 dir, __u32 lib,
				 __u64 data, __u64 n)
{
	struct scratch *s = my_scratch();
	__u64 id = bpf_get_current_pid_tgid();
	struct emit_ctx c = { .data = data, .n = n };

	if (!s || !n || n > 0x7fffffff || !want_current())
		return; /* want_current: --pid/--uid/--comm */
	s->h.ts_ns = bpf_ktime_get_ns();
	s->h.conn = conn;
	s->h.pid = id >> 32;
	s->h.tid = (__u32)id;
	s->h.uid = (__u32)bpf_get_current_uid_gid();
	s->h.cgid = bpf_get_current_cgroup_id();
	s->h.fd = fd;
	sock_tuple(&s->h, fd);
	s->h.total = (__u32)n;
	s->h.dir = dir;
	s->h.lib = lib;
	bpf_get_current_comm(s->h.comm, sizeof(s->h.comm));
	bpf_loop(PLAIN_MAX_CHUNKS, emit_chunk, &c, 0);
}

/* ---- OpenSSL ---- */

/* struct call's ex for NSS's ssl_WriteV (PR_Writev on an SSL socket):
 * while it runs, the ssl_Send calls it makes are not shown apart (a
 * compiler may have inlined some of them, so the vectors are shown at its
 * return instead). */
#define CALL_WRITEV 2

SEC("uprobe")
int plain_ossl_enter(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 tid = bpf_get_current_pid_tgid();
	struct call *cur;
	struct call c = {
		.conn = PT_REGS_PARM1(ctx),
		.buf = PT_REGS_PARM2(ctx),
		.len_ptr = PT_REGS_PARM4(ctx),
		.dir = PLAIN_COOKIE_DIR(cookie),
		.ex = PLAIN_COOKIE_EX(cookie),
		.lib = PLAIN_COOKIE_LIB(cookie),
	};

	if (PLAIN_COOKIE_LIB(cookie) == PLAIN_NSS &&
	    (cur = bpf_map_lookup_elem(&calls, &tid)) && cur->ex == CALL_WRITEV)
		return 0; /* ssl_Send inside ssl_WriteV */
	if ((cookie & PLAIN_COOKIE_NSPR_RECV) &&
	    (PT_REGS_PARM4(ctx) & PLAIN_PR_MSG_PEEK)) {
		bpf_map_delete_elem(&calls, &tid); /* nothing to show */
		return 0;
	}
	bpf_map_update_elem(&calls, &tid, &c, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int plain_ossl_ret(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid(), n = 0;
	long ret = PT_REGS_RC(ctx);
	struct call *c = bpf_map_lookup_elem(&calls, &tid);
	__s32 *fd, nofd = -1;

	if (!c || c->ex == CALL_WRITEV)
		return 0; /* (the return of an ssl_Send inside ssl_WriteV) */
	if (c->ex && ret == 1)
		bpf_probe_read_user(&n, sizeof(n), (void *)c->len_ptr);
	else if (!c->ex && ret > 0)
		n = (__u64)ret;
	fd = bpf_map_lookup_elem(&ssl_fd, &c->conn);
	emit(c->conn, fd ? *fd : nofd, c->dir, c->lib, c->buf, n);
	bpf_map_delete_elem(&calls, &tid);
	return 0;
}

/* NSS's ssl_WriteV(PRFileDesc *fd, const PRIOVec *iov, PRInt32 vectors,
 * timeout): the vectors are read at its return, when the byte count is
 * known. */
SEC("uprobe")
int plain_nss_writev_enter(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct call c = {
		.conn = PT_REGS_PARM1(ctx),
		.buf = PT_REGS_PARM2(ctx),
		.len_ptr = PT_REGS_PARM3(ctx), /* the number of vectors */
		.dir = PLAIN_WRITE,
		.ex = CALL_WRITEV,
		.lib = PLAIN_NSS,
	};

	bpf_map_update_elem(&calls, &tid, &c, BPF_ANY);
	return 0;
}

/* NSPR's PRIOVec: { char *iov_base; int iov_len; } */
struct pr_iovec {
	__u64 base;
	__s32 len;
	__s32 pad;
};

struct vec_ctx {
	struct call *c;
	__s32 fd;
	__u64 left;    /* of the bytes the call wrote */
};

/* bpf_loop callback: vector i as a write of its own (as ssl_WriteV's
 * sends would show it).  1 stops the loop. */
static long emit_vec(__u32 i, struct vec_ctx *x)
{
	struct pr_iovec v;
	__u64 n;

	if (!x->left || i >= x->c->len_ptr ||
	    bpf_probe_read_user(&v, sizeof(v), (void *)(x->c->buf + i * sizeof(v))))
		return 1;
	n = v.len > 0 ? (__u64)v.len : 0;
	n = n < x->left ? n : x->left;
	emit(x->c->conn, x->fd, PLAIN_WRITE, PLAIN_NSS, v.base, n);
	x->left -= n;
	return 0;
}

SEC("uretprobe")
int plain_nss_writev_ret(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	long ret = PT_REGS_RC(ctx);
	struct call *c = bpf_map_lookup_elem(&calls, &tid);
	struct vec_ctx x;
	__s32 *fd;

	if (!c || c->ex != CALL_WRITEV)
		return 0;
	fd = bpf_map_lookup_elem(&ssl_fd, &c->conn);
	x.c = c;
	x.fd = fd ? *fd : -1;
	x.left = ret > 0 ? (__u64)ret : 0;
	bpf_loop(PLAIN_NSPR_MAX_IOV, emit_vec, &x, 0);
	bpf_map_delete_elem(&calls, &tid);
	return 0;
}

/* x86-64 system call numbers that move a socket's bytes */
static __always_inline bool io_syscall(long id)
{
	switch (id) {
	case 0: case 1: case 19: case 20:   /* read write readv writev */
	case 44: case 45: case 46: case 47: /* sendto recvfrom sendmsg recvmsg */
		return true;
	}
	return false;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(plain_sys_enter, struct pt_regs *regs, long id)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct call *c;
	__s32 fd;

	if (!io_syscall(id))
		return 0;
	c = bpf_map_lookup_elem(&calls, &tid);
	if (!c)
		return 0;
	fd = (__s32)BPF_CORE_READ(regs, di);
	bpf_map_update_elem(&ssl_fd, &c->conn, &fd, BPF_ANY);
	return 0;
}

/* ---- Go (register ABI) ---- */

/* tls.Conn.conn (a net.Conn) -> *net.TCPConn -> *netFD -> pfd.Sysfd:
 * the interface's data word at +8, TCPConn's first word the *netFD,
 * Sysfd after poll.FD's 16-byte fdMutex.  Stable since Go 1.9; a Conn over
 * something else yields an implausible number, which we drop. */
static __always_inline __s32 go_fd(__u64 conn)
{
	__u64 tcp = 0, nfd = 0;
	__s64 fd = -1;

	if (bpf_probe_read_user(&tcp, sizeof(tcp), (void *)(conn + 8)) || !tcp ||
	    bpf_probe_read_user(&nfd, sizeof(nfd), (void *)tcp) || !nfd ||
	    bpf_probe_read_user(&fd, sizeof(fd), (void *)(nfd + 16)))
		return -1;
	return fd >= 0 && fd < (1 << 24) ? (__s32)fd : -1;
}

SEC("uprobe")
int plain_go_write(struct pt_regs *ctx)
{
	if (ctx->flags & (EFLAGS_CF | EFLAGS_ZF))
		return 0; /* on its way to morestack: it will come back */
	emit(ctx->ax, go_fd(ctx->ax), PLAIN_WRITE, PLAIN_GO, ctx->bx, ctx->cx);
	return 0;
}

SEC("uprobe")
int plain_go_read_enter(struct pt_regs *ctx)
{
	__u64 g = ctx->r14;
	struct go_key k = { bpf_get_current_pid_tgid() >> 32, g };
	struct call c = { .conn = ctx->ax, .buf = ctx->bx, .dir = PLAIN_READ };

	if (ctx->flags & (EFLAGS_CF | EFLAGS_ZF))
		return 0;
	bpf_probe_read_user(&c.stack_lo, sizeof(c.stack_lo), (void *)g);
	bpf_probe_read_user(&c.stack_hi, sizeof(c.stack_hi), (void *)(g + 8));
	bpf_map_update_elem(&go_reads, &k, &c, BPF_ANY);
	return 0;
}

SEC("uprobe")
int plain_go_read_ret(struct pt_regs *ctx)
{
	__u64 g = ctx->r14, hi = 0, buf;
	struct go_key k = { bpf_get_current_pid_tgid() >> 32, g };
	long n = (long)ctx->ax;
	struct call *c = bpf_map_lookup_elem(&go_reads, &k);

	if (!c)
		return 0;
	buf = c->buf;
	bpf_probe_read_user(&hi, sizeof(hi), (void *)(g + 8));
	if (buf >= c->stack_lo && buf < c->stack_hi && hi && hi != c->stack_hi)
		buf += hi - c->stack_hi; /* the stack moved: as copystack does */
	if (n > 0)
		emit(c->conn, go_fd(c->conn), PLAIN_READ, PLAIN_GO, buf, (__u64)n);
	bpf_map_delete_elem(&go_reads, &k);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
