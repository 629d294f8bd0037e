/* secrets.c - see secrets.h. */
#include "tls/secrets.h"
#include "tls/keys.h"
#include "tls/ossl.h"
#include "out/keylog.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct secrets {
	struct secrets_sink sink;
	struct ossl *src;
	struct keys_dedup *dedup;
	struct secrets_stats st;
};

int secrets_new(struct secrets **out, const struct secrets_sink *sink,
		struct ossl *src)
{
	struct secrets *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->sink = *sink;
	s->src = src;
	s->dedup = keys_dedup_new(0);
	if (!s->dedup) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* All lines a session of this version needs for Wireshark to decrypt it
 * (EXPORTER_SECRET is not needed). */
static bool is_complete(const struct ossl_event *e, const struct keys_set *set)
{
	unsigned i, have = 0;

	for (i = 0; i < set->n; i++)
		have |= 1u << set->line[i].label;
	if (e->version != 0x0304)
		return have & (1u << KEYS_CLIENT_RANDOM);
	return (have & (1u << KEYS_CLIENT_HANDSHAKE_TRAFFIC)) &&
	       (have & (1u << KEYS_SERVER_HANDSHAKE_TRAFFIC)) &&
	       (have & (1u << KEYS_CLIENT_TRAFFIC_0)) &&
	       (have & (1u << KEYS_SERVER_TRAFFIC_0));
}

static void log_line(const struct ossl_event *e, const struct keys_line *l)
{
	char cr[65];
	int i;

	for (i = 0; i < 32; i++)
		snprintf(cr + 2 * i, 3, "%02x", l->client_random[i]);
	log_info("%s save success: client_random=%s, pid=%u, comm=%.16s, TlsVersion=%s",
		 keys_label_name(l->label), cr, e->pid, e->comm,
		 keys_tls_version_name(e->version));
}

/* The new lines of set, formatted into buf (returns the length) and
 * queued for the key-log file (*err: its error). */
static size_t new_lines(struct secrets *s, const struct ossl_event *e,
			const struct keys_set *set, char *buf, size_t cap,
			int *err)
{
	size_t len = 0;
	unsigned i;
	int n;

	for (i = 0; i < set->n; i++) {
		int r = keys_dedup_add(s->dedup, &set->line[i]);

		if (r == KEYS_DEDUP_CONFLICT) {
			s->st.conflicts++;
			log_warn("pid %u (%.16s): a second, different %s for one session: kept the first",
				 e->pid, e->comm, keys_label_name(set->line[i].label));
		}
		if (r != KEYS_DEDUP_NEW)
			continue;
		n = keys_line_format(&set->line[i], buf + len, cap - len);
		if (n < 0)
			continue;
		if (s->sink.keylog && !*err)
			*err = keylog_add(s->sink.keylog, buf + len, (size_t)n);
		len += (size_t)n;
		s->st.lines++;
		log_line(e, &set->line[i]);
	}
	return len;
}

static int refuse(struct secrets *s, const struct ossl_event *e)
{
	s->st.refused++;
	log_warn("%s: secrets of pid %u (%.16s) are implausible (version 0x%x, cipher 0x%x): wrong offsets for this build; its probes are removed and none of its keys written",
		 ossl_file_path(s->src, e->profile), e->pid, e->comm,
		 (unsigned)e->version, e->cipher_id);
	ossl_disable_file(s->src, e->profile);
	return 0;
}

int secrets_on_event(struct secrets *s, const struct ossl_event *e)
{
	char buf[KEYS_MAX_LINES * KEYS_LINE_MAX + 1];
	struct keys_set set;
	size_t len;
	bool complete;
	int n, err = 0;

	if (!ossl_file_active(s->src, e->profile))
		return 0; /* queued before its file was refused */
	n = keys_from_ossl_event(e, &set);
	if (n == -EPROTO)
		return refuse(s, e);
	if (n <= 0)
		return 0;
	len = new_lines(s, e, &set, buf, sizeof(buf), &err);
	if (!err && len && s->sink.keylog)
		err = keylog_flush(s->sink.keylog);
	complete = is_complete(e, &set);
	s->st.sessions += complete && len > 0; /* completed by this snapshot */
	if (!err && (len || complete) && s->sink.keys)
		err = s->sink.keys(s->sink.ctx, set.line[0].client_random, buf,
				   len, complete);
	return err;
}

void secrets_get_stats(const struct secrets *s, struct secrets_stats *out)
{
	*out = s->st;
}

void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	keys_dedup_free(s->dedup);
	free(s);
}
