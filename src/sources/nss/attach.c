// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* attach.c - the NSS files a run probes (source_int.h): every libssl3
 * gets the key-log probe, every freebl the HMAC probes; a file whose
 * build is not recognised is left alone with one warning. */
#include "sources/nss/source_int.h"
#include "sources/nss/nss.h"
#include "sources/nss/locate.h"
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* "probe at file offset 0x28a40", or "probes at its 2 callers, file
 * offsets 0x1b32c 0x3da1f" */
static const char *probes_text(const struct nss_ssl_layout *l, char *buf,
			       size_t cap)
{
	size_t n;

	if (l->n_probes == 1 && l->probes[0] == l->fn_probe) {
		snprintf(buf, cap, "probe at file offset 0x%llx",
			 (unsigned long long)l->fn_probe);
		return buf;
	}
	n = (size_t)snprintf(buf, cap, "probes at its %u caller%s, file offset%s",
			     l->n_probes, l->n_probes == 1 ? "" : "s",
			     l->n_probes == 1 ? "" : "s");
	for (unsigned i = 0; i < l->n_probes && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, " 0x%llx",
				      (unsigned long long)l->probes[i]);
	return buf;
}

static void attach_ssl(struct nss_source *g, const struct tls_target *tg)
{
	struct nss_ssl_layout l;
	char why[256], where[128];
	int slot;

	if (nss_ssl_locate(tg->path, &l, why, sizeof(why)) != 0) {
		log_warn("%s: NSS %s: %s: its TLS secrets are not captured",
			 tg->display, tg->version[0] ? tg->version : "?", why);
		return;
	}
	slot = nss_probe_attach_ssl(g->probe, tg->path, tg->display, &l);
	if (slot < 0) {
		log_warn("%s: cannot probe NSS: %s", tg->display, strerror(-slot));
		return;
	}
	g->attached_ssl++;
	log_info("%s: NSS %s, key-log function at 0x%llx (%s), client random at socket+0x%x",
		 tg->display, l.version[0] ? l.version : "?",
		 (unsigned long long)l.fn_vaddr,
		 probes_text(&l, where, sizeof(where)), l.cr_off);
}

static void attach_freebl(struct nss_source *g, const struct tls_target *tg)
{
	struct nss_freebl_layout l;
	char why[256];
	int slot;

	if (nss_freebl_locate(tg->path, &l, why, sizeof(why)) != 0) {
		log_warn("%s: NSS %s: %s: the TLS secrets of programs using it are not captured",
			 tg->display, tg->version[0] ? tg->version : "?", why);
		return;
	}
	slot = nss_probe_attach_freebl(g->probe, tg->path, tg->display, &l);
	if (slot < 0) {
		log_warn("%s: cannot probe NSS's freebl: %s", tg->display,
			 strerror(-slot));
		return;
	}
	g->attached_freebl++;
	log_info("%s: NSS %s freebl (table version 0x%x), HMAC_Destroy at 0x%llx",
		 tg->display, l.version[0] ? l.version : "?", l.vector_version,
		 (unsigned long long)l.vaddr[NSS_FB_DESTROY]);
}

void nss_attach_new(struct nss_source *g)
{
	for (int i = 0; i < g->freebl.n; i++)
		if (g->freebl.t[i].is_new)
			attach_freebl(g, &g->freebl.t[i]);
	for (int i = 0; i < g->ssl.n; i++)
		if (g->ssl.t[i].is_new)
			attach_ssl(g, &g->ssl.t[i]);
}

void nss_rescan(struct nss_source *g, const pid_t *pids, size_t n)
{
	int found = targets_rescan(&g->freebl, pids, n);

	if (!g->named_only && targets_rescan(&g->ssl, pids, n) > 0)
		found++;
	if (found > 0)
		nss_attach_new(g);
}

int nss_add_named(struct nss_source *g, const char *path)
{
	struct nss_ssl_layout l;
	char why[256];
	int err = nss_ssl_locate(path, &l, why, sizeof(why));

	if (err == -ENODATA || err == -ENOEXEC)
		snprintf(why, sizeof(why), "not NSS's libssl3");
	if (!err)
		err = targets_add_path(&g->ssl, path);
	if (err < 0) {
		log_err("--nss %s: %s", path, err == -EPROTO || err == -ENODATA ||
			err == -ENOEXEC ? why : strerror(-err));
		return EXIT_USAGE;
	}
	g->named_only = true;
	g->ssl.flags = 0; /* nothing else */
	return 0;
}

/* --list: where text mode's probes go. */
static void print_io(const struct tls_target *t)
{
	struct nss_io_layout io;
	char why[256];

	if (nss_io_locate(t->path, &io, why, sizeof(why)) == 0)
		printf("  text mode: ssl_Read 0x%llx, ssl_Write 0x%llx, ssl_Recv 0x%llx, ssl_Send 0x%llx, ssl_WriteV 0x%llx\n",
		       (unsigned long long)io.vaddr[NSS_IO_READ],
		       (unsigned long long)io.vaddr[NSS_IO_WRITE],
		       (unsigned long long)io.vaddr[NSS_IO_RECV],
		       (unsigned long long)io.vaddr[NSS_IO_SEND],
		       (unsigned long long)io.vaddr[NSS_IO_WRITEV]);
	else
		printf("  text mode: %s\n", why);
}

static void print_ssl(const struct tls_target *t)
{
	struct nss_ssl_layout l;
	char why[256], where[128];

	printf("%s\n  NSS %s (libssl3)\n", t->display,
	       t->version[0] ? t->version : "(version not found)");
	if (nss_ssl_locate(t->path, &l, why, sizeof(why)) == 0)
		printf("  key-log function at 0x%llx (%s); client random at socket+0x%x\n",
		       (unsigned long long)l.fn_vaddr,
		       probes_text(&l, where, sizeof(where)), l.cr_off);
	else
		printf("  %s: not probed\n", why);
	print_io(t);
	targets_print_procs(t, stdout);
}

static void print_freebl(const struct tls_target *t)
{
	struct nss_freebl_layout l;
	char why[256];

	printf("%s\n  NSS %s (freebl)\n", t->display,
	       t->version[0] ? t->version : "(version not found)");
	if (nss_freebl_locate(t->path, &l, why, sizeof(why)) == 0)
		printf("  table version 0x%x; TLS_PRF 0x%llx, TLS_P_hash 0x%llx, HMAC_Destroy 0x%llx; HMAC output at hash+0x%x (SHA-256), +0x%x (SHA-384)\n",
		       l.vector_version,
		       (unsigned long long)l.vaddr[NSS_FB_PRF],
		       (unsigned long long)l.vaddr[NSS_FB_P_HASH],
		       (unsigned long long)l.vaddr[NSS_FB_DESTROY],
		       l.sha[NSS_SHA256].h_off, l.sha[NSS_SHA384].h_off);
	else
		printf("  %s: not probed\n", why);
	targets_print_procs(t, stdout);
}

int nss_list(const struct config *cfg)
{
	struct tls_target_set ssl, freebl;
	int n;

	targets_init_kind(&ssl, TARGETS_MAPS | TARGETS_DEFAULTS, &nss_ssl_targets);
	targets_init_kind(&freebl, TARGETS_MAPS | TARGETS_DEFAULTS,
			  &nss_freebl_targets);
	if (cfg->nss && targets_add_path(&ssl, cfg->nss) < 0)
		log_warn("--nss %s: not NSS's libssl3", cfg->nss);
	n = targets_list(&ssl, print_ssl, "no NSS libssl3 found");
	if (n >= 0)
		n = targets_list(&freebl, print_freebl, "no NSS freebl found");
	else
		targets_free(&freebl);
	if (n < 0)
		log_err("cannot read /proc: %s", strerror(-n));
	return n < 0 ? EXIT_RUNTIME : EXIT_OK;
}
