/* percpu.c - see percpu.h. */
#include "percpu.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int percpu_sum(int map_fd, uint64_t *out, unsigned int n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	memset(out, 0, n * sizeof(out[0]));
	if (ncpu <= 0)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		if (bpf_map_lookup_elem(map_fd, &k, v))
			continue;
		for (int i = 0; i < ncpu; i++)
			out[k] += v[i];
	}
	free(v);
	return 0;
}
