// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session.c - see session.h.  Reads as the outline of a run:
 * choose interfaces -> compile the filter -> load BPF -> open the file ->
 * attach -> loop -> detach, drain, statistics, close, summary. */
#include "run/session.h"
#include "clock.h"
#include "corebtf.h"
#include "exitcode.h"
#include "log.h"
#include "proc/selfmem.h"
#include "loop.h"
#include "out/output.h"
#include "out/pcapng.h"
#include "packets/tc.h"
#include "packets/filter.h"
#include "packets/frame.h"
#include "packets/ifset.h"
#include "join/sequencer.h"
#include "run/session_int.h"
#include "run/session_sources.h"
#include "run/text_run.h"
#include "run/session_links.h"
#include "run/session_cmd.h"
#include "run/cmd.h"
#include "binary/procsnap.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int compile_filters(struct session *s)
{
	char err[512];
	int i, rc;

	for (i = 0; i < IFSET_N_DLT; i++) {
		if (!s->si.dlt_used[i])
			continue;
		rc = filter_compile_on(&s->filters[i], s->cfg->expression,
				       ifset_first_of_dlt(&s->si, i),
				       ifset_dlt(i), s->cfg->snaplen, err,
				       sizeof(err));
		if (rc) {
			log_err("bad filter expression: %s", err);
			return EXIT_USAGE;
		}
		log_debug("filter for link type %s: %zu cBPF instructions",
			  iface_linktype_name(ifset_dlt(i)),
			  filter_insn_count(s->filters[i]));
	}
	return 0;
}

static int open_capture(struct session *s, capture_fn fn)
{
	struct capture_proc cp;
	struct capture_opts o = {
		.snaplen = s->cfg->snaplen,
		.ring_bytes = s->cfg->ring_kib * 1024,
		.proc = &cp,
	};
	int rc = session_proc_start(s, &cp);

	return rc ? rc : exit_of_load(capture_open(&s->cap, &o, fn, s),
					     "the capture program");
}

/* The filter programs stay loaded (s->ffd) for interfaces that come
 * later (session_links.c). */
static int attach_all(struct session *s)
{
	int d, dir, i, err = 0;

	for (d = 0; d < IFSET_N_DLT && !err; d++)
		for (dir = 0; dir < 2 && s->si.dlt_used[d] && !err; dir++) {
			s->ffd[d][dir] = session_filter_load(s, d, dir);
			err = s->ffd[d][dir] < 0 ? s->ffd[d][dir] : 0;
		}
	for (i = 0; i < s->si.n && !err; i++) {
		const struct iface *ifc = &s->si.ifs[i];

		d = ifset_dlt_index(ifc);
		err = capture_add_iface(s->cap, ifc, i, s->ffd[d][0],
					s->ffd[d][1]);
		if (err)
			log_err("cannot attach to '%s': %s", ifc->name,
				strerror(-err));
	}
	if (!err)
		err = session_links_start(s);
	return err == -ENODEV ? EXIT_NOIFACE : err ? EXIT_RUNTIME : 0;
}

/* One packet into the file (directly, or when the sequencer lets it
 * go).  -ECANCELED once -c COUNT packets are in. */
static int write_packet(void *ctx, const struct seq_packet *p)
{
	struct session *s = ctx;
	struct pcapng_pkt_opts po = { .dir = p->dir };
	int err;

	if (s->cfg->count && s->written >= s->cfg->count)
		return -ECANCELED;
	err = session_file_before_packet(s, p);
	if (err)
		return err;
	session_proc_opts(s, p, &po);
	err = pcapng_write_packet2(s->w, p->iface, p->ts_ns + s->clock_off,
				   p->head, p->headlen, p->body, p->bodylen,
				   p->origlen, &po);
	if (!err && s->cfg->immediate)
		err = pcapng_flush(s->w);
	if (err) {
		s->werr = err;
		return err;
	}
	s->written++;
	s->ifx[p->iface].written++;
	return s->cfg->count && s->written >= s->cfg->count ? -ECANCELED : 0;
}

/* A session's keys into the file, when the sequencer says so. */
static int write_dsb(void *ctx, const struct keys_set *keys)
{
	return session_file_dsb(ctx, keys);
}

/* Where the IP header starts in a captured frame (NULL: not IP). */
static const uint8_t *ip_start(const struct iface *ifc, const uint8_t *d,
			       uint32_t caplen, uint32_t *iplen)
{
	uint32_t l2 = 0;

	if (ifc->linktype == PCAPNG_LINKTYPE_ETHERNET) {
		l2 = 14;
		if (caplen >= 18 && d[12] == 0x81 && d[13] == 0x00)
			l2 = 18;
		else if (caplen >= 18 && d[12] == 0x88 && d[13] == 0xa8)
			l2 = 18;
	}
	if (caplen <= l2)
		return NULL;
	*iplen = caplen - l2;
	return d + l2;
}

/* The ring's callback: one record -> one EPB, through the sequencer when
 * TLS flows may have to wait for their keys. */
static int on_packet(void *ctx, const struct cap_pkt *h, const uint8_t *data)
{
	struct session *s = ctx;
	const struct iface *ifc;
	int id = session_slot_if(s, h);
	struct frame_src src;
	struct seq_packet sp;
	struct frame f;
	const uint8_t *ip;
	uint32_t iplen = 0;

	if (s->cfg->count && s->written >= s->cfg->count)
		return -ECANCELED;
	if (id < 0)
		return 0; /* cannot happen: every record has its interface */
	ifc = &s->si.ifs[id];
	src = (struct frame_src){ ifc->linktype, ifc->arphrd, ifc->ifindex };
	frame_build(&f, h, data, &src, s->si.file_linktype, s->cfg->snaplen);
	ip = ip_start(ifc, data, h->caplen, &iplen);
	sp = (struct seq_packet){ id, h->ts_ns, f.head, f.headlen, f.body,
				  f.bodylen, f.origlen, f.dir,
				  h->has_owner ? &h->owner : NULL, ip, iplen };
	if (!s->seq)
		return write_packet(s, &sp);
	return seq_packet(s->seq, &sp, sp.ip, sp.iplen, h->ts_ns);
}

/* Drains the rings, the sources' first (keys: their DSBs then precede
 * packets consumed in the same round), and lets go of flows whose keys
 * did not come in time.  Maps "count reached" and a closed pipe to a
 * clean stop.  LOOP_BUSY while records come or flows are held (the poll
 * stays fast), 0 when idle (it slows down). */
static int consume(void *ctx)
{
	struct session *s = ctx;
	int rc = text_run_flush(s, run_sources_consume(s->srcs));
	int n = rc > 0 ? rc : 0;

	if (rc >= 0 && s->cap) {
		rc = capture_consume(s->cap);
		n += rc > 0 ? rc : 0;
	}
	if (rc >= 0 && s->seq)
		rc = seq_tick(s->seq, (uint64_t)clock_mono_ns());
	if (rc == -ECANCELED || rc == -EPIPE)
		return 1;
	if (rc < 0)
		return rc;
	return n || (s->seq && !seq_idle(s->seq)) ? LOOP_BUSY : 0;
}

/* The kernel's counters summed over every interface (those gone too). */
static struct cap_stats total_stats(struct session *s)
{
	struct cap_stats st, sum = { 0 };
	int i;

	for (i = 0; i < s->si.n; i++)
		if (session_if_stats(s, i, &st) == 0) {
			sum.matched += st.matched;
			sum.captured += st.captured;
			sum.dropped += st.dropped;
		}
	return sum;
}

/* Every 2 s: the rings drained (the library news a rescan reads come
 * through them), the file catches up, the clock offset follows NTP, -v
 * shows progress. */
static int tick(void *ctx)
{
	struct session *s = ctx;
	int err = consume(s);

	if (err && err != LOOP_BUSY)
		return err;
	err = s->w ? pcapng_flush(s->w) : 0;
	if (err) {
		s->werr = err;
		return err == -EPIPE ? 1 : err;
	}
	s->clock_off = clock_mono_to_real_offset();
	session_cmd_rescan(s);
	run_sources_rescan(s->srcs);
	err = session_tls_tick(s);
	/* what finding and judging programs freed (ELF files read whole,
	 * in worker threads' arenas) goes back to the system */
	malloc_trim(0);
	if (err) /* the key log: session_tls_stop says it */
		return err == -EPIPE ? 1 : err;
	if (s->cap)
		log_info("packets saved into pcapng file. count=%llu dropped=%llu",
			 (unsigned long long)s->written,
			 (unsigned long long)total_stats(s).dropped);
	return 0;
}

static int run_loop(struct session *s)
{
	int fds[8], n, err;

	s->loop = loop_new();
	if (!s->loop)
		return -errno;
	err = s->cap ? loop_watch(s->loop, capture_ring_fd(s->cap), consume, s) : 0;
	n = run_sources_fds(s->srcs, fds, (int)(sizeof(fds) / sizeof(fds[0])));
	for (int i = 0; i < n && !err; i++)
		err = loop_watch(s->loop, fds[i], consume, s);
	if (!err && session_links_fd(s) >= 0)
		err = loop_watch(s->loop, session_links_fd(s),
				 session_links_consume, s);
	/* -U: each packet goes out as it comes, so the poll never slows */
	if (!err)
		err = loop_poll(s->loop, POLL_MS,
				s->cfg->immediate ? POLL_MS : POLL_IDLE_MS,
				consume, s);
	if (!err)
		err = loop_every(s->loop, TICK_MS, tick, s);
	if (!err)
		err = session_cmd_watch(s, s->loop); /* CMD starts now */
	if (!err)
		err = loop_run(s->loop);
	return err;
}

static void print_summary(struct session *s)
{
	struct cap_stats t = total_stats(s);

	if (s->cfg->no_summary)
		return;
	fprintf(stderr, "%llu packets captured\n%llu packets received by filter\n"
		"%llu packets dropped by tlsdump\n", (unsigned long long)(s->in_files - s->carried),
		(unsigned long long)t.matched, (unsigned long long)t.dropped);
}

static int write_error_status(struct session *s)
{
	if (!s->werr || s->werr == -EPIPE)
		return EXIT_OK;
	if (output_is_disk_full(s->werr)) {
		if (!s->werr_said)
			log_err("disk full while writing '%s': the file is complete up to its last whole block",
				s->fname);
		return EXIT_DISKFULL;
	}
	if (!s->werr_said)
		log_err("cannot write '%s': %s", s->fname, strerror(-s->werr));
	return EXIT_OUTPUT;
}

/* -vv: what holding flows for their keys did. */
static void log_seq_stats(const struct sequencer *seq)
{
	struct seq_stats st;

	seq_get_stats(seq, &st);
	log_debug("sequencer: %llu packets held; flows let go: %llu with their keys, %llu at the timeout, %llu early (memory); key sets not in the file: %llu of sessions not captured, %llu refused by the check",
		  (unsigned long long)st.held, (unsigned long long)st.released,
		  (unsigned long long)st.timed_out, (unsigned long long)st.overflow,
		  (unsigned long long)st.keys_dropped,
		  (unsigned long long)st.keys_refused);
}

/* Stop capturing, drain what the rings still hold (secrets first),
 * let held flows out, write statistics, close the file. */
static void finish_pcap(struct session *s)
{
	bool full = s->cfg->count && s->written >= s->cfg->count;
	int rc;

	capture_detach(s->cap);
	run_sources_consume(s->srcs);
	while (!s->werr && !full && (rc = capture_consume(s->cap)) > 0)
		full = s->cfg->count && s->written >= s->cfg->count;
	if (s->seq && !s->werr && !full)
		seq_drain(s->seq);
	session_file_close(s);
	if (s->seq)
		log_seq_stats(s->seq);
	print_summary(s);
}

/* Returns the exit status. */
static int finish(struct session *s, int loop_err)
{
	int rc, keys;

	if (s->cap)
		finish_pcap(s);
	text_run_stop(s);
	keys = session_tls_stop(s);
	rc = write_error_status(s) ?: keys;
	if (!rc && loop_err && loop_err != -ECANCELED && !s->werr) {
		log_err("capture stopped: %s", strerror(-loop_err));
		rc = EXIT_RUNTIME;
	}
	return rc ? rc : s->noiface ? EXIT_NOIFACE : 0;
}

static void cleanup(struct session *s)
{
	int i;

	text_run_stop(s);
	session_tls_stop(s);
	run_sources_free(s->srcs);
	procsnap_reset(); /* the sources' shared looks at /proc */
	session_proc_stop(s);
	session_links_stop(s);
	seq_free(s->seq);
	if (s->w)
		pcapng_close(s->w);
	session_file_free(s);
	capture_close(s->cap);
	loop_free(s->loop);
	for (i = 0; i < IFSET_N_DLT; i++)
		filter_free(s->filters[i]);
	free(s->ifx);
	ifset_free(&s->si);
}

/* Interfaces, filter, BPF and the file: the packet half of a run. */
static int start_pcap(struct session *s)
{
	int rc, i;

	if (ifset_resolve(&s->si, s->cfg->ifaces, s->cfg->n_ifaces))
		return EXIT_NOIFACE;
	rc = compile_filters(s);
	if (!rc)
		rc = open_capture(s, on_packet);
	if (rc)
		return rc;
	if (session_slots_start(s))
		return EXIT_RUNTIME;
	rc = session_file_start(s);
	if (rc)
		return rc;
	for (i = 0; i < s->si.n; i++)
		iface_packet_count(&s->si.ifs[i], &s->si.ifs[i].packets_at_start);
	return 0;
}

/* --pid of no process is a warning, not an error: a capture is often
 * started before the program it waits for. */
static void warn_missing_pids(const struct config *cfg)
{
	char dir[32];

	for (int i = 0; i < cfg->n_pids; i++) {
		snprintf(dir, sizeof(dir), "/proc/%u", cfg->pids[i]);
		if (access(dir, F_OK) != 0 && errno == ENOENT)
			log_warn("--pid %u: no such process (yet): capturing anyway, for a process that gets this pid",
				 cfg->pids[i]);
	}
}

/* -vv: what the run cost in memory (the rings are resident from the
 * start: the kernel maps their pages at mmap). */
static void log_memory(void)
{
	struct selfmem m;

	if (selfmem_read(&m) == 0)
		log_debug("memory: peak RSS %llu MiB; at exit %llu MiB, of which %llu MiB BPF maps (the rings), %llu MiB the rest",
			  (unsigned long long)(m.peak_kib >> 10),
			  (unsigned long long)(m.rss_kib >> 10),
			  (unsigned long long)(m.maps_kib >> 10),
			  (unsigned long long)((m.rss_kib - m.maps_kib) >> 10));
}

/* The key sources (the TLS run) or the plaintext source (text mode),
 * and what they share.  An exit status. */
static int start_sources(struct session *s)
{
	int rc;

	s->srcs = run_sources_new(s->cfg);
	if (!s->srcs)
		return EXIT_RUNTIME;
	rc = s->text ? text_run_start(s) : session_tls_start(s);
	if (!rc) /* library news, and the exec gate for the sources */
		run_sources_watch(s->srcs);
	return rc;
}

static void log_start(const struct session *s)
{
	if (s->pcap)
		log_info("capturing on %d interface(s), link type %s, writing '%s'",
			 s->si.n, iface_linktype_name(s->si.file_linktype),
			 s->fname);
	else if (s->text)
		log_info("printing TLS plaintext");
	else
		log_info("capturing TLS secrets only");
}

/* The run's own copy of the options carries the process filter's
 * shared sets (session_cmd.c). */
static void close_sets(struct config *c)
{
	if (c->tree_fd >= 0)
		close(c->tree_fd);
	if (c->cg_fd >= 0)
		close(c->cg_fd);
}

int session_run(const struct config *given)
{
	struct config copy = *given, *cfg = &copy;
	struct session s = { .cfg = cfg };
	int rc;

	memset(s.ffd, -1, sizeof(s.ffd));
	if (cfg->run_as && privdrop_resolve(cfg->run_as, &s.drop))
		return EXIT_USAGE;
	rc = session_cmd_start(&s, cfg);
	if (!rc && s.cmd && s.drop.on) /* -- CMD runs as -Z's USER */
		cmdrun_set_user(s.cmd, s.drop.uid, s.drop.gid);
	/* Before the long start-up (probes, scans): a SIGINT or SIGTERM that
	 * comes meanwhile stops the run as soon as its loop starts, even when
	 * tlsdump was started with SIGINT ignored (a background job of a
	 * script) and the default action would have dropped it. */
	if (!rc && loop_install_signals()) {
		log_err("cannot set up signals: %s", strerror(errno));
		rc = EXIT_RUNTIME;
	}
	/* -m keylog: secrets only; -m text: plaintext on stdout, a run of
	 * its own (text_run.c); otherwise packets, and the secrets of every
	 * TLS library we can probe ("everything we can decrypt"). */
	s.text = cfg->cmd != CMD_CAPTURE && cfg->model == MODEL_TEXT;
	s.pcap = !s.text && !(cfg->cmd != CMD_CAPTURE && cfg->model == MODEL_KEYLOG);
	s.tls = !s.text; /* the key sources: session_tls.c */
	s.clock_off = clock_mono_to_real_offset();
	if (!rc && s.pcap)
		rc = start_pcap(&s);
	if (!rc)
		rc = start_sources(&s);
	if (!rc && s.pcap && s.tls) {
		s.seq = seq_new((uint64_t)cfg->hold_ms * 1000000, 256u << 20,
				write_packet, write_dsb, &s);
		rc = s.seq ? 0 : EXIT_RUNTIME;
		if (s.seq) {
			seq_set_check(s.seq, session_tls_check,
				      session_tls_wants_check);
			seq_set_reneg_hello(s.seq, session_tls_reneg_hello);
		}
	}
	if (!rc && s.pcap)
		rc = attach_all(&s);
	/* -Z: attached, files open; what comes later is done as USER */
	if (!rc && s.drop.on && privdrop_apply(&s.drop))
		rc = EXIT_PERM;
	corebtf_release(); /* every BPF object is loaded */
	if (!rc) {
		warn_missing_pids(cfg);
		log_start(&s);
		rc = finish(&s, run_loop(&s));
		log_memory();
	}
	cleanup(&s);
	rc = session_cmd_stop(&s, rc);
	close_sets(cfg);
	return rc;
}
