// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gotls.h - the ABI between gotls.bpf.c (a uprobe on Go's
 * crypto/tls.(*Config).writeKeyLog) and user space (gotls.c).
 *
 * One event per key-log line Go produces (it calls writeKeyLog for each,
 * KeyLogWriter or not).  Fixed-width types only. */
#ifndef TLSDUMP_GOTLS_H
#define TLSDUMP_GOTLS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define GOTLS_MAX_FILES 256  /* binaries probed: the slot is in the cookie */
#define GOTLS_LABEL_MAX 32   /* longest label, 31 bytes, + 1 */
#define GOTLS_RANDOM_LEN 32
#define GOTLS_SECRET_MAX 48  /* SHA-384 secrets; TLS 1.2 master secret */
#define GOTLS_SECRET_BUF 64  /* room for a masked copy length (& 63) */

/* The attach cookie: file slot << 8 | signature << 4 | ABI.
 * ABI (goprologue.h): 1 register (Go 1.17+), 2 stack (Go <= 1.16).
 * Signature (goelf.h): 1 (label, clientRandom, secret), 2 Go <= 1.11's
 * (clientRandom, masterSecret), whose lines are all CLIENT_RANDOM. */
#define GOTLS_COOKIE(slot, sig, abi) \
	(((__u64)(slot) << 8) | ((__u64)(sig) << 4) | (__u64)(abi))
#define GOTLS_COOKIE_SLOT(c) ((__u32)((c) >> 8))
#define GOTLS_COOKIE_SIG(c) ((__u32)(((c) >> 4) & 0xf))
#define GOTLS_COOKIE_ABI(c) ((__u32)((c) & 0xf))

/* Counters (per-CPU array, for the summary). */
enum gotls_counter {
	GOTLS_SENT = 0,
	GOTLS_RING_FULL = 1,
	GOTLS_BAD_ARGS = 2,   /* lengths out of range, or unreadable memory */
	GOTLS_GROWS = 3,      /* hits skipped: the stack check branches to
			       * morestack and the function runs again */
	GOTLS_N_COUNTERS
};

struct gotls_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns() */
	__u32 pid, tid, uid;
	__u32 file;        /* slot */
	__u8 label_len;    /* 0: CLIENT_RANDOM (old signature) */
	__u8 secret_len;
	__u8 pad[6];
	char comm[16];
	char label[GOTLS_LABEL_MAX];
	__u8 client_random[GOTLS_RANDOM_LEN];
	__u8 secret[GOTLS_SECRET_BUF];
};

#ifndef __bpf__
/* User side (gotls.c) - the Go secret source: the uprobe of gotls.bpf.c on
 * writeKeyLog in each Go binary we are given (goelf.c found where);
 * key-log lines come back through the run's ring set (ringset.h), which
 * the event loop drains.
 *
 * Lifecycle: goprobe_open (load, its ring into the set) -> goprobe_attach
 * per binary (now and as new ones appear) -> goprobe_close. */

#include <stdint.h>
#include <sys/types.h>

#include "binary/goelf.h"

struct goprobe;

/* One line; return 0 to go on, < 0 to stop consuming. */
typedef int (*goprobe_fn)(void *ctx, const struct gotls_event *e);
/* A process started from an executable not marked known (below). */
typedef void (*goprobe_exec_fn)(void *ctx, uint32_t pid, uint64_t ino);

/* exec_fn may be NULL.  Without the exec tracepoint (an older kernel),
 * only the periodic scans find new programs (a note says so). */
struct proc_want;
struct ringset;
/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process).
 * Lines and exec news come through rings (each wakes the loop: both are
 * rare). */
int goprobe_open(struct goprobe **out, struct ringset *rings, goprobe_fn fn,
		 goprobe_exec_fn exec_fn, void *ctx, const struct proc_want *w);
/* The executable with inode ino was looked at: no exec news about it. */
void goprobe_known(struct goprobe *g, uint64_t ino);
/* Probes the binary at path (as this host sees it) where gi says;
 * pid -1 = every process running it.  0 or -errno (-ENOSPC: no slot). */
int goprobe_attach(struct goprobe *g, const char *path,
		   const struct goelf_info *gi, pid_t pid);
/* The kernel side's counters, summed over CPUs (enum gotls_counter). */
void goprobe_counters(const struct goprobe *g,
		      uint64_t out[GOTLS_N_COUNTERS]);
void goprobe_close(struct goprobe *g);
#endif /* !__bpf__ */

#endif
