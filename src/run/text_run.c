// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* text_run.c - see text_run.h. */
#include "run/text_run.h"
#include "binary/vcache.h"
#include "run/session_int.h"
#include "run/session_sources.h"
#include "sources/plain/plain.h"
#include "sources/source.h"
#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "out/output.h"
#include "out/text.h"
#include "proc/cgroup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define H2_CONNS 1024 /* connections remembered as HTTP/2 (a ring) */

struct text_run {
	const struct config *cfg;
	struct text_opts opts;
	int64_t clock_off;  /* CLOCK_MONOTONIC -> CLOCK_REALTIME */
	int werr;
	FILE *out;          /* stdout, or -l FILE */
	uint64_t h2[H2_CONNS]; /* (pid << 48) ^ conn of HTTP/2 connections */
	struct cgcache *cgnames; /* cgroup ids -> paths (NULL: no cgroup v2) */
	unsigned int h2_next;
	void *src;          /* the plaintext source (s->srcs stops it) */
};

static uint64_t conn_key(const struct plain_event *e)
{
	return ((uint64_t)e->pid << 48) ^ e->conn;
}

static bool h2_known(const struct text_run *t, uint64_t k)
{
	for (unsigned int i = 0; i < H2_CONNS; i++)
		if (t->h2[i] == k)
			return true;
	return false;
}

/* Once a chunk is whole HTTP/2 frames, the connection is HTTP/2. */
static bool h2_conn(struct text_run *t, const struct plain_event *e,
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
	struct text_run *t = ctx;
	struct text_meta m = { .wall_ns = e->ts_ns + (uint64_t)t->clock_off };
	char local[64], remote[64];

	if (t->werr) /* the reader left, or the file is full: no more */
		return t->werr;
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

/* stdout, or -l FILE opened by the rules of out/output.h. */
static int open_out(struct text_run *t, const char *path)
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

int text_run_start(struct session *s)
{
	const struct config *cfg = s->cfg;
	struct text_run *t = calloc(1, sizeof(*t));
	struct source_env env = { .cfg = cfg, .origin_base = -1 };
	int err;

	s->tx = t;
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
	env.chunk = on_chunk;
	env.chunk_ctx = t;
	vcache_enable(NULL, false); /* verdicts ahead only: no keys checked */
	return run_sources_start(s->srcs, &plain_source, &env, &t->src);
}

int text_run_flush(struct session *s, int rc)
{
	struct text_run *t = s->tx;

	if (t && rc > 0)
		fflush(t->out);
	return rc;
}

void text_run_stop(struct session *s)
{
	struct text_run *t = s->tx;

	if (!t)
		return;
	if (!t->werr)
		run_sources_drain(s->srcs);
	if (t->out)
		fflush(t->out);
	run_sources_stop(s->srcs); /* the source's summary: after the text */
	cgcache_free(t->cgnames);
	if (t->out && t->out != stdout)
		fclose(t->out);
	free(t);
	s->tx = NULL;
}
