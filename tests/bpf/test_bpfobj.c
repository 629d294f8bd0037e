// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test_bpfobj.c - the BPF-object helper (bpfobj.h) against the kernel:
 * a source's object opened with its process filter and loaded; per-CPU
 * counters summed over CPUs, one word an element (a source's counters)
 * and a struct an element (tc.c's per-interface stats); a ring wired to
 * the ring set gets its records (execwatch's news of a program we
 * start), and none once the object's rings are off.  Needs root (BPF):
 * skips with the reason without it. */
#include "bpfobj.h"
#include "testlib.h"

#include "packets/tc.h"
#include "packets/tc.skel.h"
#include "proc/execwatch.h"
#include "proc/execwatch.skel.h"
#include "sources/keyfn/keyfn.h"
#include "sources/keyfn/keyfn.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Sets every CPU's copy of element key of a per-CPU map of words-word
 * values: CPU c's word w is base * (c + 1) + w. */
static int set_percpu(const struct bpf_map *m, uint32_t key, size_t words,
		      uint64_t base)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	uint64_t *v = calloc((size_t)ncpu * words, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (int c = 0; c < ncpu; c++)
		for (size_t w = 0; w < words; w++)
			v[(size_t)c * words + w] = base * (uint64_t)(c + 1) + w;
	err = bpf_map_update_elem(bpf_map__fd(m), &key, v, BPF_ANY) ? -errno : 0;
	free(v);
	return err;
}

/* What set_percpu's word w sums to over the CPUs. */
static uint64_t summed(uint64_t base, size_t w)
{
	uint64_t n = (uint64_t)libbpf_num_possible_cpus();

	return base * n * (n + 1) / 2 + n * w;
}

/* A source's object: filter, load, counters of one word each. */
static void source_object(void)
{
	static const uint32_t pids[] = { 4242 };
	struct proc_want w = { .pids = pids, .n_pids = 1 };
	struct keyfn_bpf *skel = NULL;
	uint64_t c[KEYFN_N_COUNTERS], two[2];
	uint32_t key = pids[0];
	uint8_t one = 0;
	int err = BPFOBJ_OPEN_LOAD(keyfn_bpf, &skel, &w);

	CHECK_MSG(!err, "keyfn_bpf: open, filter, load: %s", strerror(-err));
	if (err) {
		BPFOBJ_CLOSE(keyfn_bpf, skel, NULL);
		return;
	}
	CHECK(skel->rodata->n_pids == 1);
	CHECK(!bpf_map_lookup_elem(bpf_map__fd(skel->maps.want_pids), &key, &one));
	for (uint32_t k = 0; k < KEYFN_N_COUNTERS; k++)
		CHECK(!set_percpu(skel->maps.counters, k, 1, 10 * (k + 1)));
	CHECK(bpfobj_counters(skel->maps.counters, 0, c, KEYFN_N_COUNTERS) == 0);
	for (uint32_t k = 0; k < KEYFN_N_COUNTERS; k++)
		CHECK_MSG(c[k] == summed(10 * (k + 1), 0), "counter %u: %llu",
			  k, (unsigned long long)c[k]);
	/* from element 1 on */
	CHECK(bpfobj_counters(skel->maps.counters, 1, two, 2) == 0);
	CHECK(two[0] == c[1] && two[1] == c[2]);
	/* past the end: what exists is read, the rest is 0 and an error */
	CHECK(bpfobj_counters(skel->maps.counters, KEYFN_N_COUNTERS - 1, two,
			      2) < 0);
	CHECK(two[0] == c[KEYFN_N_COUNTERS - 1] && two[1] == 0);
	BPFOBJ_CLOSE(keyfn_bpf, skel, NULL);
}

/* tc.c's stats: a struct of counters an element, one per interface. */
static void struct_counters(void)
{
	const size_t words = sizeof(struct cap_stats) / sizeof(uint64_t);
	struct tc_bpf *skel = NULL;
	struct cap_stats st;
	int err = BPFOBJ_OPEN(tc_bpf, &skel);

	err = err ?: tc_bpf__load(skel);
	CHECK_MSG(!err, "tc_bpf: open, load: %s", strerror(-err));
	if (!err) {
		CHECK(!set_percpu(skel->maps.stats, 3, words, 1000));
		CHECK(bpfobj_counters(skel->maps.stats, 3, (uint64_t *)&st,
				      words) == 0);
		CHECK(st.matched == summed(1000, 0) &&
		      st.captured == summed(1000, 1) &&
		      st.dropped == summed(1000, 2));
		CHECK(bpfobj_counters(skel->maps.stats, 2, (uint64_t *)&st,
				      words) == 0);
		CHECK(!st.matched && !st.captured && !st.dropped);
	}
	BPFOBJ_CLOSE(tc_bpf, skel, NULL);
}

struct news {
	pid_t want;
	int seen;
};

static int on_exec(void *ctx, void *data, size_t size)
{
	struct news *n = ctx;
	const struct execwatch_event *e = data;

	if (size >= sizeof(*e) && (pid_t)e->pid == n->want)
		n->seen++;
	return 0;
}

/* Starts /bin/true; its pid once it has ended. */
static pid_t run_true(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/* Drains rs until n saw its pid, 2 s at most. */
static void drain(struct ringset *rs, struct news *n)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 200 && !n->seen; i++) {
		ringset_consume(rs);
		if (!n->seen)
			nanosleep(&ts, NULL);
	}
}

/* A ring into the set: its records come to the callback; rings off:
 * they go nowhere. */
static void ring_wiring(void)
{
	struct ringset *rs = ringset_new(), *other = ringset_new();
	struct execwatch_bpf *skel = NULL;
	struct bpfobj obj = { 0 };
	struct bpf_link *link = NULL;
	struct news n = { 0 };
	int err = BPFOBJ_OPEN(execwatch_bpf, &skel);

	err = err ?: execwatch_bpf__load(skel);
	if (!err)
		link = bpf_program__attach(skel->progs.execwatch_exec);
	if (!err && !link)
		err = -errno;
	err = err ?: bpfobj_ring(&obj, rs, skel->maps.execs, on_exec, &n);
	CHECK_MSG(!err, "execwatch_bpf: open, load, attach, ring: %s",
		  strerror(-err));
	if (!err) {
		CHECK(ringset_fd(rs) >= 0);
		/* an object's rings are in one set */
		CHECK(bpfobj_ring(&obj, other, skel->maps.execs, on_exec,
				  &n) == -EINVAL && obj.n == 1);
		n.want = run_true();
		drain(rs, &n);
		CHECK_MSG(n.seen == 1, "news of pid %d seen %d times",
			  (int)n.want, n.seen);
		bpfobj_rings_off(&obj);
		CHECK(obj.n == 0);
		n.seen = 0;
		n.want = run_true();
		drain(rs, &n);
		CHECK(n.seen == 0);
	}
	bpf_link__destroy(link);
	BPFOBJ_CLOSE(execwatch_bpf, skel, &obj);
	ringset_free(rs);
	ringset_free(other);
}

int main(void)
{
	if (geteuid() != 0)
		test_skip("needs root (BPF programs)");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		test_skip("no /sys/kernel/btf/vmlinux (kernel without BTF)");
	source_object();
	struct_counters();
	ring_wiring();
	corebtf_release();
	return test_done("test_bpfobj");
}
