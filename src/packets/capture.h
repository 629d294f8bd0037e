/* capture.h - the packet source: the TC capture programs (tc.bpf.c),
 * their ring buffer and counters, attached to a set of interfaces.
 *
 * Lifecycle: capture_open (open, configure, load) -> capture_add_iface
 * for each interface (filter programs attached on ingress and egress; lo
 * on ingress only, as lo shows each packet twice) -> consume the ring ->
 * capture_close (detach in reverse order, free). */
#ifndef TLSDUMP_CAPTURE_H
#define TLSDUMP_CAPTURE_H

#include <stdint.h>

#include "packets/iface.h"
#include "packets/tc.h"
#include "proc/want.h"

struct capture;

/* Process attribution (proc/conn.h): the maps conn.c created, and the
 * kernel-side process filter (every kind given must match). */
struct capture_proc {
	int flows_fd, owners_fd, stats_fd; /* -1: no attribution */
	struct proc_want want;
};

struct capture_opts {
	uint32_t snaplen;
	uint64_t ring_bytes; /* rounded up to a power of two, >= 1 MiB */
	const struct capture_proc *proc; /* NULL: no attribution */
};

/* Called for each packet record; return 0 to go on, < 0 to stop the
 * consumption with that error. */
typedef int (*capture_fn)(void *ctx, const struct cap_pkt *hdr,
			  const uint8_t *data);

/* -EPERM when the caller may not use BPF. */
int capture_open(struct capture **out, const struct capture_opts *o,
		 capture_fn fn, void *ctx);
/* The PROG_ARRAY the filter programs tail-call (slots TC_SLOT_*). */
int capture_prog_array_fd(const struct capture *c);
/* Registers ifc as slot and attaches the filter programs (egress_fd is
 * not used on loopback).  0 or -errno; on error nothing of this iface
 * stays attached. */
int capture_add_iface(struct capture *c, const struct iface *ifc, int slot,
		      int ingress_fd, int egress_fd);
/* Reads every record waiting in the ring; returns the number consumed
 * or the callback's error. */
int capture_consume(struct capture *c);
/* fd to poll for the ring's wakeups. */
int capture_ring_fd(const struct capture *c);
/* Sums the per-CPU counters of slot. */
int capture_stats(const struct capture *c, int slot, struct cap_stats *out);
/* Takes the programs off every interface (the ring stays readable). */
void capture_detach(struct capture *c);
void capture_close(struct capture *c);

#endif
