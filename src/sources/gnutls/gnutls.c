// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gnutls.c - see gnutls.h (user side). */
#include "sources/gnutls/gnutls.h"
#include "sources/gnutls/gnutls.skel.h"
#include "proc/execwatch.h"
#include "proc/want.h"
#include "log.h"
#include "percpu.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { L_KEYLOG, L_HS_ENTER, L_HS_RET, L_N };

struct gnutls_file {
	char display[PATH_MAX];
	struct bpf_link *links[L_N];
	bool used;
	bool refused; /* disabled: the slot stays taken */
};

struct gnutls_probe {
	struct gnutls_bpf *skel;
	struct ring_buffer *ring;
	struct execwatch *execs;
	gnutls_probe_fn fn;
	void *ctx;
	struct gnutls_file files[GNUTLS_MAX_FILES];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct gnutls_probe *g = ctx;

	if (size < sizeof(struct gnutls_event))
		return 0;
	return g->fn(g->ctx, data);
}

int gnutls_probe_open(struct gnutls_probe **out, gnutls_probe_fn fn,
		      gnutls_exec_fn exec_fn, void *ctx,
		      const struct proc_want *w)
{
	struct gnutls_probe *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->ctx = ctx;
	err = WANT_OPEN_LOAD(gnutls_bpf, &g->skel, w);
	if (!err) {
		g->ring = ring_buffer__new(bpf_map__fd(g->skel->maps.keys),
					   on_event, g, NULL);
		err = g->ring ? 0 : -errno;
	}
	if (!err && exec_fn && execwatch_open(&g->execs, g->ring, exec_fn, ctx))
		log_info("no exec tracepoint: new GnuTLS programs are found by the 2 s scan only");
	if (err) {
		gnutls_probe_close(g);
		return err;
	}
	*out = g;
	return 0;
}

void gnutls_probe_known(struct gnutls_probe *g, uint64_t ino)
{
	execwatch_known(g->execs, ino);
}

int gnutls_probe_fd(const struct gnutls_probe *g)
{
	return ring_buffer__epoll_fd(g->ring);
}

static void detach(struct gnutls_file *f)
{
	for (int i = 0; i < L_N; i++) {
		bpf_link__destroy(f->links[i]);
		f->links[i] = NULL;
	}
	f->used = false;
}

static int attach_links(struct gnutls_probe *g, struct gnutls_file *f,
			unsigned slot, const char *path,
			const struct gnutls_layout *l)
{
	struct {
		struct bpf_program *prog;
		uint64_t offset;
		bool ret;
	} at[L_N] = {
		{ g->skel->progs.gnutls_keylog, l->keylog_probe, false },
		{ g->skel->progs.gnutls_handshake_enter, l->handshake, false },
		{ g->skel->progs.gnutls_handshake_ret, l->handshake, true },
	};

	for (int i = 0; i < L_N; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = slot,
			    .retprobe = at[i].ret);

		f->links[i] = bpf_program__attach_uprobe_opts(
			at[i].prog, -1, path, (size_t)at[i].offset, &uo);
		if (!f->links[i])
			return -errno;
	}
	return 0;
}

int gnutls_probe_attach(struct gnutls_probe *g, const char *path,
			const char *display, const struct gnutls_layout *l)
{
	struct gnutls_offsets off = { l->client_random, l->master_secret,
				      l->pversion, l->pversion_id };
	struct gnutls_file *f;
	uint32_t slot;
	int err;

	for (slot = 0; slot < GNUTLS_MAX_FILES; slot++)
		if (!g->files[slot].used && !g->files[slot].refused)
			break;
	if (slot == GNUTLS_MAX_FILES)
		return -ENOSPC;
	f = &g->files[slot];
	if (bpf_map_update_elem(bpf_map__fd(g->skel->maps.offsets), &slot, &off,
				BPF_ANY))
		return -errno;
	snprintf(f->display, sizeof(f->display), "%s", display);
	f->used = true;
	err = attach_links(g, f, slot, path, l);
	if (err) {
		detach(f);
		return err;
	}
	return (int)slot;
}

void gnutls_probe_disable(struct gnutls_probe *g, unsigned file)
{
	if (file < GNUTLS_MAX_FILES && g->files[file].used) {
		detach(&g->files[file]);
		g->files[file].refused = true;
	}
}

bool gnutls_probe_active(const struct gnutls_probe *g, unsigned file)
{
	return file < GNUTLS_MAX_FILES && g->files[file].used;
}

const char *gnutls_probe_path(const struct gnutls_probe *g, unsigned file)
{
	return file < GNUTLS_MAX_FILES ? g->files[file].display : "?";
}

int gnutls_probe_consume(struct gnutls_probe *g)
{
	return ring_buffer__consume(g->ring);
}

void gnutls_probe_counters(const struct gnutls_probe *g,
			   uint64_t out[GNUTLS_N_COUNTERS])
{
	percpu_sum(bpf_map__fd(g->skel->maps.counters), out, GNUTLS_N_COUNTERS);
}

void gnutls_probe_close(struct gnutls_probe *g)
{
	if (!g)
		return;
	for (int i = 0; i < GNUTLS_MAX_FILES; i++)
		if (g->files[i].used)
			detach(&g->files[i]);
	execwatch_close(g->execs);
	ring_buffer__free(g->ring);
	gnutls_bpf__destroy(g->skel);
	free(g);
}
