// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_attr.c - the capture program's process attribution and process
 * filter, on synthetic packets through bpf_prog_test_run (which runs on
 * lo, ifindex 1: the packet belongs to its sender).
 *
 * The flow table gets entries written here; the capture program must copy
 * the owner of a packet's flow into the record, ignore an entry past its
 * grace period, leave a packet of no known socket without an owner, and,
 * with --pid, record only the wanted process's packets.  Needs root (BPF,
 * cgroup hooks): skips with the reason without it. */
#include "packets/tc.h"
#include "proc/conn.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPORT 40001
#define DPORT 20002

static struct {
	int n;
	struct cap_pkt last;
} got;

static int on_pkt(void *ctx, const struct cap_pkt *h, const uint8_t *d)
{
	got.n++;
	got.last = *h;
	return 0;
}

/* Ethernet + IPv4 + TCP (no checksums: TC does not look) from
 * 127.0.0.1:sport to 127.0.0.2:DPORT. */
static size_t frame(uint8_t *b, uint16_t sport)
{
	uint16_t ports[2] = { htons(sport), htons(DPORT) };

	memset(b, 0, 60);
	b[12] = 0x08;
	b[14] = 0x45;
	b[17] = 40;     /* total length */
	b[22] = 64;     /* ttl */
	b[23] = 6;      /* TCP */
	b[26] = 127, b[29] = 1;
	b[30] = 127, b[33] = 2;
	memcpy(b + 34, ports, 4);
	b[46] = 0x50;   /* data offset 5 */
	b[47] = 0x10;   /* ACK */
	return 54;
}

static void put_flow(int fd, uint16_t sport, uint32_t pid, uint64_t expire)
{
	struct conn_key k = { .family = 2, .proto = 6, .lport = sport,
			      .rport = DPORT, .laddr = { 127, 0, 0, 1 },
			      .raddr = { 127, 0, 0, 2 } };
	struct conn_flow f = { .owner = { .pid = pid, .tid = pid + 1,
					  .uid = 7 }, .expire_ns = expire };

	strcpy(f.owner.comm, "unit");
	CHECK(bpf_map_update_elem(fd, &k, &f, BPF_ANY) == 0);
}

/* The capture program of c, found through its prog array. */
static int ingress_prog(struct capture *c)
{
	uint32_t key = TC_SLOT_INGRESS, id = 0;

	if (bpf_map_lookup_elem(capture_prog_array_fd(c), &key, &id))
		return -errno;
	return bpf_prog_get_fd_by_id(id);
}

/* Runs one frame; the number of records it produced. */
static int run(struct capture *c, int fd, uint16_t sport)
{
	uint8_t b[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b, .repeat = 1);

	o.data_size_in = (uint32_t)frame(b, sport);
	got.n = 0;
	CHECK(bpf_prog_test_run_opts(fd, &o) == 0);
	CHECK(o.retval == (uint32_t)-1); /* TC_ACT_UNSPEC, always */
	capture_consume(c);
	return got.n;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A capture with attribution (pids: --pid values, n of them) on lo, whose
 * attached filter program is a stub that never captures real traffic. */
static struct capture *open_capture(struct proc *p, const uint32_t *pids,
				    int n, int *stub)
{
	struct bpf_insn ret[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = -1 }, /* r0 = -1 */
		{ .code = 0x95 },                          /* exit */
	};
	struct capture_proc cp = { .want = { .pids = pids, .n_pids = n } };
	struct capture_opts o = { .snaplen = 65535, .ring_bytes = 1 << 20,
				  .proc = &cp };
	struct capture *c = NULL;
	struct iface lo;

	proc_maps(p, &cp.flows_fd, &cp.owners_fd, &cp.stats_fd);
	*stub = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "t5stub", "GPL", ret, 2,
			      NULL);
	if (*stub < 0 || capture_open(&c, &o, on_pkt, NULL) ||
	    iface_by_name("lo", &lo) || capture_add_iface(c, &lo, 0, *stub, *stub)) {
		capture_close(c);
		return NULL;
	}
	return c;
}

static void test_attribution(struct proc *p, int flows)
{
	struct capture *c;
	int stub, fd;

	c = open_capture(p, NULL, 0, &stub);
	CHECK(c != NULL);
	if (!c)
		return;
	fd = ingress_prog(c);
	CHECK(fd >= 0);
	put_flow(flows, SPORT, 4242, 0);
	CHECK(run(c, fd, SPORT) == 1);
	CHECK(got.last.has_owner && got.last.owner.pid == 4242);
	CHECK(got.last.owner.tid == 4243 && got.last.owner.uid == 7);
	CHECK(!strcmp(got.last.owner.comm, "unit"));
	/* closed more than the grace period ago: not this owner any more */
	put_flow(flows, SPORT + 1, 4343, mono_ns() - 1);
	CHECK(run(c, fd, SPORT + 1) == 1 && !got.last.has_owner);
	/* still in its grace period: attributed */
	put_flow(flows, SPORT + 2, 4444, mono_ns() + 2000000000ull);
	CHECK(run(c, fd, SPORT + 2) == 1 && got.last.has_owner &&
	      got.last.owner.pid == 4444);
	/* no entry and no socket: recorded, without owner */
	CHECK(run(c, fd, SPORT + 3) == 1 && !got.last.has_owner);
	close(fd);
	capture_close(c);
	close(stub);
}

static void test_filter(struct proc *p)
{
	uint32_t want = 4444;
	int stub = -1, fd;
	struct capture *c = open_capture(p, &want, 1, &stub);

	CHECK(c != NULL);
	if (!c)
		return;
	fd = ingress_prog(c);
	CHECK(run(c, fd, SPORT + 2) == 1 && got.last.owner.pid == 4444);
	CHECK(run(c, fd, SPORT) == 0);     /* another process */
	CHECK(run(c, fd, SPORT + 3) == 0); /* no known process */
	close(fd);
	capture_close(c);
	close(stub);
}

int main(void)
{
	struct proc *p = NULL;
	int flows, owners, stats, err;

	if (getuid() != 0)
		test_skip("needs root (BPF programs, cgroup hooks)");
	err = proc_open(&p, &(struct proc_want){ 0 });
	if (err)
		test_skip("cannot load the process attribution");
	proc_maps(p, &flows, &owners, &stats);
	test_attribution(p, flows);
	test_filter(p);
	proc_close(p);
	return test_done("test_attr");
}
