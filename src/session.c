/* session.c - see session.h.  Reads as the outline of a run:
 * choose interfaces -> compile the filter -> load BPF -> open the file ->
 * attach -> loop -> detach, drain, statistics, close, summary. */
#include "session.h"
#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"
#include "out/output.h"
#include "out/pcapng.h"
#include "packets/capture.h"
#include "packets/filter.h"
#include "packets/frame.h"
#include "packets/ifset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define POLL_MS 10      /* ring poll: records are not woken per packet */
#define TICK_MS 2000    /* flush, clock, -v progress */

struct session {
	const struct config *cfg;
	struct ifset si;
	struct filter *filters[IFSET_N_DLT];
	struct capture *cap;
	struct pcapng_writer *w;
	struct loop *loop;
	int64_t clock_off;
	uint64_t written;   /* handed to the writer */
	uint64_t in_file;   /* complete EPBs in the file at the end */
	uint64_t *if_written;
	int werr; /* first write error */
};

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
	}
	return 0;
}

static int open_capture(struct session *s, capture_fn fn)
{
	struct capture_opts o = {
		.snaplen = s->cfg->snaplen,
		.ring_bytes = s->cfg->ring_kib * 1024,
	};
	int err = capture_open(&s->cap, &o, fn, s);

	if (err == -EPERM) {
		log_err("no permission to load BPF programs: run as root (or with CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)");
		return EXIT_PERM;
	}
	if (err) {
		log_err("cannot load the capture program: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

static int open_file(struct session *s)
{
	char os[300], userappl[64];
	struct utsname u;
	struct pcapng_section shb = { .userappl = userappl };
	int fd = output_open(s->cfg->output), i, id;

	if (fd < 0)
		return EXIT_OUTPUT;
	snprintf(userappl, sizeof(userappl), "tlsdump %s", TLSDUMP_VERSION);
	if (uname(&u) == 0) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		shb.os = os;
		shb.hardware = u.machine;
	}
	s->w = pcapng_open_fd(fd, &shb, 0);
	if (!s->w) {
		log_err("cannot start '%s': %s", s->cfg->output, strerror(errno));
		close(fd); /* on failure the fd is still ours */
		return EXIT_OUTPUT;
	}
	for (i = 0; i < s->si.n; i++) {
		struct pcapng_iface ifc = {
			.name = s->si.ifs[i].name,
			.filter = s->cfg->expression,
			.linktype = (uint16_t)s->si.file_linktype,
			.snaplen = s->cfg->snaplen,
		};

		id = pcapng_add_iface(s->w, &ifc);
		if (id != i)
			return EXIT_RUNTIME;
	}
	/* The header blocks reach the file now: a reader attached to a
	 * pipe (tshark -i -) learns the interfaces before any packet. */
	if (pcapng_flush(s->w)) {
		log_err("cannot write '%s': %s", s->cfg->output, strerror(errno));
		return EXIT_OUTPUT;
	}
	return 0;
}

/* Loads one filter program per (DLT, direction) in use and attaches
 * them to every interface. */
static int attach_all(struct session *s)
{
	int fds[IFSET_N_DLT][2], d, dir, i, err = 0;
	char vlog[4096];

	memset(fds, -1, sizeof(fds));
	for (d = 0; d < IFSET_N_DLT && !err; d++)
		for (dir = 0; dir < 2 && s->si.dlt_used[d] && !err; dir++) {
			fds[d][dir] = filter_load(s->filters[d], dir,
					capture_prog_array_fd(s->cap),
					dir ? TC_SLOT_EGRESS : TC_SLOT_INGRESS,
					vlog, sizeof(vlog));
			err = fds[d][dir] < 0 ? fds[d][dir] : 0;
		}
	if (err)
		log_err("cannot load the filter program: %s", strerror(-err));
	for (i = 0; i < s->si.n && !err; i++) {
		const struct iface *ifc = &s->si.ifs[i];

		d = ifset_dlt_index(ifc);
		err = capture_add_iface(s->cap, ifc, i, fds[d][0], fds[d][1]);
		if (err)
			log_err("cannot attach to '%s': %s", ifc->name,
				strerror(-err));
	}
	for (d = 0; d < IFSET_N_DLT; d++) /* the attachments hold them now */
		for (dir = 0; dir < 2; dir++)
			if (fds[d][dir] >= 0)
				close(fds[d][dir]);
	return err == -ENODEV ? EXIT_NOIFACE : err ? EXIT_RUNTIME : 0;
}

/* The ring's callback: one record -> one EPB. */
static int on_packet(void *ctx, const struct cap_pkt *h, const uint8_t *data)
{
	struct session *s = ctx;
	const struct iface *ifc;
	struct pcapng_pkt_opts po = { 0 };
	struct frame_src src;
	struct frame f;
	int err;

	if (s->cfg->count && s->written >= s->cfg->count)
		return -ECANCELED;
	if (h->slot >= (uint32_t)s->si.n)
		return 0;
	ifc = &s->si.ifs[h->slot];
	src = (struct frame_src){ ifc->linktype, ifc->arphrd, ifc->ifindex };
	frame_build(&f, h, data, &src, s->si.file_linktype, s->cfg->snaplen);
	po.dir = f.dir;
	err = pcapng_write_packet2(s->w, (int)h->slot, h->ts_ns + s->clock_off,
				   f.head, f.headlen, f.body, f.bodylen,
				   f.origlen, &po);
	if (!err && s->cfg->immediate)
		err = pcapng_flush(s->w);
	if (err) {
		s->werr = err;
		return err;
	}
	s->written++;
	s->if_written[h->slot]++;
	return s->cfg->count && s->written >= s->cfg->count ? -ECANCELED : 0;
}

/* Drains the ring; maps "count reached" to a clean stop. */
static int consume(void *ctx)
{
	struct session *s = ctx;
	int rc = capture_consume(s->cap);

	if (rc == -ECANCELED || rc == -EPIPE)
		return 1;
	return rc < 0 ? rc : 0;
}

static uint64_t total_dropped(struct session *s)
{
	struct cap_stats st;
	uint64_t sum = 0;
	int i;

	for (i = 0; i < s->si.n; i++)
		if (capture_stats(s->cap, i, &st) == 0)
			sum += st.dropped;
	return sum;
}

/* Every 2 s: the file catches up, the clock offset follows NTP, -v
 * shows progress. */
static int tick(void *ctx)
{
	struct session *s = ctx;
	int err = pcapng_flush(s->w);

	if (err) {
		s->werr = err;
		return err == -EPIPE ? 1 : err;
	}
	s->clock_off = clock_mono_to_real_offset();
	log_info("packets saved into pcapng file. count=%llu dropped=%llu",
		 (unsigned long long)s->written,
		 (unsigned long long)total_dropped(s));
	return 0;
}

static int run_loop(struct session *s)
{
	int err;

	s->loop = loop_new();
	if (!s->loop)
		return -errno;
	err = loop_watch(s->loop, capture_ring_fd(s->cap), consume, s);
	if (!err)
		err = loop_every(s->loop, POLL_MS, consume, s);
	if (!err)
		err = loop_every(s->loop, TICK_MS, tick, s);
	if (!err)
		err = loop_run(s->loop, POLL_MS);
	return err;
}

/* ISB per interface (spec 4.6): what the interface saw, what passed
 * the filter, what we dropped, what is in this file. */
static void write_stats(struct session *s)
{
	struct pcapng_stats ps;
	struct cap_stats st;
	unsigned long long seen;
	int i;

	for (i = 0; i < s->si.n && !s->werr; i++) {
		memset(&st, 0, sizeof(st));
		capture_stats(s->cap, i, &st);
		ps = (struct pcapng_stats){
			.ts_ns = clock_real_ns(),
			.filteraccept = st.matched,
			.ifdrop = st.dropped,
			.usrdeliv = s->if_written[i],
		};
		if (iface_packet_count(&s->si.ifs[i], &seen) == 0 &&
		    seen >= s->si.ifs[i].packets_at_start)
			ps.ifrecv = seen - s->si.ifs[i].packets_at_start;
		s->werr = pcapng_write_stats(s->w, i, &ps);
	}
}

static void print_summary(struct session *s)
{
	struct cap_stats st;
	uint64_t matched = 0, dropped = 0;
	int i;

	for (i = 0; i < s->si.n; i++)
		if (capture_stats(s->cap, i, &st) == 0) {
			matched += st.matched;
			dropped += st.dropped;
		}
	fprintf(stderr, "%llu packets captured\n%llu packets received by filter\n"
		"%llu packets dropped by tlsdump\n", (unsigned long long)s->in_file,
		(unsigned long long)matched, (unsigned long long)dropped);
}

static int write_error_status(struct session *s)
{
	if (!s->werr || s->werr == -EPIPE)
		return EXIT_OK;
	if (output_is_disk_full(s->werr)) {
		log_err("disk full while writing '%s': the file is complete up to its last whole block",
			s->cfg->output);
		return EXIT_DISKFULL;
	}
	log_err("cannot write '%s': %s", s->cfg->output, strerror(-s->werr));
	return EXIT_OUTPUT;
}

/* Stop capturing, drain what the ring still holds, write statistics,
 * close the file.  Returns the exit status. */
static int finish(struct session *s, int loop_err)
{
	bool full = s->cfg->count && s->written >= s->cfg->count;
	int rc, err;

	capture_detach(s->cap);
	while (!s->werr && !full && (rc = capture_consume(s->cap)) > 0)
		full = s->cfg->count && s->written >= s->cfg->count;
	write_stats(s);
	err = pcapng_flush(s->w);
	if (!s->werr)
		s->werr = err;
	s->in_file = pcapng_packets_written(s->w);
	err = pcapng_close(s->w);
	s->w = NULL;
	if (!s->werr)
		s->werr = err;
	print_summary(s);
	rc = write_error_status(s);
	if (!rc && loop_err && loop_err != -ECANCELED && !s->werr) {
		log_err("capture stopped: %s", strerror(-loop_err));
		rc = EXIT_RUNTIME;
	}
	return rc;
}

static void cleanup(struct session *s)
{
	int i;

	if (s->w)
		pcapng_close(s->w);
	capture_close(s->cap);
	loop_free(s->loop);
	for (i = 0; i < IFSET_N_DLT; i++)
		filter_free(s->filters[i]);
	free(s->if_written);
	ifset_free(&s->si);
}

int session_run(const struct config *cfg)
{
	struct session s = { .cfg = cfg };
	int rc = EXIT_NOIFACE, err, i;

	if (ifset_resolve(&s.si, cfg->ifaces, cfg->n_ifaces))
		goto out;
	rc = compile_filters(&s);
	if (!rc)
		rc = open_capture(&s, on_packet);
	if (!rc)
		rc = open_file(&s);
	if (rc)
		goto out;
	s.if_written = calloc((size_t)s.si.n, sizeof(*s.if_written));
	for (i = 0; i < s.si.n; i++)
		iface_packet_count(&s.si.ifs[i], &s.si.ifs[i].packets_at_start);
	s.clock_off = clock_mono_to_real_offset();
	if (!s.if_written || loop_install_signals()) {
		log_err("cannot set up: %s", strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	rc = attach_all(&s);
	if (rc)
		goto out;
	log_info("capturing on %d interface(s), link type %s, writing '%s'",
		 s.si.n, iface_linktype_name(s.si.file_linktype), cfg->output);
	err = run_loop(&s);
	rc = finish(&s, err);
out:
	cleanup(&s);
	return rc;
}
