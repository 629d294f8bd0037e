// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* bpfobj.h - the life of one of our BPF objects around its skeleton:
 * open (CO-RE against the kernel's BTF cut to the object's types,
 * corebtf.h), a source's process filter (proc/want.h), load; its rings
 * into the run's one ring set (ringset.h); its per-CPU counters; close,
 * in reverse order.
 *
 * Skeleton types differ: opening, loading and destroying are macros over
 * the skeleton's NAME (NAME##__open_opts, __load, __destroy); the rest
 * are functions on its maps.  A loader:
 *
 *	err = BPFOBJ_OPEN_LOAD(x_bpf, &s->skel, w);
 *	err = err ?: bpfobj_ring(&s->obj, rings, s->skel->maps.events,
 *				 on_event, s);
 *	... attach ...
 *	bpfobj_counters(s->skel->maps.counters, 0, c, X_N_COUNTERS);
 *	... detach what it attached ...
 *	BPFOBJ_CLOSE(x_bpf, s->skel, &s->obj);
 *
 * An object configured otherwise before its load (no filter, or a map
 * shared with another object) opens with BPFOBJ_OPEN and calls its
 * NAME##__load itself.  A skeleton is never opened with NAME##__open():
 * that would parse all of the kernel's BTF again for that load. */
#ifndef TLSDUMP_BPFOBJ_H
#define TLSDUMP_BPFOBJ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "corebtf.h"
#include "ringset.h"
#include "proc/want.h"

#define BPFOBJ_RINGS 2 /* rings of one object in the ring set */

/* What an object put into the ring set.  All zeros (calloc): none. */
struct bpfobj {
	struct ringset *rings;
	int ring[BPFOBJ_RINGS]; /* handles in rings */
	unsigned n;
};

struct bpf_map;

/* The records of ring map to fn(ctx, ...) through the ring set rs (the
 * loop drains it).  0 or -errno. */
int bpfobj_ring(struct bpfobj *b, struct ringset *rs,
		const struct bpf_map *map, ringset_fn fn, void *ctx);
/* b's rings are quiet (ringset_quiet): their records are not work. */
void bpfobj_quiet(struct bpfobj *b);
/* b's rings out of the set: their records go nowhere from now on.  b
 * NULL: nothing. */
void bpfobj_rings_off(struct bpfobj *b);

/* n counters of a per-CPU array of __u64 words (COUNTERS() of
 * sources/counters.bpf.h: one word an element; or a struct of counters
 * an element), summed over CPUs: the words of element key, then of
 * key + 1, ..., n in all.  An element that cannot be read counts 0.  0,
 * or the first -errno. */
int bpfobj_counters(const struct bpf_map *map, uint32_t key, uint64_t *out,
		    size_t n);

/* w, or the filter that takes every process (w NULL). */
static inline const struct proc_want *bpfobj_want(const struct proc_want *w)
{
	static const struct proc_want every;

	return w ? w : &every;
}

/* *skelp = skeleton NAME opened through corebtf_opts(); 0 or -errno. */
#define BPFOBJ_OPEN(NAME, skelp)                                             \
	((*(skelp) = COREBTF_OPEN(NAME)) ? 0 : -errno)

/* A source's object: opened (*skelp, maybe NULL), its process filter set
 * to *w (NULL: every process), loaded, and the filter's maps filled.  0
 * or -errno. */
#define BPFOBJ_OPEN_LOAD(NAME, skelp, w)                                     \
	({                                                                   \
		const struct proc_want *w_ = bpfobj_want(w);                 \
		int e_ = BPFOBJ_OPEN(NAME, skelp);                           \
		e_ = e_ ?: WANT_SET_RODATA((*(skelp))->rodata, w_);          \
		e_ = e_ ?: want_share_maps((*(skelp))->maps.want_tree,       \
					   (*(skelp))->maps.want_cgroups, w_); \
		e_ = e_ ?: NAME##__load(*(skelp));                           \
		e_ = e_ ?: want_fill_maps(                                   \
			bpf_map__fd((*(skelp))->maps.want_pids),             \
			bpf_map__fd((*(skelp))->maps.want_uids), w_);        \
		e_;                                                          \
	})

/* The end, after the owner detached its programs: b's rings out of the
 * set (b may be NULL), then the skeleton (maybe NULL) destroyed. */
#define BPFOBJ_CLOSE(NAME, skel, b)                                          \
	do {                                                                 \
		bpfobj_rings_off(b);                                         \
		NAME##__destroy(skel);                                       \
	} while (0)

#endif
