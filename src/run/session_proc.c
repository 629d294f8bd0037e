// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_proc.c - process attribution in a run: the flow table and its
 * hooks (proc/), the kernel-side process filter, and the per-packet
 * comment (proc/comment.h). */
#include "exitcode.h"
#include "log.h"
#include "out/pcapng.h"
#include "join/sequencer.h"
#include "packets/tc.h"
#include "proc/comment.h"
#include "proc/cgroup.h"
#include "proc/conn.h"
#include "run/session_int.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

int session_proc_start(struct session *s, struct capture_proc *cp)
{
	const struct config *c = s->cfg;
	int err, i;

	memset(cp, 0, sizeof(*cp));
	cp->flows_fd = cp->owners_fd = cp->stats_fd = -1;
	if (c->no_proc)
		return 0;
	for (i = 0; i < c->n_comms; i++)
		if (strlen(c->comms[i]) >= CONN_COMM_LEN)
			log_warn("--comm %s: the kernel keeps %d bytes of a command name; matching '%.*s'",
				 c->comms[i], CONN_COMM_LEN - 1,
				 CONN_COMM_LEN - 1, c->comms[i]);
	cp->want = cli_want(c);
	err = proc_open(&s->proc, &cp->want);
	/* Attribution is an extra: without it the capture still works,
	 * unless the user asked for processes. */
	if (err && err != -EPERM && !c->n_comms && !c->n_pids && !c->n_uids &&
	    !cp->want.tree && !cp->want.cgroups) {
		log_warn("no process attribution (%s); capturing without it (--no-proc silences this)",
			 strerror(-err));
		return 0;
	}
	if (err)
		return exit_of_load(err, "the process attribution");
	proc_maps(s->proc, &cp->flows_fd, &cp->owners_fd, &cp->stats_fd);
	s->cgnames = cgcache_new(); /* NULL: no cgroup v2, no cgroup= */
	return 0;
}

_Static_assert(sizeof(struct conn_owner) == 40, "same_owner compares 5 words");

/* Five word compares, inline: this runs for every packet. */
static inline bool same_owner(const struct conn_owner *a,
			      const struct conn_owner *b)
{
	uint64_t x[5], y[5];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		 (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/* Consecutive packets mostly share their process: the text is made again
 * only when the owner changes. */
void session_proc_opts(struct session *s, const struct seq_packet *p,
		       struct pcapng_pkt_opts *po)
{
	char text[CONN_COMMENT_MAX];

	if (!p->owner)
		return;
	if (!s->last_opts_len || !same_owner(&s->last_owner, p->owner)) {
		s->last_owner = *p->owner;
		conn_comment(p->owner, s->cgnames ?
			     cgcache_path(s->cgnames, p->owner->cgid) : NULL,
			     text, sizeof(text));
		s->last_opts_len = (uint16_t)pcapng_encode_proc_opts(
			s->last_opts, sizeof(s->last_opts), text,
			p->owner->pid, p->owner->tid);
	}
	po->raw = s->last_opts;
	po->raw_len = s->last_opts_len;
}

void session_proc_stop(struct session *s)
{
	struct conn_stats st;
	uint64_t live = 0, gone;

	if (!s->proc)
		return;
	if (proc_stats(s->proc, &st, &live) == 0) {
		gone = st.learned > live + st.deleted ?
		       st.learned - live - st.deleted : 0;
		log_debug("process attribution: %llu flows learned, %llu in the table, %llu closed, %llu evicted, %llu packets of no known process",
			 (unsigned long long)st.learned,
			 (unsigned long long)live,
			 (unsigned long long)st.closed,
			 (unsigned long long)gone,
			 (unsigned long long)st.unowned);
	}
	proc_close(s->proc);
	s->proc = NULL;
	cgcache_free(s->cgnames);
	s->cgnames = NULL;
}
