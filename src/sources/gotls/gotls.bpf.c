// SPDX-License-Identifier: GPL-2.0
/* gotls.bpf.c - a uprobe on the JBE of the stack check at the start of
 * Go's crypto/tls.(*Config).writeKeyLog (goprologue.h says why there):
 * copy label, client random and secret of each key-log line to user
 * space.  Entry only: a uretprobe on Go code kills the process when the
 * goroutine's stack moves (docs/gotls.md). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sources/gotls/gotls.h"
#include "proc/want.bpf.h"
#include "sources/counters.bpf.h"

#define EFLAGS_CF 0x01
#define EFLAGS_ZF 0x40

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} lines SEC(".maps");

COUNTERS(GOTLS_N_COUNTERS) /* enum gotls_counter */

/* The arguments as Go passed them: pointers and lengths. */
struct go_args {
	__u64 label, label_len, random, random_len, secret, secret_len;
};

/* Register ABI (Go 1.17+): receiver RAX, label RBX/RCX, clientRandom
 * RDI/RSI/R8, secret R9/R10/R11. */
static __always_inline void args_reg(struct pt_regs *r, struct go_args *a)
{
	a->label = r->bx;
	a->label_len = r->cx;
	a->random = r->di;
	a->random_len = r->si;
	a->secret = r->r9;
	a->secret_len = r->r10;
}

/* Stack ABI (Go <= 1.16): the words above the return address. */
static __always_inline int args_stack(struct pt_regs *r, __u32 sig,
				      struct go_args *a)
{
	__u64 w[9];

	if (bpf_probe_read_user(w, sizeof(w), (void *)(r->sp + 8)))
		return -1;
	if (sig == 2) { /* (receiver, clientRandom, masterSecret) */
		a->label = 0;
		a->label_len = 0;
		a->random = w[1];
		a->random_len = w[2];
		a->secret = w[4];
		a->secret_len = w[5];
		return 0;
	}
	a->label = w[1];
	a->label_len = w[2];
	a->random = w[3];
	a->random_len = w[4];
	a->secret = w[6];
	a->secret_len = w[7];
	return 0;
}

static __always_inline int copy_args(struct gotls_event *e,
				     const struct go_args *a, __u32 sig)
{
	__u32 ll = a->label_len, sl = a->secret_len;

	if (a->random_len != GOTLS_RANDOM_LEN || !sl || sl > GOTLS_SECRET_MAX ||
	    (sig != 2 && (!ll || ll >= GOTLS_LABEL_MAX)))
		return -1;
	e->label_len = ll;
	e->secret_len = sl;
	/* bounded copies: secrets hold zero bytes, no _str reads */
	asm volatile("" : "+r"(ll));
	ll &= GOTLS_LABEL_MAX - 1;
	if (sig != 2 && bpf_probe_read_user(e->label, ll, (void *)a->label))
		return -1;
	if (bpf_probe_read_user(e->client_random, GOTLS_RANDOM_LEN,
				(void *)a->random))
		return -1;
	/* keep clang from dropping the mask the verifier needs */
	asm volatile("" : "+r"(sl));
	sl &= GOTLS_SECRET_BUF - 1;
	return bpf_probe_read_user(e->secret, sl, (void *)a->secret) ? -1 : 0;
}

SEC("uprobe")
int gotls_keylog(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx), id;
	__u32 sig = GOTLS_COOKIE_SIG(cookie);
	struct gotls_event *e;
	struct go_args a;

	/* The JBE is taken: morestack, then the function starts over and
	 * comes by here again with the flags clear. */
	if (ctx->flags & (EFLAGS_CF | EFLAGS_ZF))
		return count(GOTLS_GROWS, 1);
	if (!want_current())
		return 0; /* --pid/--uid/--comm: another process */
	if (GOTLS_COOKIE_ABI(cookie) == 1)
		args_reg(ctx, &a);
	else if (args_stack(ctx, sig, &a))
		return count(GOTLS_BAD_ARGS, 1);
	e = bpf_ringbuf_reserve(&lines, sizeof(*e), 0);
	if (!e)
		return count(GOTLS_RING_FULL, 1);
	__builtin_memset(e, 0, sizeof(*e));
	if (copy_args(e, &a, sig)) {
		bpf_ringbuf_discard(e, 0);
		return count(GOTLS_BAD_ARGS, 1);
	}
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->file = GOTLS_COOKIE_SLOT(cookie);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return count(GOTLS_SENT, 1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
