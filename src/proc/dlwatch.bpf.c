// SPDX-License-Identifier: GPL-2.0
/* dlwatch.bpf.c - news of processes that may have mapped a new library:
 * every exec, and every call of ld.so's _dl_debug_state (dlwatch.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "proc/dlwatch.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DLWATCH_RING);
} news SEC(".maps");

__u64 lost; /* news that found the ring full */

static void note(void)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

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
