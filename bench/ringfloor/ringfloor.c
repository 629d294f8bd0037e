// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ringfloor.c - bench/capture.sh's floor for a BPF capture: TCP/IPv4
 * packets of one port on lo, from the ring straight into a PCAP-NG file,
 * nothing else (no process attribution, no keys, no options).  The kernel
 * writes whole EPBs (ringfloor.bpf.c); this side only hands the ring's
 * spans to writev(), up to 1024 records (IOV_MAX) per call, and gives the space
 * back after each call.
 *
 *   ringfloor PORT FILE [WAKEUP_KIB [RING_MIB]]
 *
 * Prints "ready" when attached; on SIGINT/SIGTERM drains the ring and
 * prints "N packets captured" and "N packets dropped by ringfloor". */
#include "ringfloor.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TCX_INGRESS 46 /* enum bpf_attach_type, Linux 6.6 */
#define BUSY (1u << 31)
#define DISCARD (1u << 30)
#define BATCH 1024 /* IOV_MAX */

struct ring {
	unsigned long *cons, *prod;
	unsigned char *data;
	unsigned long mask;
};

static volatile sig_atomic_t stop;

static void on_sig(int sig) { stop = sig; }

static int ring_map(struct ring *r, int fd, unsigned long size)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *c, *p;

	c = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = mmap(NULL, pg + 2 * size, PROT_READ, MAP_SHARED, fd, pg);
	if (c == MAP_FAILED || p == MAP_FAILED)
		return -errno;
	r->cons = c;
	r->prod = p;
	r->data = (unsigned char *)p + pg;
	r->mask = size - 1;
	return 0;
}

/* One writev() of up to IOV_MAX finished records; 0 when none wait. */
static long drain_once(struct ring *r, int out)
{
	struct iovec iov[BATCH];
	unsigned long cons = *r->cons, prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	int n = 0;

	while (cons < prod && n < BATCH) {
		unsigned char *h = r->data + (cons & r->mask);
		unsigned int len = __atomic_load_n((unsigned int *)h, __ATOMIC_ACQUIRE);

		if (len & BUSY)
			break;
		if (!(len & DISCARD))
			iov[n++] = (struct iovec){ h + 8, len };
		cons += ((len & ~DISCARD) + 8 + 7) & ~7ul;
	}
	if (cons == *r->cons)
		return 0;
	for (int i = 0; i < n;) { /* short writes: tmpfs only when full */
		ssize_t w = writev(out, iov + i, n - i);

		if (w < 0)
			return -errno;
		for (; i < n && (size_t)w >= iov[i].iov_len; i++)
			w -= iov[i].iov_len;
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= w;
		}
	}
	__atomic_store_n(r->cons, cons, __ATOMIC_RELEASE);
	return n + 1;
}

static int write_header(int out)
{
	/* SHB (version 1.0, section length unknown), IDB (Ethernet, µs). */
	unsigned int shb[7] = { 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0xffffffff,
				0xffffffff, 28 };
	unsigned int idb[5] = { 1, 20, 1, 1 << 18, 20 };

	return write(out, shb, sizeof(shb)) == sizeof(shb) &&
	       write(out, idb, sizeof(idb)) == sizeof(idb) ? 0 : -EIO;
}

static unsigned long long realtime_offset(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (r.tv_sec - m.tv_sec) * 1000000000ull + r.tv_nsec - m.tv_nsec;
}

static int run(struct ringfloor_bpf *s, int out, int link)
{
	int rfd = bpf_map__fd(s->maps.ring), ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	struct ring r;
	long n;
	int err = ring_map(&r, rfd, bpf_map__max_entries(s->maps.ring));

	if (err || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev))
		return err ? err : -errno;
	fprintf(stderr, "ready\n");
	while (!stop) {
		epoll_wait(ep, &ev, 1, 10);
		while ((n = drain_once(&r, out)) > 0)
			;
		if (n < 0)
			return (int)n;
	}
	close(link); /* detached: drain what the ring still holds */
	while ((n = drain_once(&r, out)) > 0)
		;
	return n < 0 ? (int)n : 0;
}

int main(int argc, char **argv)
{
	struct ringfloor_bpf *s;
	int out, link, err;

	if (argc < 3) {
		fprintf(stderr, "usage: ringfloor PORT FILE [WAKEUP_KIB [RING_MIB]]\n");
		return 2;
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	out = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	s = ringfloor_bpf__open();
	if (out < 0 || !s || write_header(out)) {
		perror("ringfloor: open");
		return 1;
	}
	s->rodata->port = (unsigned short)atoi(argv[1]);
	s->rodata->realtime_off = realtime_offset();
	if (argc > 3)
		s->rodata->wakeup_bytes = strtoull(argv[3], NULL, 0) << 10;
	if (argc > 4)
		bpf_map__set_max_entries(s->maps.ring, (unsigned)strtoul(argv[4], NULL, 0) << 20);
	err = ringfloor_bpf__load(s);
	link = err ? -1 : bpf_link_create(bpf_program__fd(s->progs.floor_ingress), 1,
					  TCX_INGRESS, NULL);
	if (err || link < 0) {
		fprintf(stderr, "ringfloor: load/attach: %s\n", strerror(err ? -err : errno));
		return 1;
	}
	err = run(s, out, link);
	fprintf(stderr, "%llu packets captured\n%llu packets dropped by ringfloor\n",
		(unsigned long long)s->bss->captured, (unsigned long long)s->bss->dropped);
	if (err)
		fprintf(stderr, "ringfloor: write: %s\n", strerror(-err));
	ringfloor_bpf__destroy(s);
	return close(out) || err ? 1 : 0;
}
