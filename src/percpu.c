// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* percpu.c - see percpu.h. */
#include "percpu.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int percpu_sum_value(int map_fd, uint32_t key, uint64_t *out, size_t nwords)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	uint64_t *v;

	memset(out, 0, nwords * sizeof(out[0]));
	if (ncpu <= 0)
		return -EINVAL;
	/* the kernel hands each CPU's value rounded up to 8 bytes: ours are
	 * whole words already */
	v = calloc((size_t)ncpu * nwords, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &key, v))
		err = -errno;
	for (int i = 0; i < ncpu && !err; i++)
		for (size_t w = 0; w < nwords; w++)
			out[w] += v[(size_t)i * nwords + w];
	free(v);
	return err;
}

int percpu_sum(int map_fd, uint64_t *out, unsigned int n)
{
	int err = 0;

	for (uint32_t k = 0; k < n && err != -ENOMEM && err != -EINVAL; k++)
		err = percpu_sum_value(map_fd, k, &out[k], 1);
	return err == -ENOMEM || err == -EINVAL ? err : 0;
}
