/* percpu.h - reading the per-CPU counter arrays of our BPF programs
 * (BPF_MAP_TYPE_PERCPU_ARRAY of __u64): one value summed over CPUs. */
#ifndef TLSDUMP_PERCPU_H
#define TLSDUMP_PERCPU_H

#include <stdint.h>

/* out[k] = sum over CPUs of element k, for k < n.  Elements that cannot
 * be read count 0.  0 or -errno. */
int percpu_sum(int map_fd, uint64_t *out, unsigned int n);

#endif
