// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gotls.c - see gotls.h (user side). */
#include "sources/gotls/gotls.h"
#include "proc/execwatch.h"
#include "sources/gotls/gotls.skel.h"
#include "log.h"
#include "bpfobj.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct goprobe {
	struct gotls_bpf *skel;
	struct bpfobj obj; /* its ring */
	goprobe_fn fn;
	void *ctx;
	struct execwatch *execs;
	struct bpf_link *links[GOTLS_MAX_FILES];
	int n;
};

static int on_line(void *ctx, void *data, size_t size)
{
	struct goprobe *g = ctx;

	if (size < sizeof(struct gotls_event))
		return 0;
	return g->fn(g->ctx, data);
}

static void watch_execs(struct goprobe *g, struct ringset *rings,
			goprobe_exec_fn exec_fn)
{
	int err = execwatch_open(&g->execs, rings, exec_fn, g->ctx);

	if (err)
		log_info("no exec tracepoint (%s): new Go programs are found by the 2 s scan only",
			 strerror(-err));
}

int goprobe_open(struct goprobe **out, struct ringset *rings, goprobe_fn fn,
		 goprobe_exec_fn exec_fn, void *ctx, const struct proc_want *w)
{
	struct goprobe *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->ctx = ctx;
	err = BPFOBJ_OPEN_LOAD(gotls_bpf, &g->skel, w);
	err = err ?: bpfobj_ring(&g->obj, rings, g->skel->maps.lines, on_line,
				 g);
	if (!err && exec_fn)
		watch_execs(g, rings, exec_fn);
	if (err) {
		goprobe_close(g);
		return err;
	}
	*out = g;
	return 0;
}

int goprobe_attach(struct goprobe *g, const char *path,
		   const struct goelf_info *gi, pid_t pid)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo,
		    .bpf_cookie = GOTLS_COOKIE(g->n, gi->sig, gi->abi));
	struct bpf_link *l;

	if (g->n == GOTLS_MAX_FILES)
		return -ENOSPC;
	l = bpf_program__attach_uprobe_opts(g->skel->progs.gotls_keylog, pid,
					    path, (size_t)gi->probe_offset, &uo);
	if (!l)
		return -errno;
	g->links[g->n++] = l;
	return 0;
}

void goprobe_known(struct goprobe *g, uint64_t ino)
{
	execwatch_known(g->execs, ino);
}

void goprobe_counters(const struct goprobe *g,
		      uint64_t out[GOTLS_N_COUNTERS])
{
	bpfobj_counters(g->skel->maps.counters, 0, out, GOTLS_N_COUNTERS);
}

void goprobe_close(struct goprobe *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n; i++)
		bpf_link__destroy(g->links[i]);
	execwatch_close(g->execs);
	BPFOBJ_CLOSE(gotls_bpf, g->skel, &g->obj);
	free(g);
}
