/* proc.h - process attribution, user side: load conn.bpf.c, attach its
 * programs (cgroup socket hooks on the root of the cgroup v2 hierarchy,
 * BTF tracepoints), seed the sockets that existed before us (seed.h),
 * and hand the maps to the capture program.
 *
 * Lifecycle: proc_open (load, attach, seed) -> proc_maps for
 * capture_open -> proc_close (links and maps go with the skeleton). */
#ifndef TLSDUMP_PROC_H
#define TLSDUMP_PROC_H

#include <stdint.h>

#include "proc/conn.h"

struct proc;

/* 0 or -errno (-EPERM: no permission for BPF). */
int proc_open(struct proc **out);
/* The fds of conn_flows, conn_owners and conn_stats. */
void proc_maps(const struct proc *p, int *flows, int *owners, int *stats);
/* Sockets open when we started: pid+fd -> flow, socket -> pid+fd (for
 * newer ones, seed_one asks the socket itself). */
struct seed_table;
const struct seed_table *proc_seed(const struct proc *p);
/* Counters summed over CPUs, and the flows in the table now. */
int proc_stats(const struct proc *p, struct conn_stats *out, uint64_t *live);
void proc_close(struct proc *p);

#endif
