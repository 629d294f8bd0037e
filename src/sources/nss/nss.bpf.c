// SPDX-License-Identifier: GPL-2.0
/* nss.bpf.c - uprobes on NSS's libssl3 and freebl (nss.h; docs/nss.md).
 *
 * freebl's probes keep, per thread, the latest HMAC output (read at
 * HMAC_Destroy from the context's outer hash, sha.h) and the latest
 * 48-byte TLS PRF secret; ssl3_RecordKeyLog(ss, label, secret),
 * which NSS calls right after deriving each secret, sends the one its
 * label needs with the socket's client random, and forgets it (so a
 * secret is never sent twice, nor for another label).  The attach cookie
 * is the file's slot in `offsets`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sources/nss/nss.h"
#include "proc/want.bpf.h"
#include "sources/counters.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSS_MAX_FILES);
	__type(key, __u32);
	__type(value, struct nss_offsets);
} offsets SEC(".maps"); /* by file slot */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct nss_thread);
} threads SEC(".maps"); /* by pid_tgid */

COUNTERS(NSS_N_COUNTERS) /* enum nss_counter */

static __always_inline struct nss_thread *thread_state(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct nss_thread *t = bpf_map_lookup_elem(&threads, &id), zero = {};

	if (t)
		return t;
	bpf_map_update_elem(&threads, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&threads, &id);
}

/* The secret of a TLS PRF (a SECItem: data, len): a TLS 1.2 master
 * secret when it is 48 bytes and the Finished computation is its PRF. */
static __always_inline int keep_key(const void *item)
{
	struct { __u64 data; __u32 len; } it = {};
	struct nss_thread *t;

	if (!item || bpf_probe_read_user(&it, sizeof(it), (void *)((__u64)item + 8)) ||
	    it.len != NSS_SECRET_MAX || !want_current())
		return 0;
	t = thread_state();
	if (!t)
		return 0;
	if (bpf_probe_read_user(t->key, NSS_SECRET_MAX, (void *)it.data)) {
		t->key_len = 0;
		count(NSS_READ_FAULTS, 1);
		return 0;
	}
	t->key_len = NSS_SECRET_MAX;
	count(NSS_KEPT, 1);
	return 0;
}

/* TLS_PRF(secret, label, seed, result, fips): TLS 1.0 and 1.1. */
SEC("uprobe")
int BPF_KPROBE(nss_prf, const void *secret)
{
	return keep_key(secret);
}

/* TLS_P_hash(hash, secret, label, seed, result, fips): TLS 1.2. */
SEC("uprobe")
int BPF_KPROBE(nss_p_hash, int hash, const void *secret)
{
	return keep_key(secret);
}

/* The layout of cx's hash context when it is SHA-256 or SHA-384 (by
 * its SECHashObject's length and type), else NULL. */
static __always_inline const struct nss_sha_layout *
hmac_hash(const struct nss_offsets *o, void *cx, __u64 *hash, __u32 *len)
{
	__u64 hashobj = 0;
	__u32 type = 0;

	if (bpf_probe_read_user(hash, 8, (void *)((__u64)cx + o->hash_off)) ||
	    bpf_probe_read_user(&hashobj, 8, (void *)((__u64)cx + o->hashobj_off)) ||
	    bpf_probe_read_user(len, 4, (void *)hashobj) ||
	    bpf_probe_read_user(&type, 4, (void *)(hashobj + NSS_HASHOBJ_TYPE)))
		return NULL;
	if (*len == 32 && type == NSS_HASH_ALG_SHA256)
		return &o->sha[NSS_SHA256];
	if (*len == 48 && type == NSS_HASH_ALG_SHA384)
		return &o->sha[NSS_SHA384];
	return NULL;
}

/* Whether the hash context is an HMAC's outer hash right after its End
 * (HMAC_Finish done): its counter and final block say so (sha.h). */
static __always_inline bool after_end(const struct nss_sha_layout *s,
				      __u64 hash)
{
	__u64 count = 0, tail[2] = {};

	if (bpf_probe_read_user(&count, 8, (void *)(hash + s->count_off)) ||
	    bpf_probe_read_user(tail, 16, (void *)(hash + s->tail_off)))
		return false;
	return count == s->count_end && tail[0] == 0 &&
	       (tail[1] == s->tail_end[0] || tail[1] == s->tail_end[1]);
}

/* HMAC_Destroy(cx, freeit): after HMAC_Finish, cx->hash holds the outer
 * hash's state after End, whose h[] is the HMAC's output in output byte
 * order (sha.h); anything else keeps nothing. */
SEC("uprobe")
int BPF_KPROBE(nss_hmac_destroy, void *cx)
{
	__u32 file = (__u32)bpf_get_attach_cookie(ctx);
	const struct nss_offsets *o = bpf_map_lookup_elem(&offsets, &file);
	const struct nss_sha_layout *s;
	struct nss_thread *t;
	__u64 hash = 0;
	__u32 len = 0;
	int err;

	if (!o || !cx)
		return 0;
	s = hmac_hash(o, cx, &hash, &len);
	if (!s || !hash || !want_current())
		return 0;
	t = thread_state();
	if (!t)
		return 0;
	t->out_len = 0;
	if (!after_end(s, hash)) {
		count(NSS_UNFINISHED, 1);
		return 0;
	}
	if (len == 32)
		err = bpf_probe_read_user(t->out, 32, (void *)(hash + s->h_off));
	else
		err = bpf_probe_read_user(t->out, 48, (void *)(hash + s->h_off));
	t->out_len = err ? 0 : len;
	count(err ? NSS_READ_FAULTS : NSS_KEPT, 1);
	return 0;
}

static __always_inline bool is_client_random(const char *label)
{
	static const char cr[] = "CLIENT_RANDOM";

#pragma unroll
	for (int i = 0; i < (int)sizeof(cr); i++)
		if (label[i] != cr[i])
			return false;
	return true;
}

/* The secret the label needs, moved from the thread's state into e:
 * 0, or -1 when there is none. */
static __always_inline int take_secret(struct nss_thread *t,
				       struct nss_event *e)
{
	bool cr = is_client_random(e->label);

	if (cr && t->key_len == NSS_SECRET_MAX) {
		__builtin_memcpy(e->secret, t->key, NSS_SECRET_MAX);
		e->secret_len = NSS_SECRET_MAX;
		t->key_len = 0;
		return 0;
	}
	if (!cr && (t->out_len == 32 || t->out_len == 48)) {
		__builtin_memcpy(e->secret, t->out, NSS_SECRET_MAX);
		e->secret_len = (__u8)t->out_len;
		t->out_len = 0;
		return 0;
	}
	return -1;
}

static __always_inline void fill(struct nss_event *e, __u64 ss, __u32 file)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->ts_ns = bpf_ktime_get_ns();
	e->socket = ss;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->file = file;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

SEC("uprobe")
int BPF_KPROBE(nss_keylog, void *ss, const char *label)
{
	__u32 file = (__u32)bpf_get_attach_cookie(ctx);
	const struct nss_offsets *o = bpf_map_lookup_elem(&offsets, &file);
	__u64 id = bpf_get_current_pid_tgid();
	struct nss_thread *t = bpf_map_lookup_elem(&threads, &id);
	struct nss_event *e;

	if (!o || !ss || !want_current())
		return 0;
	e = bpf_ringbuf_reserve(&keys, sizeof(*e), 0);
	if (!e) {
		count(NSS_RING_FULL, 1);
		return 0;
	}
	__builtin_memset(e->label, 0, sizeof(e->label));
	if (bpf_probe_read_user_str(e->label, sizeof(e->label), label) <= 0 ||
	    bpf_probe_read_user(e->client_random, 32,
				(void *)((__u64)ss + o->cr_off))) {
		count(NSS_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	if (!t || take_secret(t, e)) {
		count(NSS_NO_SECRET, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	fill(e, (__u64)ss, file);
	/* No wakeup: the consumer polls every 10 ms (docs/probe-cost.md). */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	count(NSS_SENT, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
