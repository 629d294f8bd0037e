// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* plain.c - see plain.h (user side). */
#include "sources/plain/plain.h"
#include "proc/execwatch.h"
#include "binary/elfsym.h"
#include "binary/goelf.h"
#include "binary/osslstatic.h"
#include "sources/plain/plain.skel.h"
#include "binary/prologue.h"
#include "log.h"
#include "bpfobj.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINKS 4096

struct plainprobe {
	struct plain_bpf *skel;
	struct bpfobj obj; /* its ring */
	plainprobe_fn fn;
	void *ctx;
	struct execwatch *execs;
	struct bpf_link *sys_enter;
	struct bpf_link *links[MAX_LINKS];
	int n;
};

static int on_chunk(void *ctx, void *data, size_t size)
{
	struct plainprobe *p = ctx;
	const struct plain_event *e = data;

	if (size < sizeof(*e) || size - sizeof(*e) < e->len)
		return 0;
	return p->fn(p->ctx, e, (const uint8_t *)data + sizeof(*e));
}

int plainprobe_open(struct plainprobe **out, struct ringset *rings,
		    plainprobe_fn fn, plainprobe_exec_fn exec_fn, void *ctx,
		    const struct proc_want *w)
{
	struct plainprobe *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->ctx = ctx;
	err = BPFOBJ_OPEN_LOAD(plain_bpf, &p->skel, w);
	err = err ?: bpfobj_ring(&p->obj, rings, p->skel->maps.plain, on_chunk,
				 p);
	if (!err) {
		p->sys_enter = bpf_program__attach(p->skel->progs.plain_sys_enter);
		if (!p->sys_enter)
			log_info("no sys_enter tracepoint (%s): OpenSSL connections show no fd",
				 strerror(errno));
	}
	if (!err && exec_fn && execwatch_open(&p->execs, rings, exec_fn, ctx))
		log_info("no exec tracepoint: programs that start later are found by the 2 s scan only");
	if (err) {
		plainprobe_close(p);
		return err;
	}
	*out = p;
	return 0;
}

void plainprobe_known(struct plainprobe *p, uint64_t ino)
{
	execwatch_known(p->execs, ino);
}

static int attach(struct plainprobe *p, struct bpf_program *prog,
		  const char *path, uint64_t off, uint64_t cookie, bool ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie, .retprobe = ret);
	struct bpf_link *l;

	if (p->n == MAX_LINKS)
		return -ENOSPC;
	l = bpf_program__attach_uprobe_opts(prog, -1, path, (size_t)off, &uo);
	if (!l)
		return -errno;
	p->links[p->n++] = l;
	return 0;
}

/* Entry and return probes of an OpenSSL function: where the return
 * address is on top of the stack (the first byte, after endbr64). */
static int attach_ossl_at(struct plainprobe *p, struct elfsym *e,
			  const char *path, const struct elfsym_func *f,
			  uint64_t cookie)
{
	struct prologue_site site = { .endbr = false };
	struct elfsym_func fn = *f;
	uint8_t code[16];
	uint64_t off;
	int n, err;

	n = elfsym_func_bytes(e, &fn, code, sizeof(code));
	if (n > 0)
		prologue_find(code, (size_t)n, 0, &site);
	off = fn.offset + (site.endbr ? 4 : 0);
	err = attach(p, p->skel->progs.plain_ossl_enter, path, off, cookie, false);
	return err ? err : attach(p, p->skel->progs.plain_ossl_ret, path, off,
				  cookie, true);
}

static int attach_ossl_func(struct plainprobe *p, struct elfsym *e,
			    const char *path, const char *name, uint64_t cookie)
{
	struct elfsym_func fn;

	if (elfsym_find_func(e, name, &fn))
		return -ENOENT;
	return attach_ossl_at(p, e, path, &fn, cookie);
}

/* OpenSSL linked in without symbols: ssl_read_internal and
 * ssl_write_internal, found by the names their errors carry
 * (binary/osslstatic.h) as the key probes are.  Both have SSL_read_ex's
 * form (the bytes moved behind the fourth argument); SSL_read, SSL_write
 * and their _ex forms all call them, so each call shows once. */
static int attach_stripped(struct plainprobe *p, struct elfsym *e,
			   const char *path, int lib)
{
	static const struct { int role, dir; } io[] = {
		{ OSR_READ, PLAIN_READ }, { OSR_WRITE, PLAIN_WRITE },
	};
	struct osslstatic_sites s;
	int err = osslstatic_sites(e, &s);

	if (err)
		return -ESRCH;
	for (size_t i = 0; i < sizeof(io) / sizeof(io[0]) && !err; i++) {
		if (!s.n[io[i].role])
			return -ESRCH;
		for (unsigned j = 0; j < s.n[io[i].role] && !err; j++) {
			struct elfsym_func fn = { .vaddr = s.f[io[i].role][j].vaddr,
						  .size = s.f[io[i].role][j].size };

			err = elfsym_vaddr_to_offset(e, fn.vaddr, &fn.offset, NULL);
			if (!err)
				err = attach_ossl_at(p, e, path, &fn,
						     PLAIN_COOKIE(io[i].dir, 1, lib));
		}
	}
	return err;
}

/* The read and write functions of one library. */
struct io_func {
	const char *name;
	int dir, ex;
};

static int attach_io_funcs(struct plainprobe *p, const char *path,
			   const struct io_func *fns, size_t n_fns, int lib)
{
	struct elfsym *e;
	int err, n = 0;

	err = elfsym_open(path, &e);
	if (err)
		return err;
	for (size_t i = 0; i < n_fns; i++) {
		err = attach_ossl_func(p, e, path, fns[i].name,
				       PLAIN_COOKIE(fns[i].dir, fns[i].ex, lib));
		if (err == -ENOENT)
			continue; /* no _ex before 1.1.1 */
		if (err)
			break;
		n++;
	}
	if (!n && lib == PLAIN_OPENSSL && (!err || err == -ENOENT))
		err = attach_stripped(p, e, path, lib), n = !err;
	elfsym_close(e);
	return err && err != -ENOENT ? err : (n ? 0 : -ESRCH);
}

int plainprobe_attach_ssl(struct plainprobe *p, const char *path,
			  enum plain_lib lib)
{
	static const struct io_func fns[] = {
		{ "SSL_read", PLAIN_READ, 0 }, { "SSL_read_ex", PLAIN_READ, 1 },
		{ "SSL_write", PLAIN_WRITE, 0 }, { "SSL_write_ex", PLAIN_WRITE, 1 },
	};

	return attach_io_funcs(p, path, fns, sizeof(fns) / sizeof(fns[0]), lib);
}

/* gnutls_record_send is a tail call of send2: probing both would show
 * each write twice (docs/gnutls.md). */
int plainprobe_attach_gnutls(struct plainprobe *p, const char *path)
{
	static const struct io_func fns[] = {
		{ "gnutls_record_recv", PLAIN_READ, 0 },
		{ "gnutls_record_send2", PLAIN_WRITE, 0 },
	};

	return attach_io_funcs(p, path, fns, sizeof(fns) / sizeof(fns[0]),
			       PLAIN_GNUTLS);
}

int plainprobe_attach_nss(struct plainprobe *p, const char *path, uint64_t off,
			  enum plain_dir dir, enum plain_nss_form form)
{
	uint64_t cookie = PLAIN_COOKIE(dir, 0, PLAIN_NSS) |
			  (form == PLAIN_NSS_RECV ? PLAIN_COOKIE_NSPR_RECV : 0);
	bool v = form == PLAIN_NSS_WRITEV;
	int err = attach(p, v ? p->skel->progs.plain_nss_writev_enter :
				p->skel->progs.plain_ossl_enter,
			 path, off, cookie, false);

	return err ? err : attach(p, v ? p->skel->progs.plain_nss_writev_ret :
					 p->skel->progs.plain_ossl_ret,
				  path, off, cookie, true);
}

#define GO_READ "crypto/tls.(*Conn).Read"
#define GO_WRITE "crypto/tls.(*Conn).Write"

static int attach_go_sites(struct plainprobe *p, struct gofile *g,
			   const char *path, char *why, size_t why_len)
{
	struct gofile_site w, r;
	uint64_t rets[GOFILE_MAX_RETS];
	int n, err;

	if ((err = gofile_site(g, GO_WRITE, &w, why, why_len)) ||
	    (err = gofile_site(g, GO_READ, &r, why, why_len)))
		return err;
	if (w.abi != GOABI_REG || r.abi != GOABI_REG) {
		snprintf(why, why_len, "text mode needs Go's register ABI (Go 1.17+)");
		return -ENOTSUP;
	}
	n = gofile_rets(g, GO_READ, rets, GOFILE_MAX_RETS, why, why_len);
	if (n < 0)
		return n;
	err = attach(p, p->skel->progs.plain_go_write, path, w.probe_offset, 0, false);
	if (!err)
		err = attach(p, p->skel->progs.plain_go_read_enter, path,
			     r.probe_offset, 0, false);
	for (int i = 0; i < n && !err; i++)
		err = attach(p, p->skel->progs.plain_go_read_ret, path, rets[i], 0,
			     false);
	if (err)
		snprintf(why, why_len, "cannot attach: %s", strerror(-err));
	return err;
}

int plainprobe_attach_go(struct plainprobe *p, const char *path, char *why,
			 size_t why_len)
{
	struct elfsym *e;
	struct gofile *g;
	int err = elfsym_open(path, &e);

	if (err) {
		snprintf(why, why_len, "%s", strerror(-err));
		return err;
	}
	err = gofile_open(e, &g, why, why_len);
	if (!err) {
		err = attach_go_sites(p, g, path, why, why_len);
		gofile_close(g);
	}
	elfsym_close(e);
	return err;
}

void plainprobe_counters(const struct plainprobe *p,
			 uint64_t out[PLAIN_N_COUNTERS])
{
	bpfobj_counters(p->skel->maps.counters, 0, out, PLAIN_N_COUNTERS);
}

void plainprobe_close(struct plainprobe *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		bpf_link__destroy(p->links[i]);
	bpf_link__destroy(p->sys_enter);
	execwatch_close(p->execs);
	BPFOBJ_CLOSE(plain_bpf, p->skel, &p->obj);
	free(p);
}
