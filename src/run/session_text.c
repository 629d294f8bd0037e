// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_text.c - see session_text.h. */
#include "run/session_text.h"
#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "out/output.h"
#include "out/text.h"
#include "proc/cgroup.h"
#include "binary/gotargets.h"
#include "sources/plain/plain.h"
#include "binary/targets.h"
#include "sources/gnutls/locate.h"
#include "sources/gnutls/judge.h"
#include "sources/boringssl/locate.h"
#include "sources/nss/locate.h"
#include "binary/elfsym.h"
#include "sources/source.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define H2_CONNS 1024 /* connections remembered as HTTP/2 (a ring) */

struct session_text {
	const struct config *cfg;
	struct plainprobe *probe;
	struct tls_target_set targets;
	struct text_opts opts;
	int64_t clock_off;  /* CLOCK_MONOTONIC -> CLOCK_REALTIME */
	int attached;
	int werr;
	FILE *out;          /* stdout, or -l FILE */
	uint64_t h2[H2_CONNS]; /* (pid << 48) ^ conn of HTTP/2 connections */
	struct cgcache *cgnames; /* cgroup ids -> paths (NULL: no cgroup v2) */
	unsigned int h2_next;
};

static uint64_t conn_key(const struct plain_event *e)
{
	return ((uint64_t)e->pid << 48) ^ e->conn;
}

static bool h2_known(const struct session_text *t, uint64_t k)
{
	for (unsigned int i = 0; i < H2_CONNS; i++)
		if (t->h2[i] == k)
			return true;
	return false;
}

/* Once a chunk is whole HTTP/2 frames, the connection is HTTP/2. */
static bool h2_conn(struct session_text *t, const struct plain_event *e,
		    const uint8_t *data)
{
	uint64_t k = conn_key(e);
	char label[8];

	if (h2_known(t, k))
		return true;
	if (!text_http2_label(data, e->len, label, sizeof(label)))
		return false;
	t->h2[t->h2_next++ % H2_CONNS] = k;
	return false; /* this chunk labels itself */
}

/* "127.0.0.1:443", "[::1]:443" */
static const char *endpoint(int family, const uint8_t *addr, uint16_t port,
			    char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, a, sizeof(a)))
		return NULL;
	snprintf(buf, cap, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

static int on_chunk(void *ctx, const struct plain_event *e,
		    const uint8_t *data)
{
	struct session_text *t = ctx;
	struct text_meta m = { .wall_ns = e->ts_ns + (uint64_t)t->clock_off };
	char local[64], remote[64];

	if (!cli_wants(t->cfg, e->pid, e->uid, e->comm))
		return 0;
	if (e->family == AF_INET || e->family == AF_INET6) {
		m.local = endpoint(e->family, e->laddr, e->lport, local, sizeof(local));
		m.remote = endpoint(e->family, e->raddr, e->rport, remote, sizeof(remote));
	}
	m.h2_conn = h2_conn(t, e, data);
	m.cgroup = t->cgnames ? cgcache_path(t->cgnames, e->cgid) : NULL;
	t->werr = text_write(t->out, &t->opts, e, data, &m);
	return t->werr;
}

/* What text mode probes, by subcommand. */
struct text_stack {
	const char *name;    /* in messages */
	const char *option;  /* the option that names its files */
	const char *not_one; /* a named file that is not one */
	const char *what;    /* what is waited for */
};

/* `tls -m text`: every file with OpenSSL's API exported: OpenSSL, and
 * BoringSSL where SSL_read/SSL_write are exported (Android's libssl; a
 * stripped Chromium has none: no plaintext from it). */
static int judge_ssl_api(const char *path, char *version, size_t vlen)
{
	struct elfsym_func fn;
	struct elfsym *e;
	int err = targets_openssl.judge(path, version, vlen);

	if (err != -ENODATA || boringssl_judge(path, version, vlen) != 0)
		return err;
	err = elfsym_open(path, &e);
	if (err)
		return err;
	if (elfsym_find_func(e, "SSL_read", &fn) ||
	    elfsym_find_func(e, "SSL_write", &fn))
		err = -ENODATA;
	elfsym_close(e);
	return err;
}

static const char *const ssl_api_defaults[] = {
	"libssl.so.3", "libssl.so.1.1", "android/libssl.so.0", NULL,
};
static const struct target_kind ssl_api_targets = {
	.lib = "libssl.so",
	.companion = "libcrypto.so",
	.defaults = ssl_api_defaults,
	.judge = judge_ssl_api,
};

static const struct text_stack stacks[] = {
	[CMD_TLS] = { "OpenSSL", "--libssl", "no OpenSSL functions in it", "OpenSSL" },
	[CMD_GOTLS] = { "Go", "--elfpath", "not a Go program with crypto/tls",
			"Go program with crypto/tls" },
	[CMD_GNUTLS] = { "GnuTLS", "--gnutls", "not a GnuTLS library or program",
			 "GnuTLS" },
	[CMD_NSS] = { "NSS", "--nss", "not NSS's libssl3", "NSS libssl3" },
};

static const struct text_stack *stack_of(const struct session_text *t)
{
	return &stacks[t->cfg->cmd];
}

/* The files named on the command line: how many, and the i-th. */
static const char *named(const struct config *c, int i)
{
	switch (c->cmd) {
	case CMD_GOTLS: return c->elfpaths[i];
	case CMD_GNUTLS: return c->gnutls;
	case CMD_NSS: return c->nss;
	default: return c->libssl;
	}
}

static int n_named(const struct config *c)
{
	if (c->cmd == CMD_GOTLS)
		return c->n_elfpaths;
	return named(c, 0) ? 1 : 0;
}

/* NSS: the SSL layer's five methods of one libssl3 (they run for SSL
 * file descriptors only, never for NSPR's other files). */
static int attach_nss(struct session_text *t, const char *path, char *why,
		      size_t wlen)
{
	static const enum plain_dir dirs[NSS_IO_N] = {
		[NSS_IO_READ] = PLAIN_READ, [NSS_IO_WRITE] = PLAIN_WRITE,
		[NSS_IO_RECV] = PLAIN_READ, [NSS_IO_SEND] = PLAIN_WRITE,
		[NSS_IO_WRITEV] = PLAIN_WRITE,
	};
	static const enum plain_nss_form forms[NSS_IO_N] = {
		[NSS_IO_RECV] = PLAIN_NSS_RECV, [NSS_IO_WRITEV] = PLAIN_NSS_WRITEV,
	};
	struct nss_io_layout l;
	int err = nss_io_locate(path, &l, why, wlen);

	for (int i = 0; i < NSS_IO_N && !err; i++)
		err = plainprobe_attach_nss(t->probe, path, l.probe[i], dirs[i],
					    forms[i]);
	if (err && err != -EPROTO)
		snprintf(why, wlen, "%s", strerror(-err));
	return err;
}

/* ssl: which of the two with OpenSSL's API (CMD_TLS). */
static int attach_one(struct session_text *t, const char *path,
		      enum plain_lib ssl, char *why, size_t wlen)
{
	int err;

	switch (t->cfg->cmd) {
	case CMD_GOTLS:
		return plainprobe_attach_go(t->probe, path, why, wlen);
	case CMD_GNUTLS:
		err = plainprobe_attach_gnutls(t->probe, path);
		break;
	case CMD_NSS:
		return attach_nss(t, path, why, wlen);
	default:
		err = plainprobe_attach_ssl(t->probe, path, ssl);
		break;
	}
	if (err == -ESRCH) /* a stripped GnuTLS the judge let through */
		snprintf(why, wlen, "its read and write functions are not among its symbols (stripped)");
	else
		snprintf(why, wlen, "%s", strerror(-err));
	return err;
}

static void attach_new(struct session_text *t)
{
	char why[256];
	int err;

	for (int i = t->targets.n - 1; i >= 0; i--) {
		struct tls_target *tg = &t->targets.t[i];
		enum plain_lib ssl = PLAIN_OPENSSL;
		const char *name = stack_of(t)->name;

		if (!tg->is_new)
			continue;
		if (t->cfg->cmd == CMD_TLS && !boringssl_judge(tg->path, NULL, 0)) {
			ssl = PLAIN_BORINGSSL;
			name = "BoringSSL";
		}
		err = attach_one(t, tg->path, ssl, why, sizeof(why));
		if (err == -ENOENT && !n_named(t->cfg)) {
			targets_forget(&t->targets, i); /* its process ended */
			continue;
		}
		if (err) {
			log_warn("%s: no plaintext from it: %s", tg->display, why);
			continue;
		}
		t->attached++;
		log_info("%s: %s%s%s: reads and writes probed", tg->display,
			 name, tg->version[0] ? " " : "", tg->version);
	}
}

/* A program just started (the exec tracepoint, when no gate holds
 * execs): probed now rather than at the next scan. */
static void on_exec(void *ctx, uint32_t pid, uint64_t ino)
{
	struct session_text *t = ctx;

	if (targets_scan_pid(&t->targets, (pid_t)pid) > 0)
		attach_new(t);
	plainprobe_known(t->probe, ino);
}

/* NSS is a library only: its files are found in the defaults and in
 * processes' maps, never in an executable. */
bool session_text_wants_execs(const struct session_text *t)
{
	return t && t->probe && !n_named(t->cfg) && t->cfg->cmd != CMD_NSS;
}

targets_judge_fn session_text_ahead_judge(const struct session_text *t)
{
	return session_text_wants_execs(t) ? t->targets.kind->judge : NULL;
}

bool session_text_exec(struct session_text *t, const struct source_exec *x)
{
	int n;

	if (!session_text_wants_execs(t))
		return true;
	n = targets_add_exec(&t->targets, x->path, x->name, (pid_t)x->pid);
	if (n > 0) {
		attach_new(t);
		targets_exec_done(&t->targets);
	}
	plainprobe_known(t->probe, x->ino);
	return n >= 0;
}

/* --nss names an NSS libssl3 whose SSL layer is not found: refused like
 * the key modes refuse it (one line), not left waiting. */
static bool named_refused(const struct session_text *t, const char *path)
{
	struct nss_io_layout l;
	char why[256];

	if (t->cfg->cmd != CMD_NSS || nss_io_locate(path, &l, why, sizeof(why)) != -EPROTO)
		return false;
	log_err("--nss %s: NSS libssl3 build not recognised: %s", path, why);
	return true;
}

/* The files named on the command line, else every one in use. */
static int find_targets(struct session_text *t)
{
	const struct config *c = t->cfg;
	int n = n_named(c);
	unsigned flags = n ? 0 : TARGETS_PROC | TARGETS_DEFAULTS;

	if (c->cmd == CMD_GOTLS)
		gotargets_init(&t->targets, n > 0);
	else
		targets_init_kind(&t->targets, flags,
				  c->cmd == CMD_GNUTLS ? &gnutls_targets :
				  c->cmd == CMD_NSS ? &nss_ssl_targets :
				  &ssl_api_targets);
	for (int i = 0; i < n; i++) {
		int err = targets_add_path(&t->targets, named(c, i));

		if (err >= 0 && named_refused(t, named(c, i)))
			return EXIT_USAGE;
		if (err < 0) {
			log_err("%s %s: %s", stack_of(t)->option, named(c, i),
				err == -ENODATA || err == -ENOEXEC ?
				stack_of(t)->not_one : strerror(-err));
			return EXIT_USAGE;
		}
	}
	targets_scan(&t->targets);
	attach_new(t);
	if (!t->attached)
		log_warn("no %s found yet: waiting for one to start", stack_of(t)->what);
	return 0;
}

/* stdout, or -l FILE opened by the rules of out/output.h. */
static int open_out(struct session_text *t, const char *path)
{
	int fd;

	t->out = stdout;
	if (!path)
		return 0;
	fd = output_open(path, OUTPUT_TRUNCATE);
	if (fd < 0)
		return EXIT_OUTPUT;
	t->out = fdopen(fd, "w");
	if (t->out)
		return 0;
	log_err("-l %s: %s", path, strerror(errno));
	close(fd);
	t->out = stdout;
	return EXIT_OUTPUT;
}

int session_text_start(struct session_text **out, const struct config *cfg)
{
	struct session_text *t = calloc(1, sizeof(*t));
	struct proc_want w;
	int err;

	*out = t;
	if (!t)
		return EXIT_RUNTIME;
	t->cfg = cfg;
	err = open_out(t, cfg->text_file);
	if (err)
		return err;
	t->opts.format = cfg->text_json ? TEXT_JSON : TEXT_READABLE;
	t->opts.hex = cfg->text_hex;
	t->clock_off = clock_mono_to_real_offset();
	t->cgnames = cgcache_new();
	w = cli_want(cfg);
	err = plainprobe_open(&t->probe, on_chunk,
			      n_named(cfg) || cfg->cmd == CMD_NSS ? NULL : on_exec,
			      t, &w);
	if (err) {
		log_err("cannot load the text-mode probes: %s", strerror(-err));
		return err == -EPERM ? EXIT_PERM : EXIT_RUNTIME;
	}
	return find_targets(t);
}

int session_text_consume(struct session_text *t)
{
	int rc = t && t->probe ? plainprobe_consume(t->probe) : 0;

	if (t && t->werr)
		return t->werr;
	if (t && rc > 0)
		fflush(t->out);
	return rc;
}

void session_text_rescan(struct session_text *t, const pid_t *pids, size_t n)
{
	if (t && !n_named(t->cfg) && targets_rescan(&t->targets, pids, n) > 0)
		attach_new(t);
}

int session_text_fd(const struct session_text *t)
{
	return t && t->probe ? plainprobe_fd(t->probe) : -1;
}

void session_text_stop(struct session_text *t, bool summary)
{
	uint64_t c[PLAIN_N_COUNTERS];

	if (!t)
		return;
	if (t->probe) {
		if (!t->werr)
			plainprobe_consume(t->probe);
		fflush(t->out);
		plainprobe_counters(t->probe, c);
		if (summary)
			fprintf(stderr, "%llu plaintext chunks printed\n",
				(unsigned long long)c[PLAIN_EVENTS]);
		if (c[PLAIN_RING_FULL] || c[PLAIN_READ_FAULTS] || c[PLAIN_CUT_BYTES])
			fprintf(stderr, "%llu chunks lost (buffer full), %llu unreadable, %llu bytes cut (calls over %u KiB)\n",
				(unsigned long long)c[PLAIN_RING_FULL],
				(unsigned long long)c[PLAIN_READ_FAULTS],
				(unsigned long long)c[PLAIN_CUT_BYTES],
				PLAIN_CHUNK * PLAIN_MAX_CHUNKS / 1024);
	}
	plainprobe_close(t->probe);
	targets_free(&t->targets);
	cgcache_free(t->cgnames);
	if (t->out && t->out != stdout)
		fclose(t->out);
	free(t);
}
