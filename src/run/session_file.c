// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_file.c - the capture file of a run, or its series (-C, -G,
 * -W, -z: out/rotate.h, out/postrotate.h).  Each file is whole: SHB, an
 * IDB per interface, the packets, an ISB per interface at its close; and
 * each decrypts alone: join/flowkeys.h puts a flow's keys again ahead of
 * its first packet in every new file. */
#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "crypto/keys.h"
#include "join/flowkeys.h"
#include "join/sequencer.h"
#include "out/output.h"
#include "out/pcapng.h"
#include "out/postrotate.h"
#include "packets/tc.h"
#include "run/session_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define FLOWKEYS_MAX 65536 /* flows whose keys are kept for the next file */
#define CARRIED "tlsdump: carried over from an earlier file, for decryption"


/* -Z: a file opened before the drop belongs to USER as well (as in
 * tcpdump, which opens every file after it), so that a ring can open
 * it again and -z can work on it. */
static void give_away(struct session *s, int fd)
{
	struct stat st;

	if (!s->drop.on || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_uid == s->drop.uid)
		return;
	if (fchown(fd, s->drop.uid, s->drop.gid))
		log_warn("-Z %s: cannot give '%s' to it: %s", s->drop.name,
			 s->fname, strerror(errno));
}

static int write_error(struct session *s, int err)
{
	s->werr = err;
	s->werr_said = true;
	log_err("cannot write '%s': %s", s->fname, strerror(-err));
	return err;
}

/* The section header and an IDB for every interface of the run so far,
 * those gone included: a file after a rotation has the same interface
 * ids as the first (session_slots.c), so a packet's id and an ISB's
 * always name an IDB of their own file. */
static int write_header(struct session *s, int fd)
{
	char os[300], userappl[64];
	struct utsname u;
	struct pcapng_section shb = { .userappl = userappl };

	snprintf(userappl, sizeof(userappl), "tlsdump %s", TLSDUMP_VERSION);
	if (uname(&u) == 0) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		shb.os = os;
		shb.hardware = u.machine;
	}
	s->w = pcapng_open_fd(fd, &shb, 0);
	if (!s->w)
		return -errno;
	for (int i = 0; i < s->si.n; i++) {
		struct pcapng_iface ifc = {
			.name = s->si.ifs[i].name,
			.filter = s->cfg->expression,
			.linktype = (uint16_t)s->si.file_linktype,
			.snaplen = s->cfg->snaplen,
		};

		if (pcapng_add_iface(s->w, &ifc) != i)
			return -EIO;
	}
	/* The header blocks reach the file now: a reader attached to a
	 * pipe (tshark -i -) learns the interfaces before any packet. */
	return pcapng_flush(s->w);
}

/* Opens s->fname.  -errno after one line. */
static int open_file(struct session *s)
{
	int fd = output_open(s->fname, OUTPUT_TRUNCATE), err;

	if (fd < 0) {
		s->werr = fd;
		s->werr_said = true;
		return fd;
	}
	give_away(s, fd);
	err = write_header(s, fd);
	if (!s->w)
		close(fd); /* on failure the fd is still ours */
	if (err)
		write_error(s, err);
	for (int i = 0; s->ifx && i < s->si.n; i++)
		s->ifx[i].written = 0;
	s->carried_bytes = 0;
	return err;
}

int session_file_start(struct session *s)
{
	const struct config *c = s->cfg;
	struct rotate_opts o = { c->rotate_size, c->rotate_secs, c->rotate_count };
	time_t now = time(NULL);

	rotate_init(&s->rot, &o, c->output, now);
	if (rotate_name(&s->rot, now, s->fname, sizeof(s->fname))) {
		log_err("-w %s: the file name is too long", c->output);
		return EXIT_USAGE;
	}
	if (rotate_on(&s->rot)) {
		s->fk = flowkeys_new(FLOWKEYS_MAX);
		if (!s->fk)
			return EXIT_RUNTIME;
	}
	if (c->postrotate && !(s->pz = postrotate_new(c->postrotate)))
		return EXIT_RUNTIME;
	if (!open_file(s))
		return 0;
	return output_is_disk_full(s->werr) ? EXIT_DISKFULL : EXIT_OUTPUT;
}

/* ISB per interface (spec 4.6): what the interface saw, what passed
 * the filter, what we dropped (since the capture started), what is in
 * this file. */
static void write_stats(struct session *s)
{
	struct pcapng_stats ps;
	struct cap_stats st;
	unsigned long long seen;
	int i;

	for (i = 0; i < s->si.n && !s->werr; i++) {
		memset(&st, 0, sizeof(st));
		session_if_stats(s, i, &st);
		ps = (struct pcapng_stats){
			.ts_ns = clock_real_ns(),
			.filteraccept = st.matched,
			.ifdrop = st.dropped,
			.usrdeliv = s->ifx[i].written,
		};
		if (!s->si.ifs[i].gone &&
		    iface_packet_count(&s->si.ifs[i], &seen) == 0 &&
		    seen >= s->si.ifs[i].packets_at_start)
			ps.ifrecv = seen - s->si.ifs[i].packets_at_start;
		s->werr = pcapng_write_stats(s->w, i, &ps);
	}
}

int session_file_close(struct session *s)
{
	int err;

	if (!s->w)
		return s->werr;
	write_stats(s);
	err = pcapng_flush(s->w);
	if (!s->werr)
		s->werr = err;
	s->in_files += pcapng_packets_written(s->w);
	log_debug("'%s': %llu bytes of whole blocks written", s->fname,
		  (unsigned long long)pcapng_bytes_written(s->w));
	err = pcapng_close(s->w);
	s->w = NULL;
	if (!s->werr)
		s->werr = err;
	if (s->pz && rotate_on(&s->rot))
		postrotate_run(s->pz, s->fname);
	return s->werr;
}

/* The current file is full (-C) or old (-G): the next one. */
static int rotate(struct session *s, time_t now)
{
	int err = session_file_close(s);

	if (err)
		return err;
	if (rotate_name(&s->rot, now, s->fname, sizeof(s->fname)))
		return write_error(s, -ENAMETOOLONG);
	flowkeys_next_file(s->fk);
	log_info("next file: '%s'", s->fname);
	return open_file(s);
}

static int write_secrets(struct session *s, const struct keys_set *sets,
			 unsigned n)
{
	int err = pcapng_write_tls_keys(s->w, sets, n);

	if (!err && s->cfg->immediate)
		err = pcapng_flush(s->w);
	if (err)
		s->werr = err;
	return err;
}

static int carry_dsb(void *ctx, const struct keys_set *sets, unsigned n)
{
	return write_secrets(ctx, sets, n);
}

/* A packet of an earlier file, again (join/flowkeys.h): its process,
 * and a comment that says so. */
static int carry_packet(void *ctx, const struct flowkeys_pkt *c)
{
	struct session *s = ctx;
	struct seq_packet sp = { .owner = c->owner };
	struct pcapng_pkt_opts po = { .dir = c->dir, .comment = CARRIED };
	int err;

	session_proc_opts(s, &sp, &po);
	err = pcapng_write_packet2(s->w, c->iface, c->ts_ns, c->data, c->len,
				   NULL, 0, c->origlen, &po);
	if (err)
		s->werr = err;
	else
		s->ifx[c->iface].written++, s->carried++;
	return err;
}

/* What p's flow needs ahead of it in this file: its keys and, when the
 * flow began in an earlier file, its packets from there. */
static int flow_keys(struct session *s, const struct seq_packet *p)
{
	struct flowkeys_out out = { carry_dsb, carry_packet, s };
	uint64_t before = pcapng_size(s->w);
	int err = flowkeys_packet(s->fk, p, p->ts_ns + s->clock_off, &out);

	s->carried_bytes += pcapng_size(s->w) - before;
	return err;
}

int session_file_before_packet(struct session *s, const struct seq_packet *p)
{
	time_t now;
	int err = 0;

	if (!s->w)
		return s->werr ? s->werr : -EIO;
	if (!s->fk)
		return 0;
	now = time(NULL);
	/* -C: the file's own bytes; what was carried over into it, not */
	switch (rotate_check(&s->rot, pcapng_size(s->w) - s->carried_bytes, now)) {
	case ROTATE_LIMIT:
		if (!s->limit_said)
			log_warn("Maximum file limit reached: %u", s->cfg->rotate_count);
		s->limit_said = true;
		return -ECANCELED;
	case ROTATE_NOW:
		err = rotate(s, now);
		break;
	case ROTATE_NO:
		break;
	}
	return err ? err : flow_keys(s, p);
}

int session_file_dsb(struct session *s, const struct keys_set *keys)
{
	struct keys_set out;
	int err;

	if (!s->w)
		return s->werr ? s->werr : -EIO;
	if (!s->fk)
		return write_secrets(s, keys, 1);
	err = flowkeys_dsb(s->fk, keys, &out) ?: write_secrets(s, &out, 1);
	explicit_bzero(&out, sizeof(out));
	return err;
}

void session_file_free(struct session *s)
{
	struct flowkeys_stats st;

	if (s->fk) {
		flowkeys_get_stats(s->fk, &st);
		log_debug("rotation: keys written again into a later file for %llu sessions; %llu flows known at the end, %llu ended, %llu forgotten for room",
			  (unsigned long long)st.reemitted,
			  (unsigned long long)st.flows,
			  (unsigned long long)st.ended,
			  (unsigned long long)st.evicted);
	}
	flowkeys_free(s->fk);
	s->fk = NULL;
	postrotate_free(s->pz);
	s->pz = NULL;
}
