// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* source.c - text mode's plaintext source (sources/source.h: the
 * plain_source table): finds the files of the subcommand's stack
 * (tls: every file with OpenSSL's API, OpenSSL or BoringSSL; gotls: Go
 * programs; gnutls; nss: libssl3's SSL layer), probes their reads and
 * writes (plain.h) and hands each chunk to the run (env->chunk).  It
 * holds no keys: no origins to refute. */
#include "sources/plain/plain.h"
#include "sources/source.h"
#include "binary/elfsym.h"
#include "binary/gotargets.h"
#include "binary/targets.h"
#include "sources/boringssl/locate.h"
#include "sources/gnutls/judge.h"
#include "sources/gnutls/locate.h"
#include "sources/nss/locate.h"
#include "exitcode.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plain_src {
	const struct config *cfg;
	struct plainprobe *probe;
	struct tls_target_set targets;
	int attached;
	bool started;           /* a summary is due at the end */
	source_chunk_fn chunk;  /* where the chunks go */
	void *chunk_ctx;
};

static int on_chunk(void *ctx, const struct plain_event *e,
		    const uint8_t *data)
{
	struct plain_src *t = ctx;

	return t->chunk(t->chunk_ctx, e, data);
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
	.name = "sslapi",
};

static const struct text_stack stacks[] = {
	[CMD_TLS] = { "OpenSSL", "--libssl", "no OpenSSL functions in it", "OpenSSL" },
	[CMD_GOTLS] = { "Go", "--elfpath", "not a Go program with crypto/tls",
			"Go program with crypto/tls" },
	[CMD_GNUTLS] = { "GnuTLS", "--gnutls", "not a GnuTLS library or program",
			 "GnuTLS" },
	[CMD_NSS] = { "NSS", "--nss", "not NSS's libssl3", "NSS libssl3" },
};

static const struct text_stack *stack_of(const struct plain_src *t)
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
static int attach_nss(struct plain_src *t, const char *path, char *why,
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
static int attach_one(struct plain_src *t, const char *path,
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

static void attach_new(struct plain_src *t)
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
	struct plain_src *t = ctx;

	if (targets_scan_pid(&t->targets, (pid_t)pid) > 0)
		attach_new(t);
	plainprobe_known(t->probe, ino);
}

/* NSS is a library only: its files are found in the defaults and in
 * processes' maps, never in an executable. */
static bool wants_execs(const void *state)
{
	const struct plain_src *t = state;

	return t->probe && !n_named(t->cfg) && t->cfg->cmd != CMD_NSS;
}

static const struct target_kind *ahead_judge(const void *state)
{
	const struct plain_src *t = state;

	return wants_execs(t) ? t->targets.kind : NULL;
}

static bool exec_file(void *state, const struct source_exec *x)
{
	struct plain_src *t = state;
	int n;

	if (!wants_execs(t))
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
static bool named_refused(const struct plain_src *t, const char *path)
{
	struct nss_io_layout l;
	char why[256];

	if (t->cfg->cmd != CMD_NSS || nss_io_locate(path, &l, why, sizeof(why)) != -EPROTO)
		return false;
	log_err("--nss %s: NSS libssl3 build not recognised: %s", path, why);
	return true;
}

/* The files named on the command line, else every one in use. */
static int find_targets(struct plain_src *t)
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

static int start(void **state, const struct source_env *env)
{
	const struct config *cfg = env->cfg;
	struct plain_src *t = calloc(1, sizeof(*t));
	struct proc_want w = cli_want(cfg);
	int err;

	*state = t;
	if (!t)
		return EXIT_RUNTIME;
	t->cfg = cfg;
	t->chunk = env->chunk;
	t->chunk_ctx = env->chunk_ctx;
	err = plainprobe_open(&t->probe, env->rings, on_chunk,
			      n_named(cfg) || cfg->cmd == CMD_NSS ? NULL : on_exec,
			      t, &w);
	if (err) {
		log_err("cannot load the text-mode probes: %s", strerror(-err));
		return err == -EPERM ? EXIT_PERM : EXIT_RUNTIME;
	}
	err = find_targets(t);
	t->started = !err;
	return err;
}

static void rescan(void *state, const pid_t *pids, size_t n, bool now)
{
	struct plain_src *t = state;

	if (!n_named(t->cfg) && targets_rescan(&t->targets, pids, n) > 0)
		attach_new(t);
}

/* The run drained the ring and flushed its output before. */
static void stop(void *state)
{
	struct plain_src *t = state;
	uint64_t c[PLAIN_N_COUNTERS];

	if (t->probe) {
		plainprobe_counters(t->probe, c);
		if (t->started)
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
	free(t);
}

const struct key_source_ops plain_source = {
	.name = "plaintext",
	.cmd = CMD_CAPTURE, /* not one subcommand's: each one's -m text */
	.start = start,
	.wants_execs = wants_execs,
	.exec = exec_file,
	.ahead_judge = ahead_judge,
	.rescan = rescan,
	.stop = stop,
};
