// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keyfn.c - see keyfn.h (user side). */
#include "sources/keyfn/keyfn.h"
#include "sources/keyfn/keyfn.skel.h"
#include "sources/keyfn/learn13.h"
#include "proc/execwatch.h"
#include "log.h"
#include "bpfobj.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { L_KEYLOG, L_HS_ENTER, L_HS_RET, L_N };

struct keyfn_file {
	char display[PATH_MAX];
	struct bpf_link *links[L_N];
	bool used;
	bool refused; /* disabled: the slot stays taken */
	/* TLS 1.3 from the handshake's return (keyfn_probe_learn) */
	struct keyfn_offsets off;
	bool learn;    /* still learning */
	struct learn13 l13;
};

struct keyfn_probe {
	struct keyfn_bpf *skel;
	struct bpfobj obj; /* its ring */
	struct execwatch *execs;
	keyfn_probe_fn fn;
	void *ctx;
	struct keyfn_file files[KEYFN_MAX_FILES];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct keyfn_probe *g = ctx;

	if (size < sizeof(struct keyfn_event))
		return 0;
	return g->fn(g->ctx, data);
}

int keyfn_probe_open(struct keyfn_probe **out, struct ringset *rings,
		     keyfn_probe_fn fn, keyfn_exec_fn exec_fn, void *ctx,
		     const struct proc_want *w)
{
	struct keyfn_probe *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->ctx = ctx;
	err = BPFOBJ_OPEN_LOAD(keyfn_bpf, &g->skel, w);
	err = err ?: bpfobj_ring(&g->obj, rings, g->skel->maps.keys, on_event,
				 g);
	if (!err && exec_fn && execwatch_open(&g->execs, rings, exec_fn, ctx))
		log_info("no exec tracepoint: new programs are found by the 2 s scan only");
	if (err) {
		keyfn_probe_close(g);
		return err;
	}
	*out = g;
	return 0;
}

void keyfn_probe_known(struct keyfn_probe *g, uint64_t ino)
{
	execwatch_known(g->execs, ino);
}

static void detach(struct keyfn_file *f)
{
	for (int i = 0; i < L_N; i++) {
		bpf_link__destroy(f->links[i]);
		f->links[i] = NULL;
	}
	f->used = false;
}

static int attach_links(struct keyfn_probe *g, struct keyfn_file *f,
			unsigned slot, const char *path,
			const struct keyfn_layout *l)
{
	struct {
		struct bpf_program *prog;
		uint64_t offset;
		bool ret;
	} at[L_N] = {
		{ g->skel->progs.keyfn_log, l->fn_probe, false },
		{ g->skel->progs.keyfn_handshake_enter, l->handshake, false },
		{ g->skel->progs.keyfn_handshake_ret, l->handshake, true },
	};

	for (int i = 0; i < (l->handshake ? L_N : 1); i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = slot,
			    .retprobe = at[i].ret);

		f->links[i] = bpf_program__attach_uprobe_opts(
			at[i].prog, -1, path, (size_t)at[i].offset, &uo);
		if (!f->links[i])
			return -errno;
	}
	return 0;
}

int keyfn_probe_attach(struct keyfn_probe *g, const char *path,
		       const char *display, const struct keyfn_layout *l)
{
	struct keyfn_file *f;
	uint32_t slot;
	int err;

	for (slot = 0; slot < KEYFN_MAX_FILES; slot++)
		if (!g->files[slot].used && !g->files[slot].refused)
			break;
	if (slot == KEYFN_MAX_FILES)
		return -ENOSPC;
	f = &g->files[slot];
	if (bpf_map_update_elem(bpf_map__fd(g->skel->maps.offsets), &slot, &l->off,
				BPF_ANY))
		return -errno;
	snprintf(f->display, sizeof(f->display), "%s", display);
	f->used = true;
	f->off = l->off;
	f->learn = l->learn13 && l->handshake;
	memset(&f->l13, 0, sizeof(f->l13));
	err = attach_links(g, f, slot, path, l);
	if (err) {
		detach(f);
		return err;
	}
	return (int)slot;
}

/* The layout is learned: the return takes over, then the key-log probe
 * goes (in that order: a handshake in between is sent twice, not lost). */
static void switch_to_return(struct keyfn_probe *g, unsigned slot,
			     uint32_t t13_off)
{
	struct keyfn_file *f = &g->files[slot];

	f->off.t13_off = t13_off;
	if (bpf_map_update_elem(bpf_map__fd(g->skel->maps.offsets), &slot,
				&f->off, BPF_ANY)) {
		log_debug("%s: TLS 1.3 secrets stay with the key-log probe: %s",
			  f->display, strerror(errno));
		return;
	}
	bpf_link__destroy(f->links[L_KEYLOG]);
	f->links[L_KEYLOG] = NULL;
	log_info("%s: TLS 1.3 secrets now at gnutls_handshake's return (session +0x%x); key-log probe detached",
		 f->display, t13_off);
}

void keyfn_probe_learn(struct keyfn_probe *g, const struct keyfn_event *e)
{
	struct keyfn_file *f;
	char label[KEYFN_LABEL_MAX + 1] = "", why[160];
	uint32_t t13_off = 0;
	int r;

	if (e->file >= KEYFN_MAX_FILES || e->site != KEYFN_SITE_KEYLOG)
		return;
	f = &g->files[e->file];
	if (!f->used || !f->learn)
		return;
	memcpy(label, e->label, KEYFN_LABEL_MAX);
	r = learn13_event(&f->l13, e->object, label, e->secret_addr,
			  e->secret_len, &t13_off, why, sizeof(why));
	if (r == 0)
		return;
	f->learn = false;
	if (r > 0)
		switch_to_return(g, e->file, t13_off);
	else
		log_info("%s: TLS 1.3 secrets stay with the key-log probe: layout not GnuTLS's key.proto.tls13 (%s)",
			 f->display, why);
}

void keyfn_probe_disable(struct keyfn_probe *g, unsigned file)
{
	if (file < KEYFN_MAX_FILES && g->files[file].used) {
		detach(&g->files[file]);
		g->files[file].refused = true;
	}
}

bool keyfn_probe_active(const struct keyfn_probe *g, unsigned file)
{
	return file < KEYFN_MAX_FILES && g->files[file].used;
}

const char *keyfn_probe_path(const struct keyfn_probe *g, unsigned file)
{
	return file < KEYFN_MAX_FILES ? g->files[file].display : "?";
}

void keyfn_probe_counters(const struct keyfn_probe *g,
			   uint64_t out[KEYFN_N_COUNTERS])
{
	bpfobj_counters(g->skel->maps.counters, 0, out, KEYFN_N_COUNTERS);
}

void keyfn_probe_close(struct keyfn_probe *g)
{
	if (!g)
		return;
	for (int i = 0; i < KEYFN_MAX_FILES; i++)
		if (g->files[i].used)
			detach(&g->files[i]);
	execwatch_close(g->execs);
	BPFOBJ_CLOSE(keyfn_bpf, g->skel, &g->obj);
	free(g);
}
