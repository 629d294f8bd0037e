// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* gnutls.h - the ABI between gnutls.bpf.c (uprobes on libgnutls) and
 * user space: where a build keeps what the probes read (found by
 * locate.c, per file) and what a probe reports.
 *
 * Fixed-width types only, no pointers (addresses are __u64). */
#ifndef TLSDUMP_GNUTLS_H
#define TLSDUMP_GNUTLS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define GNUTLS_MAX_FILES 256  /* files probed: the attach cookie is the slot */
#define GNUTLS_LABEL_MAX 32   /* longest label, 31 bytes, + NUL */
#define GNUTLS_SECRET_MAX 48  /* SHA-384 secrets; TLS 1.2 master secret */
#define GNUTLS_SECRET_BUF 64  /* room for a masked copy length (& 63) */

/* Offsets into gnutls_session_t for one build (locate.h). */
struct gnutls_offsets {
	__u32 client_random;  /* security_parameters.client_random[32] */
	__u32 master_secret;  /* security_parameters.master_secret[48] */
	__u32 pversion;       /* security_parameters.pversion (pointer) */
	__u32 pversion_id;    /* ->id (int) */
};

/* Protocol ids of GnuTLS (gnutls_protocol_t) whose secret is a master
 * secret (CLIENT_RANDOM): SSL 3.0 .. TLS 1.2 and DTLS; TLS 1.3 is 5. */
#define GNUTLS_ID_SSL3 1
#define GNUTLS_ID_TLS12 4
#define GNUTLS_ID_DTLS0_9 200
#define GNUTLS_ID_DTLS12 202

/* The kernel side's counters (sources/counters.bpf.h). */
enum gnutls_counter {
	GNUTLS_SENT,        /* events sent */
	GNUTLS_RING_FULL,   /* lost: the ring was full */
	GNUTLS_READ_FAULTS, /* session or arguments unreadable */
	GNUTLS_BAD_ARGS,    /* a size out of range */
	GNUTLS_N_COUNTERS
};

/* Where an event comes from. */
enum gnutls_site {
	GNUTLS_SITE_KEYLOG = 1,    /* _gnutls_call_keylog_func: label + secret */
	GNUTLS_SITE_HANDSHAKE = 2, /* gnutls_handshake returned 0 in TLS <= 1.2:
				    * the master secret (resumed sessions) */
};

/* One secret with its label, as GnuTLS names it. */
struct gnutls_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns() */
	__u64 session;     /* the gnutls_session_t */
	__u32 pid, tid, uid;
	__u32 file;        /* slot (attach cookie) */
	__u8 site;         /* enum gnutls_site */
	__u8 secret_len;   /* 1..GNUTLS_SECRET_MAX */
	__u8 pad[6];
	char comm[16];
	char label[GNUTLS_LABEL_MAX]; /* NUL-terminated */
	__u8 client_random[32];
	__u8 secret[GNUTLS_SECRET_BUF];
};

#ifndef __bpf__
/* User side (gnutls.c) - the probes of gnutls.bpf.c on each libgnutls
 * (or program with GnuTLS linked in) we are given, at the places
 * locate.c found; events come back through a ring buffer the event loop
 * polls.
 *
 * Lifecycle: gnutls_probe_open (load) -> gnutls_probe_attach per file
 * -> gnutls_probe_consume from the loop -> gnutls_probe_close. */
#include <stdbool.h>
#include <stdint.h>

#include "sources/gnutls/locate.h"

struct gnutls_probe;
struct proc_want;

/* One event; return 0 to go on, < 0 to stop consuming. */
typedef int (*gnutls_probe_fn)(void *ctx, const struct gnutls_event *e);
/* A program started from an executable not marked known (proc/
 * execwatch.h): it may have GnuTLS linked in. */
typedef void (*gnutls_exec_fn)(void *ctx, uint32_t pid, uint64_t ino);

/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process).
 * exec_fn (NULL: none) hears of programs as they start, through the same
 * ring; without the exec tracepoint it is said once, and new programs
 * wait for the 2 s scan. */
int gnutls_probe_open(struct gnutls_probe **out, gnutls_probe_fn fn,
		      gnutls_exec_fn exec_fn, void *ctx,
		      const struct proc_want *w);
/* The executable with inode ino was judged: no more news of it. */
void gnutls_probe_known(struct gnutls_probe *g, uint64_t ino);
/* The fd the event loop watches (the ring's epoll fd). */
int gnutls_probe_fd(const struct gnutls_probe *g);
/* Probes the file at path (as this host sees it) where l says; its
 * slot, or -errno (-ENOSPC: no slot). */
int gnutls_probe_attach(struct gnutls_probe *g, const char *path,
			const char *display, const struct gnutls_layout *l);
/* Detaches file slot `file` for good (its keys proved wrong). */
void gnutls_probe_disable(struct gnutls_probe *g, unsigned file);
bool gnutls_probe_active(const struct gnutls_probe *g, unsigned file);
const char *gnutls_probe_path(const struct gnutls_probe *g, unsigned file);
int gnutls_probe_consume(struct gnutls_probe *g);
/* The kernel side's counters, summed over CPUs. */
void gnutls_probe_counters(const struct gnutls_probe *g,
			   uint64_t out[GNUTLS_N_COUNTERS]);
void gnutls_probe_close(struct gnutls_probe *g);
#endif /* !__bpf__ */

#endif
