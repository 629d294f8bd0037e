// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* nss.c - see nss.h (user side). */
#include "sources/nss/nss.h"
#include "sources/nss/nss.skel.h"
#include "log.h"
#include "bpfobj.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nss_file {
	char display[PATH_MAX];
	/* freebl: one per function; libssl3: one per key-log probe site */
	struct bpf_link *links[NSS_FB_PROBED > NSS_KEYLOG_SITES ? NSS_FB_PROBED : NSS_KEYLOG_SITES];
	bool used;
	bool refused; /* disabled: the slot stays taken */
};

struct nss_probe {
	struct nss_bpf *skel;
	struct bpfobj obj; /* its ring */
	nss_probe_fn fn;
	void *ctx;
	struct nss_file files[NSS_MAX_FILES];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct nss_probe *g = ctx;

	if (size < sizeof(struct nss_event))
		return 0;
	return g->fn(g->ctx, data);
}

int nss_probe_open(struct nss_probe **out, struct ringset *rings,
		   nss_probe_fn fn, void *ctx, const struct proc_want *w)
{
	struct nss_probe *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->ctx = ctx;
	err = BPFOBJ_OPEN_LOAD(nss_bpf, &g->skel, w);
	err = err ?: bpfobj_ring(&g->obj, rings, g->skel->maps.keys, on_event,
				 g);
	if (err) {
		nss_probe_close(g);
		return err;
	}
	*out = g;
	return 0;
}

static void detach(struct nss_file *f)
{
	for (size_t i = 0; i < sizeof(f->links) / sizeof(f->links[0]); i++) {
		bpf_link__destroy(f->links[i]);
		f->links[i] = NULL;
	}
	f->used = false;
}

/* A free slot with its offsets set, or -errno. */
static int new_slot(struct nss_probe *g, const char *display,
		    const struct nss_offsets *o)
{
	uint32_t slot;

	for (slot = 0; slot < NSS_MAX_FILES; slot++)
		if (!g->files[slot].used && !g->files[slot].refused)
			break;
	if (slot == NSS_MAX_FILES)
		return -ENOSPC;
	if (bpf_map_update_elem(bpf_map__fd(g->skel->maps.offsets), &slot, o,
				BPF_ANY))
		return -errno;
	snprintf(g->files[slot].display, sizeof(g->files[slot].display), "%s",
		 display);
	g->files[slot].used = true;
	return (int)slot;
}

/* n uprobes of slot's file: progs[i] at offsets[i]. */
static int attach_links(struct nss_probe *g, int slot, const char *path,
			struct bpf_program *const *progs,
			const uint64_t *offsets, int n)
{
	struct nss_file *f = &g->files[slot];

	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = (uint64_t)slot);

		f->links[i] = bpf_program__attach_uprobe_opts(
			progs[i], -1, path, (size_t)offsets[i], &uo);
		if (!f->links[i]) {
			int err = -errno;

			detach(f);
			return err;
		}
	}
	return slot;
}

int nss_probe_attach_ssl(struct nss_probe *g, const char *path,
			 const char *display, const struct nss_ssl_layout *l)
{
	struct nss_offsets o = { .cr_off = l->cr_off };
	struct bpf_program *progs[NSS_KEYLOG_SITES];
	int slot = new_slot(g, display, &o);

	if (slot < 0)
		return slot;
	for (unsigned i = 0; i < NSS_KEYLOG_SITES; i++)
		progs[i] = g->skel->progs.nss_keylog;
	return attach_links(g, slot, path, progs, l->probes, (int)l->n_probes);
}

int nss_probe_attach_freebl(struct nss_probe *g, const char *path,
			    const char *display,
			    const struct nss_freebl_layout *l)
{
	struct nss_offsets o = { .hashobj_off = l->hashobj_off,
				 .hash_off = l->hash_off };
	struct bpf_program *progs[NSS_FB_PROBED] = {
		[NSS_FB_PRF] = g->skel->progs.nss_prf,
		[NSS_FB_P_HASH] = g->skel->progs.nss_p_hash,
		[NSS_FB_DESTROY] = g->skel->progs.nss_hmac_destroy,
	};
	int slot;

	memcpy(o.sha, l->sha, sizeof(o.sha));
	slot = new_slot(g, display, &o);
	if (slot < 0)
		return slot;
	return attach_links(g, slot, path, progs, l->probe, NSS_FB_PROBED);
}

void nss_probe_disable(struct nss_probe *g, unsigned file)
{
	if (file < NSS_MAX_FILES && g->files[file].used) {
		detach(&g->files[file]);
		g->files[file].refused = true;
	}
}

bool nss_probe_active(const struct nss_probe *g, unsigned file)
{
	return file < NSS_MAX_FILES && g->files[file].used;
}

const char *nss_probe_path(const struct nss_probe *g, unsigned file)
{
	return file < NSS_MAX_FILES ? g->files[file].display : "?";
}

void nss_probe_counters(const struct nss_probe *g,
			uint64_t out[NSS_N_COUNTERS])
{
	bpfobj_counters(g->skel->maps.counters, 0, out, NSS_N_COUNTERS);
}

void nss_probe_close(struct nss_probe *g)
{
	if (!g)
		return;
	for (int i = 0; i < NSS_MAX_FILES; i++)
		if (g->files[i].used)
			detach(&g->files[i]);
	BPFOBJ_CLOSE(nss_bpf, g->skel, &g->obj);
	free(g);
}
