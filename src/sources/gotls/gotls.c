// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gotls.c - see gotls.h (user side). */
#include "sources/gotls/gotls.h"
#include "proc/execwatch.h"
#include "proc/want.h"
#include "sources/gotls/gotls.skel.h"
#include "log.h"
#include "percpu.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct goprobe {
	struct gotls_bpf *skel;
	struct ring_buffer *ring;
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

static void watch_execs(struct goprobe *g, goprobe_exec_fn exec_fn)
{
	int err = execwatch_open(&g->execs, g->ring, exec_fn, g->ctx);

	if (err)
		log_info("no exec tracepoint (%s): new Go programs are found by the 2 s scan only",
			 strerror(-err));
}

int goprobe_open(struct goprobe **out, goprobe_fn fn, goprobe_exec_fn exec_fn,
		 void *ctx, const struct proc_want *w)
{
	struct goprobe *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->ctx = ctx;
	err = WANT_OPEN_LOAD(gotls_bpf, &g->skel, w);
	if (!err) {
		g->ring = ring_buffer__new(bpf_map__fd(g->skel->maps.lines),
					   on_line, g, NULL);
		err = g->ring ? 0 : -errno;
	}
	if (!err && exec_fn)
		watch_execs(g, exec_fn);
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

int goprobe_fd(const struct goprobe *g)
{
	return ring_buffer__epoll_fd(g->ring);
}

int goprobe_consume(struct goprobe *g)
{
	return ring_buffer__consume(g->ring);
}

void goprobe_counters(const struct goprobe *g,
		      uint64_t out[GOTLS_N_COUNTERS])
{
	percpu_sum(bpf_map__fd(g->skel->maps.counters), out, GOTLS_N_COUNTERS);
}

void goprobe_close(struct goprobe *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n; i++)
		bpf_link__destroy(g->links[i]);
	execwatch_close(g->execs);
	ring_buffer__free(g->ring);
	gotls_bpf__destroy(g->skel);
	free(g);
}
