// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* uprobe_hit.c - what one uprobe hit costs on this machine, by the
 * instruction under the probe (bench/hits.sh builds and runs it; root).
 *
 * Three tiny functions, each starting with a different kind of
 * instruction: `push %rbp` (the kernel emulates it), `mov %rdi,%rax`
 * (copied out of line and single-stepped) and a 5-byte nop (which Linux
 * 6.18 and later rewrite into a call of the uprobe trampoline after the
 * first hit).  Each is called N times in a loop without a probe and then
 * with a uprobe perf event on its first byte (no BPF program: the price of
 * the trap alone), and the difference per call is printed.  tlsdump puts
 * its probes on emulated instructions; none of the functions it probes in
 * distributions' libraries starts with a 5-byte nop. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

long f_push(long x);
long f_mov(long x);
long f_nop5(long x);
__asm__(".text\n"
	".globl f_push\n.type f_push,@function\nf_push:\n"
	"  push %rbp\n  mov %rdi,%rax\n  pop %rbp\n  ret\n"
	".globl f_mov\n.type f_mov,@function\nf_mov:\n"
	"  mov %rdi,%rax\n  add $1,%rax\n  ret\n"
	".globl f_nop5\n.type f_nop5,@function\nf_nop5:\n"
	"  .byte 0x0f,0x1f,0x44,0x00,0x00\n  mov %rdi,%rax\n  ret\n");

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* ns per call of fn over n calls. */
static double per_call(long (*volatile fn)(long), long n)
{
	double t0 = now_ns();
	long acc = 0;

	for (long i = 0; i < n; i++)
		acc += fn(i);
	if (acc == 42)
		fputs("", stderr); /* keep the loop */
	return (now_ns() - t0) / n;
}

/* The file offset of code address a in this executable, from /proc/self/maps. */
static int file_offset(const void *a, char *path, size_t plen, uint64_t *off)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uint64_t lo, hi, pgoff, addr = (uint64_t)(uintptr_t)a;
	int found = -ENOENT;

	while (f && fgets(line, sizeof(line), f)) {
		char perms[8], p[400] = "";

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %399s",
			   &lo, &hi, perms, &pgoff, p) < 4 || addr < lo || addr >= hi)
			continue;
		snprintf(path, plen, "%s", p);
		*off = addr - lo + pgoff;
		found = p[0] == '/' ? 0 : -ENOENT;
		break;
	}
	if (f)
		fclose(f);
	return found;
}

static int uprobe_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int t = -1;

	if (f) {
		if (fscanf(f, "%d", &t) != 1)
			t = -1;
		fclose(f);
	}
	return t;
}

/* A uprobe perf event on fn's first byte, in this process: its fd. */
static int probe(long (*fn)(long), int type)
{
	struct perf_event_attr a;
	char path[400];
	uint64_t off;

	if (file_offset((const void *)fn, path, sizeof(path), &off))
		return -1;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = (uint32_t)type;
	a.uprobe_path = (uint64_t)(uintptr_t)path;
	a.probe_offset = off;
	return (int)syscall(SYS_perf_event_open, &a, getpid(), -1, -1, 0);
}

int main(int argc, char **argv)
{
	struct { const char *name; long (*fn)(long); } fns[] = {
		{ "push %rbp (emulated)", f_push },
		{ "mov %rdi,%rax (single-stepped)", f_mov },
		{ "5-byte nop (trampoline, 6.18+)", f_nop5 },
	};
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int type = uprobe_type();

	if (type < 0 || n <= 0) {
		fprintf(stderr, "uprobe_hit: no uprobe PMU (/sys/bus/event_source/devices/uprobe)\n");
		return 2;
	}
	printf("%-34s %10s %10s %10s\n", "instruction under the probe", "bare ns",
	       "probed ns", "per hit us");
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		double bare = per_call(fns[i].fn, n), hit;
		int fd = probe(fns[i].fn, type);

		if (fd < 0) {
			fprintf(stderr, "uprobe_hit: perf_event_open: %s\n", strerror(errno));
			return 1;
		}
		per_call(fns[i].fn, 1000); /* first hits: the nop's rewrite */
		hit = per_call(fns[i].fn, n);
		close(fd);
		printf("%-34s %10.1f %10.1f %10.2f\n", fns[i].name, bare, hit,
		       (hit - bare) / 1000.0);
	}
	return 0;
}
