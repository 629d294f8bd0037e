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

/* Who produced a set of lines (for the log and the completeness rule). */
struct origin {
	uint32_t pid;
	const char *comm;
	int version; /* 0x0304: TLS 1.3 */
};

/* Whether the session has, in the dedup table, all the lines Wireshark
 * needs to decrypt it (EXPORTER_SECRET is not needed). */
static bool is_complete(const struct secrets *s, const uint8_t *cr,
			int version)
{
	static const uint8_t tls13[] = {
		KEYS_CLIENT_HANDSHAKE_TRAFFIC, KEYS_SERVER_HANDSHAKE_TRAFFIC,
		KEYS_CLIENT_TRAFFIC_0, KEYS_SERVER_TRAFFIC_0,
	};

	if (version != 0x0304)
		return keys_dedup_has(s->dedup, cr, KEYS_CLIENT_RANDOM);
	for (size_t i = 0; i < sizeof(tls13); i++)
		if (!keys_dedup_has(s->dedup, cr, tls13[i]))
			return false;
	return true;
}

static void log_line(const struct origin *o, const struct keys_line *l)
{
	char cr[65];
	int i;

	for (i = 0; i < 32; i++)
		snprintf(cr + 2 * i, 3, "%02x", l->client_random[i]);
	log_info("%s save success: client_random=%s, pid=%u, comm=%.16s, TlsVersion=%s",
		 keys_label_name(l->label), cr, o->pid, o->comm,
		 keys_tls_version_name(o->version));
}

/* The new lines of set, formatted into buf (returns the length) and
 * queued for the key-log file (*err: its error). */
static size_t new_lines(struct secrets *s, const struct origin *o,
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
				 o->pid, o->comm, keys_label_name(set->line[i].label));
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
		log_line(o, &set->line[i]);
	}
	return len;
}

/* The lines of one session (set->n > 0, one client random) to the
 * sinks: the new ones to the key log, and to the pcapng with whether the
 * session is now complete. */
static int deliver(struct secrets *s, const struct origin *o,
		   const struct keys_set *set)
{
	char buf[KEYS_MAX_LINES * KEYS_LINE_MAX + 1];
	const uint8_t *cr = set->line[0].client_random;
	size_t len;
	bool complete;
	int err = 0;

	len = new_lines(s, o, set, buf, sizeof(buf), &err);
	if (!err && len && s->sink.keylog)
		err = keylog_flush(s->sink.keylog);
	complete = is_complete(s, cr, o->version);
	s->st.sessions += complete && len > 0; /* completed by these lines */
	if (!err && (len || complete) && s->sink.keys)
		err = s->sink.keys(s->sink.ctx, cr, buf, len, complete);
	return err;
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
	struct origin o = { e->pid, e->comm, e->version };
	struct keys_set set;
	int n;

	if (!ossl_file_active(s->src, e->profile))
		return 0; /* queued before its file was refused */
	n = keys_from_ossl_event(e, &set);
	if (n == -EPROTO)
		return refuse(s, e);
	return n > 0 ? deliver(s, &o, &set) : 0;
}

int secrets_on_go(struct secrets *s, const struct gotls_event *e)
{
	char comm[sizeof(e->comm) + 1] = "";
	struct keys_set set = { .n = 1 };
	struct origin o = { e->pid, comm, 0x0303 };
	int n = keys_from_go_event(e, &set.line[0]);

	if (n < 0) {
		s->st.refused++;
		return 0;
	}
	if (n == 0)
		return 0; /* all-zero secret or random */
	memcpy(comm, e->comm, sizeof(e->comm));
	if (set.line[0].label != KEYS_CLIENT_RANDOM)
		o.version = 0x0304;
	return deliver(s, &o, &set);
}

void secrets_set_keylog(struct secrets *s, struct keylog *kl)
{
	s->sink.keylog = kl;
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
