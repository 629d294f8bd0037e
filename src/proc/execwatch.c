// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* execwatch.c - see execwatch.h (user side). */
#include "bpfobj.h"
#include "proc/execwatch.h"
#include "proc/execwatch.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>

struct execwatch {
	struct execwatch_bpf *skel;
	struct bpf_link *link;
	struct bpfobj obj; /* its ring */
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
	int err;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->ctx = ctx;
	err = BPFOBJ_OPEN(execwatch_bpf, &w->skel);
	err = err ?: execwatch_bpf__load(w->skel);
	if (!err) {
		w->link = bpf_program__attach(w->skel->progs.execwatch_exec);
		err = w->link ? 0 : -errno;
	}
	err = err ?: bpfobj_ring(&w->obj, rings, w->skel->maps.execs, on_exec,
				 w);
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
	bpf_link__destroy(w->link);
	BPFOBJ_CLOSE(execwatch_bpf, w->skel, &w->obj);
	free(w);
}
