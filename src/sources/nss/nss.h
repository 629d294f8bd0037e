// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* nss.h - the ABI between nss.bpf.c and user space (docs/nss.md).
 *
 * NSS keeps its secrets inside the softoken; the bytes of each one pass
 * through freebl, on the thread that then hands the secret's handle,
 * with its key-log label, to libssl3's ssl3_RecordKeyLog:
 *   - a TLS 1.3 secret is the output of the HKDF-Expand just before (one
 *     HMAC): at HMAC_Destroy, the context's outer hash still holds it,
 *     its state right after its End (struct nss_sha);
 *   - a TLS 1.2 (or older) master secret is the 48-byte secret of the PRF
 *     that computed the Finished just before (TLS_P_hash, TLS_PRF).
 * The probes on freebl keep the latest of each per thread; the key-log
 * probe takes the one its label needs, with the socket's client random.
 * Each file's slot (the attach cookie) indexes `offsets`.
 * Fixed-width types only, no pointers (addresses are __u64). */
#ifndef TLSDUMP_NSS_H
#define TLSDUMP_NSS_H

#include "sources/nss/sha.h"

#define NSS_MAX_FILES 256  /* files probed: the attach cookie is the slot */
#define NSS_LABEL_MAX 32   /* longest label, 31 bytes, + NUL */
#define NSS_SECRET_MAX 48  /* SHA-384 secrets; TLS 1.2 master secret */

/* What a file's probes read there. */
struct nss_offsets {
	__u32 cr_off;      /* libssl3: sslSocket's client_random[32] */
	__u32 hashobj_off; /* freebl: HMACContext's hashobj */
	__u32 hash_off;    /* freebl: HMACContext's hash (the context) */
	__u32 pad;
	struct nss_sha_layout sha[NSS_SHA_N]; /* freebl */
};

/* What freebl's probes last kept on a thread (the map `threads`, by
 * pid_tgid). */
struct nss_thread {
	__u32 out_len; /* bytes in out: 0, 32 or 48 */
	__u32 key_len; /* bytes in key: 0 or 48 */
	__u8 out[NSS_SECRET_MAX]; /* the latest HMAC output */
	__u8 key[NSS_SECRET_MAX]; /* the latest 48-byte PRF secret */
};

/* The kernel side's counters (sources/counters.bpf.h). */
enum nss_counter {
	NSS_SENT,        /* events sent */
	NSS_RING_FULL,   /* lost: the ring was full */
	NSS_READ_FAULTS, /* socket, label or HMAC output unreadable */
	NSS_NO_SECRET,   /* a key-log call with no HMAC bytes to go with it */
	NSS_KEPT,        /* HMAC outputs and PRF secrets kept (32 or 48 bytes) */
	NSS_UNFINISHED,  /* SHA-256/384 HMACs destroyed in another state */
	NSS_N_COUNTERS
};

/* One secret with its label, as NSS names it. */
struct nss_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns() */
	__u64 socket;      /* the sslSocket */
	__u32 pid, tid, uid;
	__u32 file;        /* slot of the libssl3 (attach cookie) */
	__u8 secret_len;   /* 32 or 48 */
	__u8 pad[7];
	char comm[16];
	char label[NSS_LABEL_MAX]; /* NUL-terminated */
	__u8 client_random[32];
	__u8 secret[NSS_SECRET_MAX];
};

#ifndef __bpf__
/* User side (nss.c): load once, attach per file (a libssl3 or a
 * freebl), events come back through the run's ring set (ringset.h),
 * which the loop drains (they do not wake it).
 *
 * Lifecycle: nss_probe_open (its ring into the set) -> nss_probe_attach_ssl
 * / _freebl per file -> nss_probe_close. */
#include <stdbool.h>
#include <stdint.h>

#include "sources/nss/locate.h"

struct nss_probe;
struct proc_want;
struct ringset;

/* One event; return 0 to go on, < 0 to stop consuming. */
typedef int (*nss_probe_fn)(void *ctx, const struct nss_event *e);

/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process). */
int nss_probe_open(struct nss_probe **out, struct ringset *rings,
		   nss_probe_fn fn, void *ctx, const struct proc_want *w);
/* Probes the file at path (as this host sees it) where l says; its
 * slot, or -errno (-ENOSPC: no slot). */
int nss_probe_attach_ssl(struct nss_probe *g, const char *path,
			 const char *display, const struct nss_ssl_layout *l);
int nss_probe_attach_freebl(struct nss_probe *g, const char *path,
			    const char *display,
			    const struct nss_freebl_layout *l);
/* Detaches file slot `file` for good (its keys proved wrong). */
void nss_probe_disable(struct nss_probe *g, unsigned file);
bool nss_probe_active(const struct nss_probe *g, unsigned file);
const char *nss_probe_path(const struct nss_probe *g, unsigned file);
/* The kernel side's counters, summed over CPUs. */
void nss_probe_counters(const struct nss_probe *g,
			uint64_t out[NSS_N_COUNTERS]);
void nss_probe_close(struct nss_probe *g);
#endif /* !__bpf__ */

#endif
