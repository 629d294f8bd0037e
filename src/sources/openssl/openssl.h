// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* openssl.h - the ABI between openssl.bpf.c (uprobes on libssl) and user
 * space: where the secrets live in an SSL object (an offset profile, per
 * OpenSSL build: data, see profiles.c) and what a probe reports.
 *
 * Fixed-width types only, no pointers (addresses are __u64). */
#ifndef TLSDUMP_OPENSSL_H
#define TLSDUMP_OPENSSL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define OSSL_MAX_FILES 256   /* files probed: the attach cookie is the slot */
#define OSSL_MAX_PROFILES 64
#define OSSL_SECRET_MAX 64 /* EVP_MAX_MD_SIZE */

/* Flags of struct ossl_offsets. */
#define OSSL_S3_IS_PTR 1u /* 1.1.1: ssl->s3 is a pointer, not embedded */

/* Byte offsets into OpenSSL's structures for one build (x86_64).  Field
 * names follow ssl/ssl_local.h. */
struct ossl_offsets {
	__u32 flags;
	__u32 version;                /* ssl->version (int) */
	__u32 s3;                     /* ssl->s3 (embedded, or pointer) */
	__u32 s3_client_random;       /* within s3: client_random[32] */
	__u32 session;                /* ssl->session (pointer) */
	__u32 handshake_secret;       /* ssl->handshake_secret[64] */
	__u32 master_secret;          /* ssl->master_secret[64] */
	__u32 handshake_traffic_hash; /* ssl->handshake_traffic_hash[64] */
	__u32 server_finished_hash;   /* ssl->server_finished_hash[64] */
	__u32 sess_master_key_length; /* session->master_key_length (size_t) */
	__u32 sess_master_key;        /* session->master_key[48] (TLS 1.2) */
	__u32 sess_cipher;            /* session->cipher (pointer) */
	__u32 cipher_id;              /* cipher->id (uint32) */
};

/* The kernel side's counters (sources/counters.bpf.h). */
enum ossl_counter {
	OSSL_SENT,        /* snapshots sent */
	OSSL_RING_FULL,   /* lost: the ring was full */
	OSSL_READ_FAULTS, /* reads of the SSL object that failed */
	OSSL_N_COUNTERS
};

/* Why a probe fired (the site), for logs and for tests. */
enum ossl_site {
	OSSL_SITE_HANDSHAKE_RET = 1, /* SSL_do_handshake/connect/accept returned */
	OSSL_SITE_READ = 2,          /* SSL_read/SSL_read_ex/SSL_peek entry */
	OSSL_SITE_WRITE = 3,         /* SSL_write/SSL_write_ex entry */
	OSSL_SITE_SHUTDOWN = 4,      /* SSL_shutdown entry */
	OSSL_SITE_FREE = 5,          /* SSL_free entry */
	OSSL_SITE_ERROR = 6,         /* SSL_get_error entry (BIO-driven processes) */
};

/* One snapshot of an SSL object's secrets, sent when they changed. */
struct ossl_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns() */
	__u64 ssl;         /* the SSL * */
	__u32 pid, tid, uid;
	__u32 profile;     /* file slot (attach cookie): its offsets */
	__s32 version;     /* 0x0303 TLS 1.2, 0x0304 TLS 1.3, ... */
	__u32 cipher_id;   /* 0x0300xxxx (OpenSSL's id: 0x03000000 | IANA) */
	__u32 master_key_length;
	__u8 site;         /* enum ossl_site */
	__u8 first;        /* the first snapshot sent for this SSL * */
	__u8 pad[2];
	char comm[16];
	__u8 client_random[32];
	__u8 master_key[48];
	__u8 handshake_secret[OSSL_SECRET_MAX];
	__u8 master_secret[OSSL_SECRET_MAX];
	__u8 handshake_traffic_hash[OSSL_SECRET_MAX];
	__u8 server_finished_hash[OSSL_SECRET_MAX];
	/* Read next to what the profile locates, by a layout every OpenSSL
	 * from 1.1.1 to 3.5 shares (tools/openssl-offsets/offsets.c asserts
	 * it): early_secret[64] right before handshake_secret (TLS 1.3
	 * 0-RTT), s3.server_random[32] right before s3.client_random (the
	 * check of a renegotiation, whose ServerHello is encrypted). */
	__u8 early_secret[OSSL_SECRET_MAX];
	__u8 server_random[32];
};

/* -m keylog's 0-RTT (no capture holds the ClientHello): when a TLS 1.3
 * handshake derives its early keys, OpenSSL's handshake buffer (a memory
 * BIO, s3.handshake_buffer, right after s3.client_random and two ints in
 * every build from 1.1.1 to 3.5) still holds the ClientHello, and the
 * early secret is in place.  Its first call then is
 * SSL_SESSION_get0_cipher(ssl->session): the probe there copies both.
 * User space checks the copy (its random, its PSK binder) before it
 * derives CLIENT_EARLY_TRAFFIC_SECRET.  Told from an ossl_event on the
 * ring by its size. */
#define OSSL_HELLO_MAX 4096 /* a ClientHello with a post-quantum share fits */
#define OSSL_BIO_PTR_111 56 /* offsetof(BIO, ptr): 1.1.1 */
#define OSSL_BIO_PTR_3 64   /* 3.x (libctx first) */
struct ossl_hello {
	__u64 ts_ns;
	__u64 ssl;
	__u32 pid, tid, uid;
	__u32 profile;
	__u32 len;         /* bytes in data (the buffer's, up to the max) */
	__u32 pad;
	char comm[16];
	__u8 client_random[32];
	__u8 early_secret[OSSL_SECRET_MAX];
	__u8 data[OSSL_HELLO_MAX];
};

#ifndef __bpf__
/* User side (openssl.c) - the OpenSSL secret source: uprobes (openssl.bpf.c) on every
 * libssl file (shared, or linked into a binary) we are given, each with
 * the offset profile of its version; snapshots of SSL objects come back
 * through the run's ring set (ringset.h), which the event loop drains
 * (they do not wake it; exec news do).
 *
 * Lifecycle: ossl_open (load, its ring into the set) -> ossl_attach_file
 * per file (now and as new ones appear) -> ossl_close. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>


struct ossl;

/* One snapshot; return 0 to go on, < 0 to stop consuming. */
typedef int (*ossl_fn)(void *ctx, const struct ossl_event *e);
/* One ClientHello copy (ossl_want_hellos); the same convention. */
typedef int (*ossl_hello_fn)(void *ctx, const struct ossl_hello *h);

/* A program started from an executable not marked known (news of
 * proc/execwatch.h, through the same ring). */
typedef void (*ossl_exec_fn)(void *ctx, uint32_t pid, uint64_t ino);

struct proc_want;
struct ringset;
/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process);
 * exec_fn: exec news, or NULL for none. */
int ossl_open(struct ossl **out, struct ringset *rings, ossl_fn fn,
	      ossl_exec_fn exec_fn, void *ctx, const struct proc_want *w);
/* From now on, files attached get the ClientHello probe too, whose
 * copies go to fn (-m keylog: no capture to take the ClientHello from). */
void ossl_want_hellos(struct ossl *o, ossl_hello_fn fn);
/* The executable with inode ino was judged: no more exec news of it. */
void ossl_known(struct ossl *o, uint64_t ino);
/* Attaches the probe set to path (as this host sees it, e.g. through
 * /proc/PID/root); off says where that build keeps the secrets; pid -1 =
 * every process.  The file's slot (>= 0: ossl_event.profile of its
 * snapshots), -ESRCH (no SSL_* functions) or another -errno. */
int ossl_attach_file(struct ossl *o, const char *path, const char *display,
		     const struct ossl_offsets *off, pid_t pid);
/* A process whose SSL objects first show up at SSL_shutdown/SSL_free
 * drives TLS through BIO_f_ssl: probes SSL_get_error of file slot
 * `file` in that process only, so that its keys come at its first read
 * after each handshake.  0, -EEXIST (done already), -ENOSPC (too many processes),
 * -ENOENT (no such file, or refused), or another -errno. */
int ossl_attach_bio(struct ossl *o, unsigned file, pid_t pid);
/* Detaches the probes of file slot `file` (ossl_event.profile) after
 * its snapshots proved implausible; the slot is never reused, so its
 * snapshots still in the ring stay recognisable. */
void ossl_disable_file(struct ossl *o, unsigned file);
/* False once the file's probes were disabled: drop its snapshots. */
bool ossl_file_active(const struct ossl *o, unsigned file);
/* The name of file slot `file` (for messages). */
const char *ossl_file_path(const struct ossl *o, unsigned file);
/* The path it was opened by (to probe the same file again). */
const char *ossl_file_path_opened(const struct ossl *o, unsigned file);
/* Snapshots the probes sent (those of processes --pid/--uid/--comm
 * exclude are not: the kernel decides), and those lost because the ring
 * was full. */
void ossl_counts(const struct ossl *o, uint64_t *sent, uint64_t *lost);
void ossl_close(struct ossl *o);
#endif /* !__bpf__ */

#endif
