// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* openssl.c - see openssl.h (user side). */
#include "sources/openssl/openssl.h"
#include "proc/execwatch.h"
#include "binary/elfsym.h"
#include "binary/osslstatic.h"
#include "binary/prologue.h"
#include "sources/openssl/openssl.skel.h"
#include "log.h"
#include "bpfobj.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The probe set (docs/openssl.md, "When the secrets are present"). */
struct probe_spec {
	const char *func;
	int prog;     /* index in probe_progs() */
	bool ret;     /* uretprobe */
	bool entry;   /* at the function's first byte (after endbr64) */
};

enum { P_HS_ENTER, P_HS_RET, P_READ, P_WRITE, P_SHUTDOWN, P_FREE, P_ERROR,
       P_EARLY, P_N };

static const struct probe_spec probes[] = {
	/* SSL_connect/SSL_accept only enter SSL_do_handshake */
	{ "SSL_do_handshake", P_HS_ENTER, false, true },
	{ "SSL_do_handshake", P_HS_RET, true, true },
	{ "SSL_read", P_READ, false, false },
	{ "SSL_read_ex", P_READ, false, false },
	{ "SSL_write", P_WRITE, false, false },
	{ "SSL_write_ex", P_WRITE, false, false },
	/* Servers driven through BIO_f_ssl (s_server -www) call none of the
	 * above until the connection ends: their first keys come at
	 * SSL_shutdown/SSL_free.  Such a process then gets bio_probe. */
	{ "SSL_shutdown", P_SHUTDOWN, false, false },
	{ "SSL_free", P_FREE, false, false },
};
#define N_PROBES (sizeof(probes) / sizeof(probes[0]))

/* BIO_f_ssl calls SSL_get_error after each read and write, the first
 * right after the handshake; so do many programs after a failed call,
 * which is why it is probed only in the processes that need it (one hit
 * per BIO read or write, ~1 us on its emulated jcc). */
static const struct probe_spec bio_probe = { "SSL_get_error", P_ERROR,
					     false, false };
#define MAX_PID_PROBES 16 /* processes per file */

/* -m keylog: the ClientHello of a 0-RTT handshake (openssl.h, struct
 * ossl_hello); a build without the symbol has no 0-RTT line there. */
static const struct probe_spec hello_probe = { "SSL_SESSION_get0_cipher",
					       P_EARLY, false, false };

/* A build without symbols (binary/osslstatic.h): the probe of each role,
 * as the probe set names it, on every function found for that role. */
static const struct {
	int role;   /* enum osslstatic_role */
	int probe;  /* index in probes[] */
} stripped_probes[] = {
	{ OSR_HANDSHAKE, 0 }, { OSR_HANDSHAKE, 1 }, /* SSL_do_handshake */
	{ OSR_READ, 2 },                           /* ssl_read_internal */
	{ OSR_WRITE, 4 },                          /* ssl_write_internal */
	{ OSR_SHUTDOWN, 6 },                       /* SSL_shutdown */
};
#define N_STRIPPED (sizeof(stripped_probes) / sizeof(stripped_probes[0]))
#define MAX_LINKS (N_PROBES + 1 > N_STRIPPED * OSSLSTATIC_MAX_FUNCS ? \
		   N_PROBES + 1 : N_STRIPPED * OSSLSTATIC_MAX_FUNCS)

struct ossl_file {
	char path[PATH_MAX];     /* as opened (/proc/PID/root/...) */
	char display[PATH_MAX];  /* as the process or user named it */
	struct bpf_link *links[MAX_LINKS];
	int n_links;
	struct bpf_link *pid_links[MAX_PID_PROBES]; /* bio_probe, per process */
	pid_t pids[MAX_PID_PROBES];
	int n_pids;
	bool used;
	bool refused;            /* disabled: the slot stays taken */
};

struct ossl {
	struct openssl_bpf *skel;
	struct bpfobj obj; /* its ring */
	ossl_fn fn;
	ossl_hello_fn hello_fn; /* NULL: no ClientHello probe */
	void *ctx;
	struct execwatch *execs;
	struct ossl_file files[OSSL_MAX_FILES];
};

static struct bpf_program *prog_of(struct ossl *o, int which)
{
	struct bpf_program *p[P_N] = {
		o->skel->progs.ossl_handshake_enter,
		o->skel->progs.ossl_handshake_ret,
		o->skel->progs.ossl_read,
		o->skel->progs.ossl_write,
		o->skel->progs.ossl_shutdown,
		o->skel->progs.ossl_free,
		o->skel->progs.ossl_get_error,
		o->skel->progs.ossl_early,
	};

	return p[which];
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct ossl *o = ctx;

	if (size == sizeof(struct ossl_hello))
		return o->hello_fn ? o->hello_fn(o->ctx, data) : 0;
	if (size < sizeof(struct ossl_event))
		return 0;
	return o->fn(o->ctx, data);
}

void ossl_want_hellos(struct ossl *o, ossl_hello_fn fn)
{
	o->hello_fn = fn;
}

int ossl_open(struct ossl **out, struct ringset *rings, ossl_fn fn,
	      ossl_exec_fn exec_fn, void *ctx, const struct proc_want *w)
{
	struct ossl *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->fn = fn;
	o->ctx = ctx;
	err = BPFOBJ_OPEN_LOAD(openssl_bpf, &o->skel, w);
	err = err ?: bpfobj_ring(&o->obj, rings, o->skel->maps.secrets,
				 on_event, o);
	if (!err && exec_fn && execwatch_open(&o->execs, rings, exec_fn, ctx))
		log_info("no exec tracepoint: programs with OpenSSL linked in that start later are found by the 2 s scan only");
	if (err) {
		ossl_close(o);
		return err;
	}
	*out = o;
	return 0;
}

/* Where to put the probe of fn: an entry probe on the first emulated
 * instruction that still sees the SSL * in %rdi (docs/probe-cost.md: a
 * single-stepped probe costs ~15 µs, an emulated one ~1 µs); a return
 * probe (and its entry twin) where the return address is on top of the
 * stack: the first byte, or just after endbr64. */
static uint64_t probe_offset(struct elfsym *e, const struct elfsym_func *fn,
			     const struct probe_spec *spec)
{
	struct prologue_site site;
	uint8_t code[ELFSYM_FUNC_MAX];
	int n = elfsym_func_bytes(e, fn, code, sizeof(code));

	if (n <= 0)
		return fn->offset;
	if (prologue_find(code, (size_t)n, prologue_args_mask(1), &site) == -EINVAL)
		return fn->offset;
	log_debug("%s: probe at +0x%x (%s)", spec->func, (unsigned)site.offset,
		  prologue_kind_name((enum prologue_kind)site.kind));
	if (spec->entry)
		return fn->offset + (site.endbr ? 4 : 0);
	return fn->offset + site.offset;
}

static int attach_one(struct ossl *o, struct ossl_file *f, unsigned slot,
		      struct elfsym *e, pid_t pid, const struct probe_spec *spec,
		      const struct elfsym_func *fn)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = slot,
		    .retprobe = spec->ret);
	struct bpf_link *l;
	int err;

	if (f->n_links == (int)MAX_LINKS)
		return -ENOSPC;
	l = bpf_program__attach_uprobe_opts(prog_of(o, spec->prog), pid,
					    f->path,
					    (size_t)probe_offset(e, fn, spec), &uo);
	if (!l) {
		err = -errno;
		log_warn("%s: cannot probe %s: %s", f->path, spec->func,
			 strerror(-err));
		return err;
	}
	f->links[f->n_links++] = l;
	return 0;
}

/* No OpenSSL symbols (a stripped static program): the functions its
 * error names lead to (binary/osslstatic.h). */
static int attach_stripped(struct ossl *o, struct ossl_file *f, unsigned slot,
			   struct elfsym *e, pid_t pid)
{
	struct osslstatic_sites s;
	int err = osslstatic_sites(e, &s);

	if (err)
		return err == -ENODATA || err == -ENOENT ? -ESRCH : err;
	for (size_t i = 0; i < N_STRIPPED && !err; i++) {
		int role = stripped_probes[i].role;

		for (unsigned j = 0; j < s.n[role] && !err; j++) {
			struct elfsym_func fn = { .vaddr = s.f[role][j].vaddr,
						  .size = s.f[role][j].size };

			err = elfsym_vaddr_to_offset(e, fn.vaddr, &fn.offset, NULL);
			if (!err)
				err = attach_one(o, f, slot, e, pid,
						 &probes[stripped_probes[i].probe], &fn);
			if (!err)
				log_debug("%s: %s found by the name %s at 0x%llx",
					  f->display, probes[stripped_probes[i].probe].func,
					  s.name[role], (unsigned long long)fn.vaddr);
		}
	}
	if (!err)
		log_info("%s: no OpenSSL symbols: probes placed by the function names its errors carry (%u handshake, %u read, %u write, %u shutdown functions)",
			 f->display, s.n[OSR_HANDSHAKE], s.n[OSR_READ],
			 s.n[OSR_WRITE], s.n[OSR_SHUTDOWN]);
	return err;
}

static int attach_probes(struct ossl *o, struct ossl_file *f, unsigned slot,
			 struct elfsym *e, pid_t pid)
{
	struct elfsym_func fn;
	int i, err;

	if (elfsym_find_func(e, "SSL_do_handshake", &fn) != 0)
		return attach_stripped(o, f, slot, e, pid);
	for (i = 0; i < (int)N_PROBES; i++) {
		if (elfsym_find_func(e, probes[i].func, &fn))
			continue; /* e.g. no SSL_read_ex before 1.1.1 */
		err = attach_one(o, f, slot, e, pid, &probes[i], &fn);
		if (err)
			return err;
	}
	if (o->hello_fn && !elfsym_find_func(e, hello_probe.func, &fn)) {
		err = attach_one(o, f, slot, e, pid, &hello_probe, &fn);
		if (err)
			return err;
	}
	return f->n_links ? 0 : -ESRCH;
}

static void detach_file(struct ossl_file *f)
{
	size_t i;

	for (i = 0; i < (size_t)f->n_links; i++) {
		bpf_link__destroy(f->links[i]);
		f->links[i] = NULL;
	}
	f->n_links = 0;
	for (i = 0; i < (size_t)f->n_pids; i++)
		bpf_link__destroy(f->pid_links[i]);
	f->n_pids = 0;
	f->used = false;
}

static int free_slot(const struct ossl *o)
{
	int i;

	for (i = 0; i < OSSL_MAX_FILES; i++)
		if (!o->files[i].used && !o->files[i].refused)
			return i;
	return -ENOSPC;
}

int ossl_attach_file(struct ossl *o, const char *path, const char *display,
		     const struct ossl_offsets *off, pid_t pid)
{
	struct elfsym *e;
	uint32_t key;
	int slot = free_slot(o), err;

	if (slot < 0)
		return slot;
	key = (uint32_t)slot;
	if (bpf_map_update_elem(bpf_map__fd(o->skel->maps.profiles), &key,
				off, BPF_ANY))
		return -errno;
	err = elfsym_open(path, &e);
	if (err)
		return err;
	snprintf(o->files[slot].path, sizeof(o->files[slot].path), "%s", path);
	snprintf(o->files[slot].display, sizeof(o->files[slot].display), "%s",
		 display);
	o->files[slot].used = true;
	err = attach_probes(o, &o->files[slot], key, e, pid);
	elfsym_close(e);
	if (err) {
		detach_file(&o->files[slot]);
		return err;
	}
	return slot;
}

int ossl_attach_bio(struct ossl *o, unsigned file, pid_t pid)
{
	struct ossl_file *f = file < OSSL_MAX_FILES ? &o->files[file] : NULL;
	struct elfsym_func fn;
	struct elfsym *e;
	int i, err;

	if (!f || !f->used)
		return -ENOENT;
	for (i = 0; i < f->n_pids; i++)
		if (f->pids[i] == pid)
			return -EEXIST;
	if (f->n_pids >= MAX_PID_PROBES)
		return -ENOSPC;
	err = elfsym_open(f->path, &e);
	if (err)
		return err;
	err = elfsym_find_func(e, bio_probe.func, &fn);
	if (!err) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = file);

		f->pid_links[f->n_pids] = bpf_program__attach_uprobe_opts(
			prog_of(o, bio_probe.prog), pid, f->path,
			(size_t)probe_offset(e, &fn, &bio_probe), &uo);
		err = f->pid_links[f->n_pids] ? 0 : -errno;
	}
	elfsym_close(e);
	if (!err)
		f->pids[f->n_pids++] = pid;
	return err;
}

void ossl_disable_file(struct ossl *o, unsigned file)
{
	if (file < OSSL_MAX_FILES && o->files[file].used) {
		detach_file(&o->files[file]);
		o->files[file].refused = true;
	}
}

bool ossl_file_active(const struct ossl *o, unsigned file)
{
	return file < OSSL_MAX_FILES && o->files[file].used;
}

const char *ossl_file_path(const struct ossl *o, unsigned file)
{
	return file < OSSL_MAX_FILES ? o->files[file].display : "?";
}

const char *ossl_file_path_opened(const struct ossl *o, unsigned file)
{
	return file < OSSL_MAX_FILES ? o->files[file].path : "?";
}

void ossl_known(struct ossl *o, uint64_t ino)
{
	execwatch_known(o->execs, ino);
}

void ossl_counts(const struct ossl *o, uint64_t *sent, uint64_t *lost)
{
	uint64_t c[OSSL_N_COUNTERS];

	bpfobj_counters(o->skel->maps.counters, 0, c, OSSL_N_COUNTERS);
	*sent = c[OSSL_SENT];
	*lost = c[OSSL_RING_FULL];
}

void ossl_close(struct ossl *o)
{
	int i;

	if (!o)
		return;
	for (i = 0; i < OSSL_MAX_FILES; i++)
		if (o->files[i].used)
			detach_file(&o->files[i]);
	execwatch_close(o->execs);
	BPFOBJ_CLOSE(openssl_bpf, o->skel, &o->obj);
	free(o);
}
