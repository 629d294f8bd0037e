// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* bpfobj.c - see bpfobj.h. */
#include "bpfobj.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

int bpfobj_ring(struct bpfobj *b, struct ringset *rs,
		const struct bpf_map *map, ringset_fn fn, void *ctx)
{
	int h;

	if (b->n == BPFOBJ_RINGS || (b->n && b->rings != rs))
		return -EINVAL;
	h = ringset_add(rs, bpf_map__fd(map), fn, ctx);
	if (h < 0)
		return h;
	b->rings = rs;
	b->ring[b->n++] = h;
	return 0;
}

void bpfobj_quiet(struct bpfobj *b)
{
	for (unsigned i = 0; i < b->n; i++)
		ringset_quiet(b->rings, b->ring[i]);
}

void bpfobj_rings_off(struct bpfobj *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->n; i++)
		ringset_remove(b->rings, b->ring[i]);
	b->n = 0;
}

/* out[w] += the sum over ncpu CPUs of word w of one element's per-CPU
 * values v (words words each; the kernel rounds each CPU's value up to
 * 8 bytes: ours are whole words already), for w < n. */
static void sum_cpus(const uint64_t *v, int ncpu, size_t words,
		     uint64_t *out, size_t n)
{
	for (int c = 0; c < ncpu; c++)
		for (size_t w = 0; w < words && w < n; w++)
			out[w] += v[(size_t)c * words + w];
}

int bpfobj_counters(const struct bpf_map *map, uint32_t key, uint64_t *out,
		    size_t n)
{
	size_t words = bpf_map__value_size(map) / sizeof(uint64_t);
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(map), err = 0;
	uint64_t *v;

	memset(out, 0, n * sizeof(out[0]));
	if (ncpu <= 0 || !words)
		return -EINVAL;
	v = calloc((size_t)ncpu * words, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t done = 0; done < n; done += words, key++) {
		if (bpf_map_lookup_elem(fd, &key, v)) {
			err = err ?: -errno;
			continue;
		}
		sum_cpus(v, ncpu, words, out + done, n - done);
	}
	free(v);
	return err;
}
