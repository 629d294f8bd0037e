// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keyfn.h - the ABI between keyfn.bpf.c and user space: probes on a TLS
 * stack's key-log function, the one internal function that gets every
 * secret with its key-log label, as
 *     fn(object, const char *label, const uint8_t *secret, size_t len)
 * (BoringSSL's ssl_log_secret, GnuTLS's _gnutls_call_keylog_func).  The
 * session's client random is read from the object, directly or through
 * one pointer (BoringSSL: ssl->s3->client_random).  Optionally the
 * return of the stack's handshake function copies the master secret of
 * TLS <= 1.2 sessions that derive none (resumed: GnuTLS), and, once the
 * layout is learned (learn13.h), every TLS 1.3 secret (GnuTLS).
 *
 * Where each build keeps these is found per file (the stack's locate.c)
 * and stored in `offsets` by file slot, the attach cookie.
 * Fixed-width types only, no pointers (addresses are __u64). */
#ifndef TLSDUMP_KEYFN_H
#define TLSDUMP_KEYFN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KEYFN_MAX_FILES 256  /* files probed: the attach cookie is the slot */
#define KEYFN_LABEL_MAX 32   /* longest label, 31 bytes, + NUL */
#define KEYFN_SECRET_MAX 48  /* SHA-384 secrets; TLS 1.2 master secret */
#define KEYFN_SECRET_BUF 64  /* room for a masked copy length (& 63) */
#define KEYFN_NO_HOP 0xffffffffu

/* One build's layout. */
struct keyfn_offsets {
	__u32 cr_hop;  /* object + cr_hop holds a pointer to follow first,
			* or KEYFN_NO_HOP: client_random is in the object */
	__u32 cr_off;  /* client_random[32] */
	/* The handshake site (unused without a handshake probe): */
	__u32 ms_off;  /* master_secret[48] in the object */
	__u32 pv_hop;  /* object + pv_hop: pointer to the version record */
	__u32 pv_id;   /* ->id (int) */
	__s32 ms_ids[4]; /* [lo, hi] twice: version ids that have a master
			  * secret (GnuTLS: SSL 3.0..TLS 1.2, DTLS) */
	/* TLS 1.3 from the handshake's return (GnuTLS; docs/gnutls.md):
	 * t13_off 0 (the key-log probe gives them) or the offset of hs_ckey
	 * in the object, learned from the key-log probe; the other secrets
	 * follow it (keyfn_t13 in keyfn.bpf.c). */
	__u32 t13_off;
	__s32 t13_id;   /* the version id of TLS 1.3 */
	__u32 done_off; /* a byte in the object, non-zero once the first
			 * handshake completed (a later call on it is a key
			 * update or nothing): KEYFN_NO_HOP, unknown */
};

/* The kernel side's counters (sources/counters.bpf.h). */
enum keyfn_counter {
	KEYFN_SENT,        /* events sent */
	KEYFN_RING_FULL,   /* lost: the ring was full */
	KEYFN_READ_FAULTS, /* object or arguments unreadable */
	KEYFN_BAD_ARGS,    /* a size out of range */
	KEYFN_N_COUNTERS
};

/* Where an event comes from. */
enum keyfn_site {
	KEYFN_SITE_KEYLOG = 1,    /* the key-log function: label + secret */
	KEYFN_SITE_HANDSHAKE = 2, /* the handshake returned 0 below TLS 1.3:
				   * the master secret (resumed sessions) */
	KEYFN_SITE_RETURN13 = 3,  /* the handshake returned, TLS 1.3: one
				   * secret as the key log would give it */
};

/* One secret with its label, as the stack names it. */
struct keyfn_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns() */
	__u64 object;      /* the session / SSL pointer */
	__u32 pid, tid, uid;
	__u32 file;        /* slot (attach cookie) */
	__u8 site;         /* enum keyfn_site */
	__u8 secret_len;   /* 1..KEYFN_SECRET_MAX */
	__u8 pad[6];
	char comm[16];
	char label[KEYFN_LABEL_MAX]; /* NUL-terminated */
	__u8 client_random[32];
	__u8 secret[KEYFN_SECRET_BUF];
	__u64 secret_addr; /* KEYFN_SITE_KEYLOG: where the secret was */
};

#ifndef __bpf__
/* User side (keyfn.c): load once, attach per file, events come back
 * through the run's ring set (ringset.h), which the event loop drains.
 *
 * Lifecycle: keyfn_probe_open (its ring into the set) ->
 * keyfn_probe_attach per file -> keyfn_probe_close. */
#include <stdbool.h>
#include <stdint.h>

struct keyfn_probe;
struct proc_want;

/* Where to probe one file, and what the probes read there. */
struct keyfn_layout {
	uint64_t fn_vaddr;   /* the key-log function */
	uint64_t fn_probe;   /* file offset of its entry probe */
	uint64_t handshake;  /* file offset of the handshake function
			      * (entry + return probes), 0: none */
	struct keyfn_offsets off;
	/* GnuTLS: learn where the session keeps its TLS 1.3 secrets from
	 * the first TLS 1.3 handshake, then take them at the handshake's
	 * return and detach the key-log probe (keyfn_probe_learn) */
	bool learn13;
	char version[32];    /* "3.7.9", "" when not found */
	char note[128];      /* said after the -v "probed" line, or "" */
	char detail[160];    /* --list: where the probes read, in words */
};

/* One event; return 0 to go on, < 0 to stop consuming. */
typedef int (*keyfn_probe_fn)(void *ctx, const struct keyfn_event *e);
/* A process started from an executable not marked known (proc/execwatch.h). */
typedef void (*keyfn_exec_fn)(void *ctx, uint32_t pid, uint64_t ino);

struct ringset;
/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process).
 * exec_fn (may be NULL): news of programs that start.  Events and news
 * come through rings (the keys do not wake the loop; exec news do). */
int keyfn_probe_open(struct keyfn_probe **out, struct ringset *rings,
		     keyfn_probe_fn fn, keyfn_exec_fn exec_fn, void *ctx,
		     const struct proc_want *w);
/* The executable with inode ino was looked at: no exec news about it. */
void keyfn_probe_known(struct keyfn_probe *g, uint64_t ino);
/* Probes the file at path (as this host sees it) where l says; its
 * slot, or -errno (-ENOSPC: no slot). */
int keyfn_probe_attach(struct keyfn_probe *g, const char *path,
		       const char *display, const struct keyfn_layout *l);
/* A key-log event e of a file whose layout said learn13: once its first
 * TLS 1.3 handshake shows the layout learn13.h accepts, its TLS 1.3
 * secrets come from the handshake's return (KEYFN_SITE_RETURN13) and its
 * key-log probe is detached.  Says (-v) when it switches or why never. */
void keyfn_probe_learn(struct keyfn_probe *g, const struct keyfn_event *e);
/* Detaches file slot `file` for good (its keys proved wrong). */
void keyfn_probe_disable(struct keyfn_probe *g, unsigned file);
bool keyfn_probe_active(const struct keyfn_probe *g, unsigned file);
const char *keyfn_probe_path(const struct keyfn_probe *g, unsigned file);
/* The kernel side's counters, summed over CPUs. */
void keyfn_probe_counters(const struct keyfn_probe *g,
			  uint64_t out[KEYFN_N_COUNTERS]);
void keyfn_probe_close(struct keyfn_probe *g);
#endif /* !__bpf__ */

#endif
