// SPDX-License-Identifier: GPL-2.0
/* dlwatch.bpf.c - news of processes that may have mapped a new library:
 * every exec, and every call of ld.so's _dl_debug_state (dlwatch.h).
 * A process of the `-- CMD` tree in CMD's process group is held instead:
 * stopped (SIGSTOP, delivered before it returns to user space) and named
 * in the held ring, until user space has probed what it mapped. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "proc/dlwatch.h"
#include "proc/want_tree.bpf.h"

#define SIGSTOP 19

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DLWATCH_RING);
} news SEC(".maps");

/* Processes stopped for user space (it is woken for each). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DLWATCH_HELD_RING);
} held SEC(".maps");

/* The processes held now, and since when (the watchdog of dlhold.c lets
 * go of those held too long). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DLWATCH_MAX_HELD);
	__type(key, __u32);
	__type(value, __u64);
} held_since SEC(".maps");

/* Holding on: the process group (initial PID namespace) whose members
 * of want_tree are held; 0: none. */
const volatile __u32 hold_pgid = 0;

__u64 lost;      /* news that found the ring full */
__u64 hold_lost; /* processes not held: the held ring was full */

static bool holdable(__u32 tgid)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u32 pgid;

	if (!hold_pgid || !bpf_map_lookup_elem(&want_tree, &tgid))
		return false;
	pgid = BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID], numbers[0].nr);
	return pgid == hold_pgid;
}

/* Stops the process; true when user space has its pid (else it runs on
 * and the news ring tells the next round). */
static bool hold(__u32 tgid)
{
	struct dlwatch_held *e = bpf_ringbuf_reserve(&held, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&hold_lost, 1);
		return false;
	}
	e->pid = tgid;
	e->ts_ns = bpf_ktime_get_ns();
	if (bpf_send_signal(SIGSTOP)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return false;
	}
	bpf_map_update_elem(&held_since, &tgid, &e->ts_ns, BPF_ANY);
	bpf_ringbuf_submit(e, 0);
	return true;
}

static void note(void)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (holdable(pid) && hold(pid))
		return;
	/* No wakeup: user space reads the ring at its next round. */
	if (bpf_ringbuf_output(&news, &pid, sizeof(pid), BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&lost, 1);
}

SEC("uprobe")
int dlwatch_linker(struct pt_regs *ctx)
{
	note();
	return 0;
}

/* tp_btf needs no tracefs (docs/kernel.md). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(dlwatch_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	note();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
