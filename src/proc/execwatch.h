// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execwatch.h - news of every program that starts (sched_process_exec,
 * through tp_btf: no tracefs needed), so that a key source can probe a
 * new executable before its first handshake instead of at the next 2 s
 * scan.  Executables the source has looked at are marked known and
 * bring no more news.  The ABI with execwatch.bpf.c and its user side.
 *
 * A source opens one watcher; its news go into the run's one ring set
 * (ringset.h) with the source's own records, to the callback it gives.
 * Each news wakes the loop (rare and urgent). */
#ifndef TLSDUMP_EXECWATCH_H
#define TLSDUMP_EXECWATCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EXECWATCH_MAX_KNOWN 16384 /* inodes already judged (LRU) */

/* A process started from an executable not marked known. */
struct execwatch_event {
	__u32 pid;
	__u32 pad;
	__u64 ino;
};

#ifndef __bpf__
#include <stdint.h>

struct execwatch;
struct ringset;

typedef void (*execwatch_fn)(void *ctx, uint32_t pid, uint64_t ino);

/* Loads and attaches the watcher and adds its news to rings.  0 or
 * -errno (an older kernel without the tracepoint: the caller says that
 * new programs are found by the scan only). */
int execwatch_open(struct execwatch **out, struct ringset *rings,
		   execwatch_fn fn, void *ctx);
/* The executable with inode ino was looked at: no more news of it. */
void execwatch_known(struct execwatch *w, uint64_t ino);
/* Detach and free. */
void execwatch_close(struct execwatch *w);
#endif

#endif
