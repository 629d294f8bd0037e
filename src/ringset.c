// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ringset.c - see ringset.h. */
#include "ringset.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct ring_owner {
	ringset_fn fn; /* NULL: removed */
	void *ctx;
	bool quiet;    /* its records are not counted as work */
	int *work;     /* the set's count of this drain */
};

struct ringset {
	struct ring_buffer *rb;
	struct ring_owner own[RINGSET_MAX];
	int n;
	int work;      /* records of rings that are not quiet, this drain */
};

/* libbpf's callback: the owner's, through its slot (which stays put). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct ring_owner *o = ctx;

	if (!o->fn)
		return 0;
	if (!o->quiet)
		(*o->work)++;
	return o->fn(o->ctx, data, size);
}

struct ringset *ringset_new(void)
{
	return calloc(1, sizeof(struct ringset));
}

int ringset_add(struct ringset *rs, int map_fd, ringset_fn fn, void *ctx)
{
	struct ring_owner *o;

	if (rs->n == RINGSET_MAX)
		return -E2BIG;
	o = &rs->own[rs->n];
	*o = (struct ring_owner){ fn, ctx, false, &rs->work };
	if (!rs->rb) {
		rs->rb = ring_buffer__new(map_fd, on_record, o, NULL);
		if (!rs->rb)
			return -errno;
	} else {
		int err = ring_buffer__add(rs->rb, map_fd, on_record, o);

		if (err)
			return err;
	}
	return rs->n++;
}

void ringset_quiet(struct ringset *rs, int h)
{
	if (rs && h >= 0 && h < rs->n)
		rs->own[h].quiet = true;
}

void ringset_remove(struct ringset *rs, int h)
{
	if (rs && h >= 0 && h < rs->n)
		rs->own[h].fn = NULL;
}

int ringset_fd(const struct ringset *rs)
{
	return rs && rs->rb ? ring_buffer__epoll_fd(rs->rb) : -1;
}

int ringset_consume(struct ringset *rs)
{
	int err;

	if (!rs || !rs->rb)
		return 0;
	rs->work = 0;
	err = ring_buffer__consume(rs->rb);
	return err < 0 ? err : rs->work;
}

void ringset_free(struct ringset *rs)
{
	if (!rs)
		return;
	ring_buffer__free(rs->rb);
	free(rs);
}
