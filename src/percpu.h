// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* percpu.h - reading the per-CPU maps of our BPF programs
 * (BPF_MAP_TYPE_PERCPU_ARRAY whose values are __u64 words: counters, or
 * structs of counters), summed over CPUs. */
#ifndef TLSDUMP_PERCPU_H
#define TLSDUMP_PERCPU_H

#include <stddef.h>
#include <stdint.h>

/* out[w] = sum over CPUs of word w of element key, for w < nwords (the
 * value is nwords __u64s).  0, or -errno (out is zeroed). */
int percpu_sum_value(int map_fd, uint32_t key, uint64_t *out, size_t nwords);

/* out[k] = sum over CPUs of element k (a single __u64), for k < n.
 * Elements that cannot be read count 0.  0 or -errno. */
int percpu_sum(int map_fd, uint64_t *out, unsigned int n);

#endif
