// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execwatch.c - see execwatch.h (user side). */
#include "corebtf.h"
#include "proc/execwatch.h"
#include "proc/execwatch.skel.h"
#include "ringset.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>

struct execwatch {
	struct execwatch_bpf *skel;
	struct bpf_link *link;
	struct ringset *rings;
	int ring; /* its handle in rings */
	execwatch_fn fn;
	void *ctx;
};

static int on_exec(void *ctx, void *data, size_t size)
{
	struct execwatch *w = ctx;
	const struct execwatch_event *e = data;

	if (size >= sizeof(*e))
		w->fn(w->ctx, e->pid, e->ino);
	return 0;
}

int execwatch_open(struct execwatch **out, struct ringset *rings,
		   execwatch_fn fn, void *ctx)
{
	struct execwatch *w = calloc(1, sizeof(*w));
	int err = 0;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->ctx = ctx;
	w->rings = rings;
	w->ring = -1;
	w->skel = COREBTF_OPEN(execwatch_bpf);
	if (!w->skel)
		err = -errno;
	else
		err = execwatch_bpf__load(w->skel);
	if (!err) {
		w->link = bpf_program__attach(w->skel->progs.execwatch_exec);
		err = w->link ? 0 : -errno;
	}
	if (!err) {
		w->ring = ringset_add(rings, bpf_map__fd(w->skel->maps.execs),
				      on_exec, w);
		err = w->ring < 0 ? w->ring : 0;
	}
	if (err) {
		execwatch_close(w);
		return err;
	}
	*out = w;
	return 0;
}

void execwatch_known(struct execwatch *w, uint64_t ino)
{
	uint8_t one = 1;

	if (w)
		bpf_map_update_elem(bpf_map__fd(w->skel->maps.known), &ino, &one,
				    BPF_ANY);
}

void execwatch_close(struct execwatch *w)
{
	if (!w)
		return;
	ringset_remove(w->rings, w->ring);
	bpf_link__destroy(w->link);
	execwatch_bpf__destroy(w->skel);
	free(w);
}
