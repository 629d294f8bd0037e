// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* text.c - see text.h. */
#include "out/text.h"
#include "proc/comment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Length of the UTF-8 sequence at p (2-4) when valid, else 0. */
static size_t utf8_len(const uint8_t *p, size_t left)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 :
		   p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : 0;

	if (!n || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

bool text_is_printable(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t c = data[i];

		if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t') {
			i++;
			continue;
		}
		size_t n = c >= 0x80 ? utf8_len(data + i, len - i) : 0;

		if (!n)
			return false;
		i += n;
	}
	return true;
}

static const char *h2_type(uint8_t t)
{
	static const char *const names[] = {
		"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
		"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
	};
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "UNKNOWN";
}

#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

bool text_http2_label(const uint8_t *data, size_t len, char *out, size_t cap)
{
	size_t pos = 0, used = 0, plen = sizeof(H2_PREFACE) - 1;
	int frames = 0;

	out[0] = '\0';
	if (len >= plen && !memcmp(data, H2_PREFACE, plen)) {
		used += (size_t)snprintf(out, cap, "preface");
		pos = plen;
	}
	/* RFC 9113 4.1: length(24) type(8) flags(8) R+stream(32), payload */
	while (pos + 9 <= len) {
		size_t flen = (size_t)data[pos] << 16 | (size_t)data[pos + 1] << 8 |
			      data[pos + 2];
		uint32_t sid = ((uint32_t)data[pos + 5] << 24 | (uint32_t)data[pos + 6] << 16 |
				(uint32_t)data[pos + 7] << 8 | data[pos + 8]) & 0x7fffffffu;

		if (data[pos + 3] > 9 || flen > len - pos - 9)
			return false;
		if (used < cap)
			used += (size_t)snprintf(out + used, cap - used, "%s%s(%u,%zu)",
						 used ? " " : "", h2_type(data[pos + 3]),
						 sid, flen);
		pos += 9 + flen;
		frames++;
	}
	return pos == len && (frames || pos == plen);
}

void text_base64(const uint8_t *d, size_t len, char *out)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];

		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = a[(v >> 6) & 63];
		out[o++] = a[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < len ? (uint32_t)d[i + 1] << 8 : 0);

		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = i + 1 < len ? a[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static void wall_time(uint64_t ns, char *buf, size_t cap)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ns % 1000000000u / 1000u));
}

static void hexdump(FILE *out, const uint8_t *d, size_t len)
{
	for (size_t i = 0; i < len; i += 16) {
		fprintf(out, "%08zx ", i);
		for (size_t k = 0; k < 16; k++)
			if (i + k < len)
				fprintf(out, " %02x", d[i + k]);
			else
				fputs("   ", out);
		fputs("  |", out);
		for (size_t k = 0; k < 16 && i + k < len; k++)
			fputc(d[i + k] >= 0x20 && d[i + k] < 0x7f ? d[i + k] : '.', out);
		fputs("|\n", out);
	}
}

static const char *lib_name(const struct plain_event *e)
{
	static const char *const names[] = {
		[PLAIN_OPENSSL] = "openssl", [PLAIN_GO] = "go",
		[PLAIN_GNUTLS] = "gnutls", [PLAIN_BORINGSSL] = "boringssl",
		[PLAIN_NSS] = "nss",
	};

	return e->lib < sizeof(names) / sizeof(names[0]) && names[e->lib] ?
	       names[e->lib] : "openssl";
}

/* The comm as a JSON string body (escaped) or as is (no spaces). */
static void put_comm(FILE *out, const struct plain_event *e, bool json)
{
	for (size_t i = 0; i < sizeof(e->comm) && e->comm[i]; i++) {
		unsigned char c = (unsigned char)e->comm[i];

		if (json && (c == '"' || c == '\\'))
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f || (!json && c == ' '))
			fprintf(out, json ? "\\u%04x" : "\\x%02x", c);
		else
			fputc(c, out);
	}
}

/* The HTTP/2 label of a chunk: 2 for whole frames (binary), 1 on an
 * HTTP/2 connection for a lone frame header or payload (a DATA payload
 * may well be text), 0 for none. */
static int h2_label(const uint8_t *d, size_t len, const struct text_meta *m,
		    char *out, size_t cap)
{
	if (text_http2_label(d, len, out, cap))
		return 2;
	if (!m->h2_conn)
		return 0;
	if (len == 9 && d[3] <= 9)
		snprintf(out, cap, "frame header %s(%u,%u)", h2_type(d[3]),
			 ((unsigned)d[5] << 24 | (unsigned)d[6] << 16 |
			  (unsigned)d[7] << 8 | d[8]) & 0x7fffffffu,
			 (unsigned)d[0] << 16 | (unsigned)d[1] << 8 | d[2]);
	else
		snprintf(out, cap, "frame payload");
	return 1;
}

static void readable(FILE *out, const struct text_opts *o,
		     const struct plain_event *e, const uint8_t *d,
		     const struct text_meta *m)
{
	char ts[64], h2[512], cg[CONN_COMMENT_MAX];
	int is_h2 = h2_label(d, e->len, m, h2, sizeof(h2));

	wall_time(m->wall_ns, ts, sizeof(ts));
	fprintf(out, "%s pid=%u tid=%u comm=", ts, e->pid, e->tid);
	put_comm(out, e, false);
	conn_cgroup_text(m->cgroup, cg, sizeof(cg));
	fprintf(out, " uid=%u%s fd=%d %s %s %s %s %s %u bytes", e->uid, cg, e->fd,
		m->local ? m->local : "?", e->dir == PLAIN_WRITE ? "->" : "<-",
		m->remote ? m->remote : "?", e->dir == PLAIN_WRITE ? "WRITE" : "READ",
		lib_name(e), e->len);
	if (e->len != e->total)
		fprintf(out, " [%u-%u of %u]", e->offset, e->offset + e->len, e->total);
	if (e->cut)
		fprintf(out, " (%u bytes cut)", e->cut);
	fputc('\n', out);
	if (is_h2)
		fprintf(out, "[HTTP/2 %s]\n", h2);
	if (!o->hex && is_h2 != 2 && text_is_printable(d, e->len)) {
		fwrite(d, 1, e->len, out);
		if (e->len && d[e->len - 1] != '\n')
			fputc('\n', out);
	} else {
		hexdump(out, d, e->len);
	}
	fputc('\n', out);
}

/* " cgroup=P container=C" -> "cgroup":"P","container":"C", */
static void json_cgroup(FILE *out, const char *cg)
{
	while (*cg == ' ') {
		const char *eq = strchr(cg, '='), *end;

		if (!eq)
			return;
		end = strchr(eq, ' ');
		end = end ? end : eq + strlen(eq);
		fprintf(out, "\"%.*s\":\"%.*s\",", (int)(eq - cg - 1), cg + 1,
			(int)(end - eq - 1), eq + 1);
		cg = end;
	}
}

static int json(FILE *out, const struct plain_event *e, const uint8_t *d,
		const struct text_meta *m)
{
	char ts[64], h2[512], cg[CONN_COMMENT_MAX];
	char *b64 = malloc(4 * ((size_t)e->len / 3 + 1) + 1);

	if (!b64)
		return -ENOMEM;
	text_base64(d, e->len, b64);
	wall_time(m->wall_ns, ts, sizeof(ts));
	fprintf(out, "{\"time\":\"%s\",\"pid\":%u,\"tid\":%u,\"comm\":\"", ts, e->pid, e->tid);
	put_comm(out, e, true);
	conn_cgroup_text(m->cgroup, cg, sizeof(cg));
	/* " cgroup=P container=C" as JSON fields (no '"' or '\\' in it) */
	fprintf(out, "\",\"uid\":%u,", e->uid);
	json_cgroup(out, cg);
	fprintf(out, "\"fd\":%d,\"local\":\"%s\",\"remote\":\"%s\","
		"\"dir\":\"%s\",\"lib\":\"%s\",\"conn\":\"0x%llx\",\"len\":%u,"
		"\"offset\":%u,\"total\":%u,\"cut\":%u,", e->fd,
		m->local ? m->local : "", m->remote ? m->remote : "",
		e->dir == PLAIN_WRITE ? "WRITE" : "READ", lib_name(e),
		(unsigned long long)e->conn, e->len, e->offset, e->total, e->cut);
	if (h2_label(d, e->len, m, h2, sizeof(h2)))
		fprintf(out, "\"http2\":\"%s\",", h2);
	fprintf(out, "\"data\":\"%s\"}\n", b64);
	free(b64);
	return 0;
}

int text_write(FILE *out, const struct text_opts *o, const struct plain_event *e,
	       const uint8_t *data, const struct text_meta *m)
{
	int err = 0;

	if (o->format == TEXT_JSON)
		err = json(out, e, data, m);
	else
		readable(out, o, e, data, m);
	if (!err && ferror(out))
		err = errno ? -errno : -EIO;
	return err;
}
