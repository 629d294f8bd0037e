// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* counters.bpf.h - the per-CPU counters of a BPF part, kernel side.
 *
 * COUNTERS(N) declares the array map "counters" (N __u64 per CPU; N is
 * the part's enum ..._N_COUNTERS from its x.h) and count(i, n), which adds
 * n to counter i.  User space sums them over CPUs (bpfobj_counters() of
 * bpfobj.h).  Per CPU: no atomics on the probe's path. */
#ifndef TLSDUMP_COUNTERS_BPF_H
#define TLSDUMP_COUNTERS_BPF_H

#define COUNTERS(N)                                                    \
	struct {                                                       \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);               \
		__uint(max_entries, N);                                \
		__type(key, __u32);                                    \
		__type(value, __u64);                                  \
	} counters SEC(".maps");                                       \
									\
	static __always_inline int count(__u32 i, __u64 n)            \
	{                                                              \
		__u64 *c = bpf_map_lookup_elem(&counters, &i);         \
									\
		if (c)                                                 \
			*c += n;                                       \
		return 0;                                              \
	}

#endif
