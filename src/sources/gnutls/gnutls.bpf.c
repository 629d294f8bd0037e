// SPDX-License-Identifier: GPL-2.0
/* gnutls.bpf.c - uprobes on libgnutls (docs/gnutls.md).
 *
 * _gnutls_call_keylog_func(session, label, secret, size) sees every
 * secret GnuTLS derives, with its key-log label, whether or not the
 * program set SSLKEYLOGFILE or a callback of its own: copy label, secret
 * and the session's client random.  A resumed TLS 1.2 session derives no
 * new master secret and never calls it: the return of gnutls_handshake
 * (0: done) copies the master secret of sessions below TLS 1.3; user
 * space drops what it already has.  The attach cookie is the file's slot
 * in `offsets`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sources/gnutls/gnutls.h"
#include "proc/want.bpf.h"
#include "sources/counters.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GNUTLS_MAX_FILES);
	__type(key, __u32);
	__type(value, struct gnutls_offsets);
} offsets SEC(".maps"); /* by file slot */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} keys SEC(".maps");

/* The session of a gnutls_handshake in progress, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} hs_args SEC(".maps");

COUNTERS(GNUTLS_N_COUNTERS) /* enum gnutls_counter */

/* A reserved event with what every site fills, or NULL. */
static __always_inline struct gnutls_event *
start_event(const struct gnutls_offsets *o, __u64 session, __u8 site, __u32 file)
{
	struct gnutls_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	e = bpf_ringbuf_reserve(&keys, sizeof(*e), 0);
	if (!e) {
		count(GNUTLS_RING_FULL, 1);
		return NULL;
	}
	if (bpf_probe_read_user(e->client_random, 32,
				(void *)(session + o->client_random))) {
		count(GNUTLS_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->session = session;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->file = file;
	e->site = site;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* No wakeup: the consumer polls every 10 ms; a wakeup per record
 * costs the traced process ~25 us (docs/probe-cost.md). */
static __always_inline void send(struct gnutls_event *e)
{
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	count(GNUTLS_SENT, 1);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_keylog, void *session, const char *label,
	       const void *secret, __u32 size)
{
	__u32 file = (__u32)bpf_get_attach_cookie(ctx);
	const struct gnutls_offsets *o = bpf_map_lookup_elem(&offsets, &file);
	struct gnutls_event *e;
	__u64 len;

	if (!o || !session || !want_current())
		return 0;
	if (size == 0 || size > GNUTLS_SECRET_MAX) {
		count(GNUTLS_BAD_ARGS, 1);
		return 0;
	}
	e = start_event(o, (__u64)session, GNUTLS_SITE_KEYLOG, file);
	if (!e)
		return 0;
	e->secret_len = (__u8)size;
	len = size;
	asm volatile("" : "+r"(len)); /* keep the mask: the verifier needs it */
	len &= GNUTLS_SECRET_BUF - 1;
	if (bpf_probe_read_user_str(e->label, sizeof(e->label), label) <= 0 ||
	    bpf_probe_read_user(e->secret, len, secret)) {
		count(GNUTLS_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	send(e);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(gnutls_handshake_enter, void *session)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)session;

	bpf_map_update_elem(&hs_args, &id, &p, BPF_ANY);
	return 0;
}

static __always_inline bool master_secret_version(__s32 id)
{
	return (id >= GNUTLS_ID_SSL3 && id <= GNUTLS_ID_TLS12) ||
	       (id >= GNUTLS_ID_DTLS0_9 && id <= GNUTLS_ID_DTLS12);
}

SEC("uretprobe")
int BPF_KRETPROBE(gnutls_handshake_ret, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *sp, session, pv = 0;
	__u32 file = (__u32)bpf_get_attach_cookie(ctx);
	const struct gnutls_offsets *o = bpf_map_lookup_elem(&offsets, &file);
	struct gnutls_event *e;
	__s32 ver = 0;

	sp = bpf_map_lookup_elem(&hs_args, &id);
	if (!sp)
		return 0;
	session = *sp;
	bpf_map_delete_elem(&hs_args, &id);
	if (ret != 0 || !o || !session || !want_current())
		return 0;
	if (bpf_probe_read_user(&pv, 8, (void *)(session + o->pversion)) || !pv ||
	    bpf_probe_read_user(&ver, 4, (void *)(pv + o->pversion_id)) ||
	    !master_secret_version(ver))
		return 0; /* TLS 1.3: its secrets went through the key log */
	e = start_event(o, session, GNUTLS_SITE_HANDSHAKE, file);
	if (!e)
		return 0;
	e->secret_len = GNUTLS_SECRET_MAX;
	__builtin_memcpy(e->label, "CLIENT_RANDOM", 14);
	if (bpf_probe_read_user(e->secret, GNUTLS_SECRET_MAX,
				(void *)(session + o->master_secret))) {
		count(GNUTLS_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	send(e);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
