// SPDX-License-Identifier: GPL-2.0
/* openssl.bpf.c - uprobes on libssl (shared or linked in) that copy an
 * SSL object's secrets to user space when they change.
 *
 * Where the secrets are depends on the OpenSSL build: the attach cookie of
 * each probe is its file's slot in `profiles`, which holds the offsets.
 * Sites (docs/openssl.md): the return of SSL_do_handshake (SSL_connect
 * and SSL_accept call it), the entry of SSL_read/SSL_write and their _ex
 * forms (servers driven by BIOs never call the handshake function), and
 * SSL_shutdown/SSL_free as a catch-all, and SSL_get_error in processes
 * that drive TLS through BIO_f_ssl.  User space derives the key-log
 * lines; here we only snapshot and skip what was already sent. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sources/openssl/openssl.h"
#include "proc/want.bpf.h"
#include "sources/counters.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OSSL_MAX_FILES);
	__type(key, __u32);
	__type(value, struct ossl_offsets);
} profiles SEC(".maps"); /* by file slot: the offsets of its build */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} secrets SEC(".maps");

/* What was last sent for an SSL *: a fingerprint of its secrets, and
 * whether they are complete (then read/write probes return at once
 * unless the client random changed: a reused SSL object). */
struct ssl_state {
	__u64 fp[6];
	__u64 client_random0;
	__u32 complete;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct ssl_state);
} sent SEC(".maps");

/* SSL * of a handshake in progress, by thread, for the return probe. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} hs_args SEC(".maps");

/* The snapshot being built, per task: a uprobe's program can be
 * preempted on this kernel (PREEMPT_DYNAMIC), and with a per-CPU buffer
 * another task's probe could rewrite half of it: a line mixing two
 * sessions.  A task cannot preempt itself. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ossl_event);
} scratch SEC(".maps");

COUNTERS(OSSL_N_COUNTERS) /* enum ossl_counter */

static __always_inline __u64 word(const __u8 *p)
{
	return *(const __u64 *)p;
}

static __always_inline int all_zero(const __u8 *p)
{
	const __u64 *w = (const __u64 *)p;

	return !(w[0] | w[1] | w[2] | w[3]);
}

/* Reads what the profile locates; 0 or a negative error. */
static __always_inline int read_ssl(const struct ossl_offsets *o, __u64 ssl,
				    struct ossl_event *e)
{
	__u64 s3 = ssl + o->s3, session = 0, cipher = 0;
	int err = 0;

	err |= bpf_probe_read_user(&e->version, 4, (void *)(ssl + o->version));
	if (o->flags & OSSL_S3_IS_PTR)
		err |= bpf_probe_read_user(&s3, 8, (void *)s3);
	err |= bpf_probe_read_user(e->client_random, 32,
				   (void *)(s3 + o->s3_client_random));
	err |= bpf_probe_read_user(e->server_random, 32,
				   (void *)(s3 + o->s3_client_random - 32));
	err |= bpf_probe_read_user(e->early_secret, OSSL_SECRET_MAX,
				   (void *)(ssl + o->handshake_secret - OSSL_SECRET_MAX));
	err |= bpf_probe_read_user(e->handshake_secret, OSSL_SECRET_MAX,
				   (void *)(ssl + o->handshake_secret));
	err |= bpf_probe_read_user(e->master_secret, OSSL_SECRET_MAX,
				   (void *)(ssl + o->master_secret));
	err |= bpf_probe_read_user(e->handshake_traffic_hash, OSSL_SECRET_MAX,
				   (void *)(ssl + o->handshake_traffic_hash));
	err |= bpf_probe_read_user(e->server_finished_hash, OSSL_SECRET_MAX,
				   (void *)(ssl + o->server_finished_hash));
	err |= bpf_probe_read_user(&session, 8, (void *)(ssl + o->session));
	if (err)
		return -1;
	e->master_key_length = 0;
	e->cipher_id = 0;
	__builtin_memset(e->master_key, 0, sizeof(e->master_key));
	if (!session)
		return 0;
	bpf_probe_read_user(&e->master_key_length, 4,
			    (void *)(session + o->sess_master_key_length));
	bpf_probe_read_user(e->master_key, 48,
			    (void *)(session + o->sess_master_key));
	if (!bpf_probe_read_user(&cipher, 8, (void *)(session + o->sess_cipher)) &&
	    cipher)
		bpf_probe_read_user(&e->cipher_id, 4, (void *)(cipher + o->cipher_id));
	return 0;
}

/* Complete: nothing more can appear for this connection's key log. */
static __always_inline int complete(const struct ossl_event *e)
{
	if (e->version == 0x0304)
		return !all_zero(e->handshake_secret) &&
		       !all_zero(e->master_secret) &&
		       !all_zero(e->server_finished_hash);
	return !all_zero(e->master_key);
}

static __always_inline void fingerprint(const struct ossl_event *e,
					struct ssl_state *st)
{
	st->fp[0] = word(e->client_random) ^ ((__u64)e->version << 32) ^
		    e->cipher_id;
	st->fp[1] = word(e->master_key);
	st->fp[2] = word(e->handshake_secret);
	st->fp[3] = word(e->master_secret);
	st->fp[4] = word(e->handshake_traffic_hash);
	st->fp[5] = word(e->server_finished_hash);
	st->client_random0 = word(e->client_random);
	st->complete = complete(e);
}

static __always_inline int same(const struct ssl_state *a,
				const struct ssl_state *b)
{
	return a->fp[0] == b->fp[0] && a->fp[1] == b->fp[1] &&
	       a->fp[2] == b->fp[2] && a->fp[3] == b->fp[3] &&
	       a->fp[4] == b->fp[4] && a->fp[5] == b->fp[5];
}

/* Fast path of every probe but the handshake's return: the secrets of this
 * SSL * were sent complete and its client random is unchanged. */
static __always_inline int already_complete(const struct ossl_offsets *o,
					    __u64 ssl)
{
	struct ssl_state *st = bpf_map_lookup_elem(&sent, &ssl);
	__u64 s3 = ssl + o->s3, cr = 0;

	if (!st || !st->complete)
		return 0;
	if ((o->flags & OSSL_S3_IS_PTR) &&
	    bpf_probe_read_user(&s3, 8, (void *)s3))
		return 0;
	if (bpf_probe_read_user(&cr, 8, (void *)(s3 + o->s3_client_random)))
		return 0;
	return cr == st->client_random0;
}

static __always_inline int snapshot(void *ctx, __u64 ssl, __u8 site)
{
	__u32 idx = (__u32)bpf_get_attach_cookie(ctx);
	const struct ossl_offsets *o = bpf_map_lookup_elem(&profiles, &idx);
	struct ossl_event *e = bpf_task_storage_get(&scratch,
		bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct ssl_state st = {}, *old;
	__u64 id = bpf_get_current_pid_tgid();

	if (!o || !e || !ssl || !want_current())
		return 0; /* want_current: --pid/--uid/--comm */
	/* Past the handshake's return, a complete SSL * with the same
	 * client random has nothing new: reading it all again costs 4-5 us
	 * at every SSL_shutdown and SSL_free (BPF_STATS). */
	if (site != OSSL_SITE_HANDSHAKE_RET && already_complete(o, ssl))
		return 0;
	if (read_ssl(o, ssl, e)) {
		count(OSSL_READ_FAULTS, 1);
		return 0;
	}
	if (all_zero(e->client_random))
		return 0; /* no handshake yet */
	fingerprint(e, &st);
	old = bpf_map_lookup_elem(&sent, &ssl);
	if (old && same(old, &st))
		return 0;
	bpf_map_update_elem(&sent, &ssl, &st, BPF_ANY);
	e->ts_ns = bpf_ktime_get_ns();
	e->ssl = ssl;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->profile = idx;
	e->site = site;
	e->first = !old;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* No wakeup: the consumer polls every 10 ms; a wakeup per record
	 * costs the traced process ~25 µs (docs/probe-cost.md). */
	if (bpf_ringbuf_output(&secrets, e, sizeof(*e), BPF_RB_NO_WAKEUP))
		count(OSSL_RING_FULL, 1);
	else
		count(OSSL_SENT, 1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ossl_handshake_enter, void *ssl)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)ssl;

	bpf_map_update_elem(&hs_args, &id, &p, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ossl_handshake_ret, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *ssl = bpf_map_lookup_elem(&hs_args, &id);
	__u64 p;

	if (!ssl)
		return 0;
	p = *ssl;
	bpf_map_delete_elem(&hs_args, &id);
	return snapshot(ctx, p, OSSL_SITE_HANDSHAKE_RET);
}

SEC("uprobe")
int BPF_KPROBE(ossl_read, void *ssl)
{
	return snapshot(ctx, (__u64)ssl, OSSL_SITE_READ);
}

SEC("uprobe")
int BPF_KPROBE(ossl_write, void *ssl)
{
	return snapshot(ctx, (__u64)ssl, OSSL_SITE_WRITE);
}

/* Attached per process, to those whose SSL objects show up first at
 * SSL_shutdown/SSL_free (BIO_f_ssl calls SSL_get_error after each of its
 * reads and writes, the first one right after the handshake). */
SEC("uprobe")
int BPF_KPROBE(ossl_get_error, void *ssl)
{
	return snapshot(ctx, (__u64)ssl, OSSL_SITE_ERROR);
}

SEC("uprobe")
int BPF_KPROBE(ossl_shutdown, void *ssl)
{
	return snapshot(ctx, (__u64)ssl, OSSL_SITE_SHUTDOWN);
}

SEC("uprobe")
int BPF_KPROBE(ossl_free, void *ssl)
{
	__u64 p = (__u64)ssl;

	snapshot(ctx, p, OSSL_SITE_FREE);
	bpf_map_delete_elem(&sent, &p);
	return 0;
}

/* SSL_SESSION_get0_cipher(ssl->session) inside a handshake: the early
 * keys are being derived, and the handshake buffer holds the ClientHello
 * (openssl.h, struct ossl_hello).  Other calls (another session, outside
 * a handshake) return at the first test. */

/* The data of the memory BIO whose pointer is at `field`, if it starts
 * as a ClientHello with this random (first 8 bytes cr0) would: a type 1
 * message, the random at offset 6. */
static __always_inline __u64 hello_at(__u64 field, __u32 ptr, __u64 cr0,
				      __u32 *len)
{
	__u64 bio = 0, bbm = 0, readp = 0, data = 0, n = 0, w = 0;
	__u8 type = 0;

	if (bpf_probe_read_user(&bio, 8, (void *)field) || !bio ||
	    bpf_probe_read_user(&bbm, 8, (void *)(bio + ptr)) || !bbm ||
	    bpf_probe_read_user(&readp, 8, (void *)(bbm + 8)) || !readp ||
	    bpf_probe_read_user(&n, 8, (void *)readp) ||
	    bpf_probe_read_user(&data, 8, (void *)(readp + 8)) || !data ||
	    bpf_probe_read_user(&type, 1, (void *)data) || type != 1 ||
	    bpf_probe_read_user(&w, 8, (void *)(data + 6)) || w != cr0)
		return 0;
	*len = n < OSSL_HELLO_MAX ? (__u32)n : OSSL_HELLO_MAX - 1;
	return data;
}

/* s3.handshake_buffer follows client_random and two ints up to 3.1, and
 * client_random at once from 3.2 (the record layer took the ints). */
static __always_inline __u64 hello_buffer(const struct ossl_offsets *o,
					  __u64 s3, __u32 *len)
{
	__u32 ptr = (o->flags & OSSL_S3_IS_PTR) ? OSSL_BIO_PTR_111 : OSSL_BIO_PTR_3;
	__u64 cr = s3 + o->s3_client_random, cr0 = 0, data;

	if (bpf_probe_read_user(&cr0, 8, (void *)cr) || !cr0)
		return 0;
	data = hello_at(cr + 40, ptr, cr0, len);
	return data ? data : hello_at(cr + 32, ptr, cr0, len);
}

SEC("uprobe")
int BPF_KPROBE(ossl_early, void *session)
{
	__u64 id = bpf_get_current_pid_tgid(), sess = 0, s3, data;
	__u64 *ssl = bpf_map_lookup_elem(&hs_args, &id);
	__u32 idx = (__u32)bpf_get_attach_cookie(ctx), len = 0;
	const struct ossl_offsets *o = bpf_map_lookup_elem(&profiles, &idx);
	struct ossl_hello *h;

	if (!ssl || !o || !want_current() ||
	    bpf_probe_read_user(&sess, 8, (void *)(*ssl + o->session)) ||
	    sess != (__u64)session)
		return 0;
	s3 = *ssl + o->s3;
	if ((o->flags & OSSL_S3_IS_PTR) && bpf_probe_read_user(&s3, 8, (void *)s3))
		return 0;
	data = hello_buffer(o, s3, &len);
	if (!data || !len)
		return 0;
	h = bpf_ringbuf_reserve(&secrets, sizeof(*h), 0);
	if (!h) {
		count(OSSL_RING_FULL, 1);
		return 0;
	}
	h->len = len & (OSSL_HELLO_MAX - 1);
	if (bpf_probe_read_user(h->data, h->len & (OSSL_HELLO_MAX - 1), (void *)data) ||
	    bpf_probe_read_user(h->client_random, 32,
				(void *)(s3 + o->s3_client_random)) ||
	    bpf_probe_read_user(h->early_secret, OSSL_SECRET_MAX,
				(void *)(*ssl + o->handshake_secret - OSSL_SECRET_MAX))) {
		bpf_ringbuf_discard(h, 0);
		count(OSSL_READ_FAULTS, 1);
		return 0;
	}
	h->ts_ns = bpf_ktime_get_ns();
	h->ssl = *ssl;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->profile = idx;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	bpf_ringbuf_submit(h, 0);
	count(OSSL_SENT, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
