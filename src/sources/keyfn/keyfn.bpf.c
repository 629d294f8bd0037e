// SPDX-License-Identifier: GPL-2.0
/* keyfn.bpf.c - uprobes on a TLS stack's key-log function (keyfn.h;
 * docs/architecture.md "Adding a stack", docs/gnutls.md).
 *
 * The key-log function sees every secret the stack derives, with its
 * key-log label, whether or not the program asked for a key log (the
 * probe is on its entry, before it looks): copy label, secret and the
 * session's client random.  A resumed TLS 1.2 session of GnuTLS derives
 * no new master secret and never calls it: the return of its handshake
 * function (0: done) copies the master secret of sessions below TLS 1.3;
 * user space drops what it already has.  Once user space has learned
 * where the session keeps its TLS 1.3 secrets (t13_off), the return sends
 * those too and the key-log probe is gone (docs/gnutls.md).  The attach
 * cookie is the file's slot in `offsets`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sources/keyfn/keyfn.h"
#include "proc/want.bpf.h"
#include "sources/counters.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KEYFN_MAX_FILES);
	__type(key, __u32);
	__type(value, struct keyfn_offsets);
} offsets SEC(".maps"); /* by file slot */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} keys SEC(".maps");

/* The object of a handshake in progress, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} hs_args SEC(".maps");

COUNTERS(KEYFN_N_COUNTERS) /* enum keyfn_counter */

#define GNUTLS_E_AGAIN (-28)       /* not an end: the handshake goes on */
#define GNUTLS_E_INTERRUPTED (-52)

static __always_inline int read_random(const struct keyfn_offsets *o,
				       __u64 object, __u8 *out)
{
	__u64 base = object;

	if (o->cr_hop != KEYFN_NO_HOP &&
	    (bpf_probe_read_user(&base, 8, (void *)(object + o->cr_hop)) || !base))
		return -1;
	return bpf_probe_read_user(out, 32, (void *)(base + o->cr_off));
}

/* A reserved event with what every site fills, or NULL. */
static __always_inline struct keyfn_event *
start_event(const struct keyfn_offsets *o, __u64 object, __u8 site, __u32 file)
{
	struct keyfn_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	e = bpf_ringbuf_reserve(&keys, sizeof(*e), 0);
	if (!e) {
		count(KEYFN_RING_FULL, 1);
		return NULL;
	}
	if (read_random(o, object, e->client_random)) {
		count(KEYFN_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->object = object;
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
static __always_inline void send(struct keyfn_event *e)
{
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	count(KEYFN_SENT, 1);
}

SEC("uprobe")
int BPF_KPROBE(keyfn_log, void *object, const char *label,
	       const void *secret, __u64 size)
{
	__u32 file = (__u32)bpf_get_attach_cookie(ctx);
	const struct keyfn_offsets *o = bpf_map_lookup_elem(&offsets, &file);
	struct keyfn_event *e;
	__u64 len;

	if (!o || !object || !want_current())
		return 0;
	if (size == 0 || size > KEYFN_SECRET_MAX) {
		count(KEYFN_BAD_ARGS, 1);
		return 0;
	}
	e = start_event(o, (__u64)object, KEYFN_SITE_KEYLOG, file);
	if (!e)
		return 0;
	e->secret_len = (__u8)size;
	len = size;
	asm volatile("" : "+r"(len)); /* keep the mask: the verifier needs it */
	len &= KEYFN_SECRET_BUF - 1;
	if (bpf_probe_read_user_str(e->label, sizeof(e->label), label) <= 0 ||
	    bpf_probe_read_user(e->secret, len, secret)) {
		count(KEYFN_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	e->secret_addr = (__u64)secret;
	send(e);
	return 0;
}

/* The object, its bit 0 set when its first handshake had completed
 * before this call (objects are aligned). */
SEC("uprobe")
int BPF_KPROBE(keyfn_handshake_enter, void *object)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)object;
	__u32 file = (__u32)bpf_get_attach_cookie(ctx);
	const struct keyfn_offsets *o = bpf_map_lookup_elem(&offsets, &file);
	__u8 done = 0;

	if (o && o->t13_off && o->done_off != KEYFN_NO_HOP &&
	    (bpf_probe_read_user(&done, 1, (void *)(p + o->done_off)) || done))
		p |= 1;
	bpf_map_update_elem(&hs_args, &id, &p, BPF_ANY);
	return 0;
}

/* Where GnuTLS keeps its TLS 1.3 secrets (key.proto.tls13), from hs_ckey
 * at t13_off: temp_secret_size -68, e_ckey -64, hs_skey +64, ap_ckey
 * +128, ap_skey +192, ap_expkey +256. */
#define T13_SIZE (-68)
#define T13_EARLY (-64)

/* An event with the TLS 1.3 secret at object + at (size bytes), its
 * label for the caller to fill, or NULL. */
static __always_inline struct keyfn_event *
t13_event(const struct keyfn_offsets *o, __u64 object, __u32 file, __u64 at,
	  __u32 size)
{
	struct keyfn_event *e = start_event(o, object, KEYFN_SITE_RETURN13, file);

	if (!e)
		return NULL;
	e->secret_len = (__u8)size;
	e->secret_addr = 0;
	if (bpf_probe_read_user(e->secret, size == 48 ? 48 : 32,
				(void *)(object + at))) {
		count(KEYFN_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return NULL;
	}
	return e;
}

#define SEND_T13(DELTA, LABEL)                                                \
	do {                                                                   \
		struct keyfn_event *e_ = t13_event(o, object, file,            \
						   o->t13_off + (DELTA), size);\
		if (e_) {                                                      \
			__builtin_memcpy(e_->label, LABEL, sizeof(LABEL));     \
			send(e_);                                              \
		}                                                              \
	} while (0)

/* The handshake of a TLS 1.3 session returned ret: its secrets as the
 * key-log function gave them; after an error only the handshake's. */
static __always_inline void keyfn_t13(const struct keyfn_offsets *o,
				      __u64 object, __u32 file, int ret)
{
	__u32 size = 0;

	if (bpf_probe_read_user(&size, 4, (void *)(object + o->t13_off + T13_SIZE)))
		return;
	if (size != 32 && size != 48) {
		if (ret == 0)
			count(KEYFN_BAD_ARGS, 1);
		return;
	}
	SEND_T13(0, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
	SEND_T13(64, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
	SEND_T13(T13_EARLY, "CLIENT_EARLY_TRAFFIC_SECRET");
	if (ret != 0)
		return;
	SEND_T13(128, "CLIENT_TRAFFIC_SECRET_0");
	SEND_T13(192, "SERVER_TRAFFIC_SECRET_0");
	SEND_T13(256, "EXPORTER_SECRET");
}

static __always_inline bool has_master_secret(const struct keyfn_offsets *o,
					      __s32 id)
{
	return (id >= o->ms_ids[0] && id <= o->ms_ids[1]) ||
	       (id >= o->ms_ids[2] && id <= o->ms_ids[3]);
}

SEC("uretprobe")
int BPF_KRETPROBE(keyfn_handshake_ret, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *sp, object, pv = 0;
	__u32 file = (__u32)bpf_get_attach_cookie(ctx);
	const struct keyfn_offsets *o = bpf_map_lookup_elem(&offsets, &file);
	struct keyfn_event *e;
	__s32 ver = 0;

	sp = bpf_map_lookup_elem(&hs_args, &id);
	if (!sp)
		return 0;
	object = *sp;
	bpf_map_delete_elem(&hs_args, &id);
	if (!o || !object || !want_current() || ret == GNUTLS_E_AGAIN ||
	    ret == GNUTLS_E_INTERRUPTED)
		return 0;
	if (bpf_probe_read_user(&pv, 8, (void *)((object & ~1ull) + o->pv_hop)) ||
	    !pv || bpf_probe_read_user(&ver, 4, (void *)(pv + o->pv_id)))
		return 0;
	if (ver == o->t13_id && o->t13_off && !(object & 1)) {
		keyfn_t13(o, object, file, ret);
		return 0;
	}
	object &= ~1ull;
	if (ret != 0 || !has_master_secret(o, ver))
		return 0; /* TLS 1.3 not switched (the key log has them), or a
			   * completed one: a key update, nothing to send */
	e = start_event(o, object, KEYFN_SITE_HANDSHAKE, file);
	if (!e)
		return 0;
	e->secret_len = KEYFN_SECRET_MAX;
	__builtin_memcpy(e->label, "CLIENT_RANDOM", 14);
	if (bpf_probe_read_user(e->secret, KEYFN_SECRET_MAX,
				(void *)(object + o->ms_off))) {
		count(KEYFN_READ_FAULTS, 1);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	send(e);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
