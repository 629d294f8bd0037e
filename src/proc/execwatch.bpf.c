// SPDX-License-Identifier: GPL-2.0
/* execwatch.bpf.c - news of every exec whose executable user space has
 * not looked at yet (execwatch.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "proc/execwatch.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} execs SEC(".maps");

/* Inodes of executables user space has judged: no news. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EXECWATCH_MAX_KNOWN);
	__type(key, __u64);
	__type(value, __u8);
} known SEC(".maps");

/* tp_btf needs no tracefs (docs/kernel.md). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(execwatch_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u64 ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	struct execwatch_event *e;

	if (bpf_map_lookup_elem(&known, &ino))
		return 0;
	e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e)
		return 0; /* the 2 s scan will see it */
	e->pid = BPF_CORE_READ(p, tgid);
	e->pad = 0;
	e->ino = ino;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
