// SPDX-License-Identifier: GPL-2.0
/* tree.bpf.c - the process tree of `-- CMD` in the kernel: a process
 * forked by one in want_tree joins it; a process whose last thread exits
 * leaves it.  An exec keeps the thread group id, so it changes nothing.
 * BTF tracepoints: no kprobes, no tracefs (tree.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "proc/want_tree.bpf.h"

/* Processes that could not join (the set was full). */
__u64 tree_full = 0;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tree_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (ptgid == ctgid || !bpf_map_lookup_elem(&want_tree, &ptgid))
		return 0; /* a thread, or not ours */
	if (bpf_map_update_elem(&want_tree, &ctgid, &one, BPF_ANY))
		__sync_fetch_and_add(&tree_full, 1);
	return 0;
}

/* do_exit() has counted this thread out of signal->live before the
 * tracepoint: 0 means the whole thread group is gone. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tree_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		bpf_map_delete_elem(&want_tree, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
