// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* fuzz_pcapng.c - libFuzzer target: the pcapng writer (out/pcapng.c)
 * read back by libpcap.  The input is a script of blocks (packets of any
 * bytes and length with comments and process ids, DSBs of any bytes,
 * ISBs) written to a memory file; libpcap must read it whole and return
 * every packet as written, in order. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "out/pcapng.h"

#define MAX_PKTS 64

struct script {
	const uint8_t *p, *end;
};

static size_t take(struct script *s, size_t want, const uint8_t **out)
{
	size_t n = (size_t)(s->end - s->p) < want ? (size_t)(s->end - s->p) : want;

	*out = s->p;
	s->p += n;
	return n;
}

static unsigned byte(struct script *s)
{
	return s->p < s->end ? *s->p++ : 0;
}

/* One block from the script; a packet is remembered in pk/len. */
static int one_block(struct pcapng_writer *w, struct script *s,
		     const uint8_t **pk, uint32_t *len)
{
	unsigned op = byte(s) % 3, l = byte(s) | byte(s) << 8;
	const uint8_t *d;
	char comment[64];
	size_t n;

	if (op == 1) { /* DSB */
		n = take(s, l % 512, &d);
		return pcapng_write_tls_secrets(w, (const char *)d, n);
	}
	if (op == 2) { /* ISB */
		struct pcapng_stats st = { .ts_ns = l, .filteraccept = l, .usrdeliv = 1 };

		return pcapng_write_stats(w, (int)(l & 1), &st);
	}
	n = take(s, byte(s) % sizeof(comment), &d);
	memcpy(comment, d, n);
	comment[n] = '\0';
	for (size_t i = 0; i < n; i++) /* the product's comments are text */
		comment[i] = comment[i] ? comment[i] : ' ';
	struct pcapng_pkt_opts o = { .dir = (enum pcapng_dir)(l % 3),
				     .comment = n ? comment : NULL,
				     .pid = l, .tid = l + 1, .has_pid = (int)(l & 2) };
	*len = (uint32_t)take(s, l % 2048, pk);
	return pcapng_write_packet2(w, (int)(l & 1), 1700000000000000000ull + l,
				    *pk, *len / 2, *pk + *len / 2,
				    *len - *len / 2, *len + (l & 4), &o);
}

/* libpcap reads back exactly the n packets pk[i]/len[i]. */
static void read_back(int fd, const uint8_t **pk, const uint32_t *len, int n)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	FILE *f;
	pcap_t *p;
	int i = 0, rc;

	lseek(fd, 0, SEEK_SET);
	f = fdopen(fd, "rb");
	if (!f)
		abort();
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p)
		__builtin_trap(); /* our file, unreadable */
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (i >= n || h->caplen != len[i] || memcmp(data, pk[i], len[i]))
			__builtin_trap();
		i++;
	}
	if (rc != PCAP_ERROR_BREAK || i != n)
		__builtin_trap(); /* a read error, or packets missing */
	pcap_close(p); /* closes f and fd */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = { data, data + size };
	struct pcapng_section shb = { .userappl = "fuzz" };
	struct pcapng_iface ifc = { .linktype = 1, .snaplen = 262144 };
	const uint8_t *pk[MAX_PKTS];
	uint32_t len[MAX_PKTS];
	struct pcapng_writer *w;
	int fd = memfd_create("fuzz_pcapng", 0), wfd, n = 0;

	wfd = fd < 0 ? -1 : dup(fd);
	if (wfd < 0)
		abort();
	w = pcapng_open_fd(wfd, &shb, 0);
	if (!w)
		abort();
	ifc.name = "a";
	pcapng_add_iface(w, &ifc);
	ifc.name = "b";
	pcapng_add_iface(w, &ifc);
	while (s.p < s.end && n < MAX_PKTS) {
		uint32_t l = 0;
		const uint8_t *p = NULL;
		const uint8_t *before = s.p;

		if (one_block(w, &s, &p, &l))
			__builtin_trap();
		if (p) {
			pk[n] = p;
			len[n++] = l;
		}
		if (s.p == before)
			break;
	}
	if (pcapng_close(w))
		__builtin_trap();
	read_back(fd, pk, len, n);
	return 0;
}
