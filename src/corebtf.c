// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* corebtf.c - see corebtf.h. */
#include "corebtf.h"
#include "log.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CUTS_MAX 16 /* distinct objects (a skeleton loaded again reuses its cut) */

struct cut {
	const void *elf;
	int fd;
	char path[40];
};

static struct {
	pthread_mutex_t mu;
	struct btf *kernel;
	bool failed, released;
	struct cut c[CUTS_MAX];
	int n;
} cb = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The closure being marked: keep[id], and the ids still to follow. */
struct marks {
	const struct btf *k;
	uint8_t *keep;
	uint32_t *todo;
	size_t n_todo;
};

static bool root_kind(uint16_t kind)
{
	return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION ||
	       kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64 ||
	       kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_FWD;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted essential names of the local BTF's named root kinds. */
static char **local_names(const struct btf *l, size_t *n)
{
	uint32_t cnt = btf__type_cnt(l);
	char **v = calloc(cnt, sizeof(*v));

	*n = 0;
	for (uint32_t id = 1; v && id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(l, id);
		const char *name = btf__name_by_offset(l, t->name_off);
		const char *flav;

		if (!root_kind(btf_kind(t)) || !name || !*name)
			continue;
		flav = strstr(name, "___");
		v[*n] = strndup(name, flav ? (size_t)(flav - name) : strlen(name));
		if (!v[*n])
			break;
		(*n)++;
	}
	if (v)
		qsort(v, *n, sizeof(*v), cmp_name);
	return v;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void mark(struct marks *m, uint32_t id)
{
	if (!id || m->keep[id])
		return;
	m->keep[id] = 1;
	m->todo[m->n_todo++] = id;
}

/* What type id embeds (pointers are not followed); -ENOTSUP for a kind
 * that has no business in a relocation's closure. */
static int follow(struct marks *m, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(m->k, id);
	uint16_t vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: case BTF_KIND_FWD: case BTF_KIND_PTR:
		return 0;
	case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
		mark(m, t->type);
		return 0;
	case BTF_KIND_ARRAY:
		mark(m, btf_array(t)->type);
		mark(m, btf_array(t)->index_type);
		return 0;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (uint16_t i = 0; i < vlen; i++)
			mark(m, btf_members(t)[i].type);
		return 0;
	case BTF_KIND_FUNC_PROTO:
		mark(m, t->type);
		for (uint16_t i = 0; i < vlen; i++)
			mark(m, btf_params(t)[i].type);
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* keep[]: the kernel's types named in names (NULL: every name), and all
 * they embed. */
static int mark_all(struct marks *m, char **names, size_t n_names)
{
	uint32_t cnt = btf__type_cnt(m->k);
	int err = 0;

	for (uint32_t id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(m->k, id);
		const char *name = btf__name_by_offset(m->k, t->name_off);

		if (btf_kind(t) != BTF_KIND_FWD && root_kind(btf_kind(t)) &&
		    name && *name && (!names ||
		    bsearch(&name, names, n_names, sizeof(*names), cmp_name)))
			mark(m, id);
	}
	while (!err && m->n_todo)
		err = follow(m, m->todo[--m->n_todo]);
	return err;
}

static uint32_t *id_ref(struct btf_type *t, uint16_t i)
{
	switch (btf_kind(t)) {
	case BTF_KIND_ARRAY:
		return i == 0 ? &btf_array(t)->type :
		       i == 1 ? &btf_array(t)->index_type : NULL;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		return i < btf_vlen(t) ? &btf_members(t)[i].type : NULL;
	case BTF_KIND_FUNC_PROTO:
		return i == 0 ? &t->type :
		       i <= btf_vlen(t) ? &btf_params(t)[i - 1].type : NULL;
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
		return i == 0 ? &t->type : NULL;
	default:
		return NULL;
	}
}

/* The kept types, renumbered in their order; a reference to a type not
 * kept (only a pointer's) becomes void. */
static struct btf *copy_kept(const struct btf *k, const uint8_t *keep,
			     uint32_t *newid)
{
	uint32_t cnt = btf__type_cnt(k), next = 1;
	struct btf *out = btf__new_empty();

	for (uint32_t id = 1; out && id < cnt; id++) {
		newid[id] = keep[id] ? next++ : 0;
		if (keep[id] && btf__add_type(out, k, btf__type_by_id(k, id)) < 0) {
			btf__free(out);
			return NULL;
		}
	}
	for (uint32_t id = 1; out && id < next; id++) {
		/* btf__add_type() copied the kernel's ids */
		struct btf_type *t = (struct btf_type *)btf__type_by_id(out, id);
		uint32_t *ref;

		for (uint16_t i = 0; (ref = id_ref(t, i)) != NULL; i++)
			*ref = *ref < cnt ? newid[*ref] : 0;
	}
	return out;
}

/* The cut for one object's local BTF (k itself: every named type), or
 * NULL. */
static struct btf *cut_for(const struct btf *k, const struct btf *local)
{
	uint32_t cnt = btf__type_cnt(k);
	struct marks m = { k, calloc(cnt, 1), calloc(cnt, sizeof(uint32_t)), 0 };
	uint32_t *newid = calloc(cnt, sizeof(*newid));
	struct btf *out = NULL;
	size_t n_names = 0;
	char **names = local == k ? NULL : local_names(local, &n_names);

	if (m.keep && m.todo && newid && (names || local == k) &&
	    !mark_all(&m, names, n_names))
		out = copy_kept(k, m.keep, newid);
	free_names(names, n_names);
	free(newid);
	free(m.todo);
	free(m.keep);
	return out;
}

/* The cut's raw BTF in a memfd: its fd, or -errno. */
static int to_memfd(const struct btf *b)
{
	uint32_t size;
	const uint8_t *raw = btf__raw_data(b, &size);
	int fd = raw ? memfd_create("tlsdump-corebtf", MFD_CLOEXEC) : -1;
	size_t done = 0;

	if (fd < 0)
		return raw ? -errno : -ENOMEM;
	while (done < size) {
		ssize_t w = write(fd, raw + done, size - done);

		if (w <= 0) {
			close(fd);
			return w < 0 ? -errno : -EIO;
		}
		done += (size_t)w;
	}
	return fd;
}

/* A new cut for the object (elf, sz) in cb.c[cb.n]: 0 or -errno. */
static int make_cut(const void *elf, size_t sz)
{
	struct bpf_object *obj = bpf_object__open_mem(elf, sz, NULL);
	const struct btf *local = obj ? bpf_object__btf(obj) : NULL;
	struct btf *b = local ? cut_for(cb.kernel, local) : NULL;
	struct cut *c = &cb.c[cb.n];
	int fd = b ? to_memfd(b) : -ENOENT;

	if (fd >= 0) {
		c->elf = elf;
		c->fd = fd;
		snprintf(c->path, sizeof(c->path), "/proc/self/fd/%d", fd);
		cb.n++;
		log_debug("CO-RE against %u of the kernel's BTF types",
			  btf__type_cnt(b) - 1);
	}
	btf__free(b);
	bpf_object__close(obj);
	return fd < 0 ? fd : 0;
}

/* The kernel's BTF cut to every named struct, union, enum and typedef
 * and what they embed (no functions, no variables): 2 of its 5.5 MiB,
 * and what every object's cut is taken from, while the full BTF, parsed
 * here, is freed at once (libbpf parses it again for tp_btf objects: two
 * full copies resident together would be 6 MiB more at the peak). */
static struct btf *kernel_types(void)
{
	struct btf *full = btf__load_vmlinux_btf(), *compact = NULL;
	struct btf *types = full ? cut_for(full, full) : NULL;
	uint32_t size = 0, n_full = full ? btf__type_cnt(full) - 1 : 0;
	const void *raw;

	btf__free(full); /* first: the peak is the full BTF and the cut */
	raw = types ? btf__raw_data(types, &size) : NULL;
	/* held as raw data and an index, not as an editable BTF (its string
	 * hash table more than doubles it) */
	if (raw)
		compact = btf__new(raw, size);
	if (compact)
		log_debug("kernel BTF: %u types kept of %u for CO-RE (%u KiB)",
			  btf__type_cnt(compact) - 1, n_full, size >> 10);
	btf__free(types);
	return compact;
}

static const char *cut_path(const void *elf, size_t sz)
{
	for (int i = 0; i < cb.n; i++)
		if (cb.c[i].elf == elf)
			return cb.c[i].path;
	if (cb.failed || cb.released || cb.n == CUTS_MAX)
		return NULL;
	if (!cb.kernel)
		cb.kernel = kernel_types();
	if (!cb.kernel || make_cut(elf, sz)) {
		cb.failed = true; /* the default from now on: no time lost again */
		return NULL;
	}
	return cb.c[cb.n - 1].path;
}

const struct bpf_object_open_opts *corebtf_opts(const void *elf, size_t sz,
						struct bpf_object_open_opts *o)
{
	const char *path;

	pthread_mutex_lock(&cb.mu);
	path = cut_path(elf, sz);
	if (path)
		o->btf_custom_path = path;
	pthread_mutex_unlock(&cb.mu);
	return o;
}

void corebtf_release(void)
{
	pthread_mutex_lock(&cb.mu);
	for (int i = 0; i < cb.n; i++)
		close(cb.c[i].fd);
	cb.n = 0;
	btf__free(cb.kernel);
	cb.kernel = NULL;
	cb.released = true;
	pthread_mutex_unlock(&cb.mu);
}
