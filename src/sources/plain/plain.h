// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* plain.h - the ABI between plain.bpf.c (the plaintext of TLS reads and
 * writes, for text mode) and user space (plain.c, out/text.c).
 *
 * One call's data comes as one or more chunks of at most PLAIN_CHUNK
 * bytes (offset/total say where each belongs); past PLAIN_MAX_CHUNKS
 * chunks the rest is not copied and the last chunk's `cut` says how many
 * bytes were left out.  The socket's addresses are read in the kernel
 * when the call returns (from the task's fd table), so they are right even
 * when the process has exited by the time user space prints them.  Fixed-width types only; data follows the header. */
#ifndef TLSDUMP_PLAIN_H
#define TLSDUMP_PLAIN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PLAIN_CHUNK 16384u
#define PLAIN_MAX_CHUNKS 256u /* 4 MiB per call */
#define PLAIN_MAX_FILES 256

enum plain_dir { PLAIN_READ = 0, PLAIN_WRITE = 1 };
enum plain_lib { PLAIN_OPENSSL = 1, PLAIN_GO = 2, PLAIN_GNUTLS = 3, PLAIN_BORINGSSL = 4,
		 PLAIN_NSS = 5 };

/* Attach cookies of the OpenSSL-like probes (a call with the connection
 * first and the buffer second, the bytes moved in the return value or,
 * for SSL_*_ex, behind the fourth argument): direction, form, library. */
#define PLAIN_COOKIE(dir, ex, lib) \
	((__u64)(dir) | ((__u64)(ex) << 1) | ((__u64)(lib) << 2))
#define PLAIN_COOKIE_DIR(c) ((__u32)((c) & 1))
#define PLAIN_COOKIE_EX(c) ((__u32)(((c) >> 1) & 1)) /* SSL_*_ex */
#define PLAIN_COOKIE_LIB(c) ((__u32)(((c) >> 2) & 7)) /* enum plain_lib */
/* NSS's ssl_Recv: the fourth argument is NSPR's recv flags, and a call
 * with PR_MSG_PEEK leaves its bytes to be read again: not shown. */
#define PLAIN_COOKIE_NSPR_RECV (1ull << 5)
#define PLAIN_PR_MSG_PEEK 0x2
/* NSPR's PR_MAX_IOVECTOR_SIZE: ssl_WriteV refuses more vectors */
#define PLAIN_NSPR_MAX_IOV 16

enum plain_counter {
	PLAIN_EVENTS = 0,
	PLAIN_RING_FULL = 1,
	PLAIN_READ_FAULTS = 2, /* user memory that could not be read */
	PLAIN_CUT_BYTES = 3,   /* bytes past PLAIN_MAX_CHUNKS chunks */
	PLAIN_N_COUNTERS
};

struct plain_event {
	__u64 ts_ns;    /* bpf_ktime_get_ns() */
	__u64 conn;     /* SSL * or Go *tls.Conn: the connection's identity */
	__u32 pid, tid, uid;
	__s32 fd;       /* the socket, -1 when not known */
	__u32 len;      /* bytes of data after this header */
	__u32 total;    /* bytes the call read or wrote */
	__u32 offset;   /* of this chunk in the call's data */
	__u32 cut;      /* last chunk only: bytes not copied */
	__u8 dir;       /* enum plain_dir */
	__u8 lib;       /* enum plain_lib */
	__u8 family;    /* of the fd's socket: AF_INET, AF_INET6; 0 = none */
	__u8 pad;
	__u16 lport;    /* host order */
	__u16 rport;
	char comm[16];
	__u8 laddr[16]; /* network order (IPv4: the first 4 bytes) */
	__u8 raddr[16];
	__u64 cgid;     /* cgroup v2 id of the process */
};

#ifndef __bpf__
/* User side (plain.c) - the plaintext source of text mode: the probes of
 * plain.bpf.c on every OpenSSL (libssl or a binary with it inside) and
 * every Go binary we are given; chunks of data come back through the
 * run's ring set (ringset.h), each waking the loop.
 *
 * Lifecycle: plainprobe_open (its ring into the set) -> plainprobe_attach_*
 * per file (now and as new ones appear) -> plainprobe_close. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


struct plainprobe;

/* One chunk (data: e->len bytes).  0 to go on, < 0 to stop consuming. */
typedef int (*plainprobe_fn)(void *ctx, const struct plain_event *e,
			     const uint8_t *data);

/* A program started from an executable not marked known (news of
 * proc/execwatch.h, through the same ring). */
typedef void (*plainprobe_exec_fn)(void *ctx, uint32_t pid, uint64_t ino);

struct proc_want;
struct ringset;
/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process);
 * exec_fn: exec news, or NULL for none. */
int plainprobe_open(struct plainprobe **out, struct ringset *rings,
		    plainprobe_fn fn, plainprobe_exec_fn exec_fn, void *ctx,
		    const struct proc_want *w);
/* The executable with inode ino was judged: no more exec news of it. */
void plainprobe_known(struct plainprobe *p, uint64_t ino);
/* SSL_read/_ex and SSL_write/_ex of the file at path (lib: PLAIN_OPENSSL,
 * or PLAIN_BORINGSSL: the same API).  0, -ESRCH (none of them in it),
 * -errno. */
int plainprobe_attach_ssl(struct plainprobe *p, const char *path,
			  enum plain_lib lib);
/* gnutls_record_recv and gnutls_record_send2 (gnutls_record_send only
 * calls it) of a libgnutls or a program with GnuTLS inside.  0, -ESRCH,
 * -errno. */
int plainprobe_attach_gnutls(struct plainprobe *p, const char *path);
/* How an NSS SSL-layer method is probed (plainprobe_attach_nss). */
enum plain_nss_form {
	PLAIN_NSS_RW,     /* ssl_Read, ssl_Write, ssl_Send: SSL_read's form */
	PLAIN_NSS_RECV,   /* ssl_Recv: the fourth argument is NSPR's flags */
	PLAIN_NSS_WRITEV, /* ssl_WriteV: vectors; its inner sends not shown */
};
/* One of NSS's SSL-layer methods (the PRFileDesc first, the buffer or
 * the vectors second, the byte count returned) at file offset off of the
 * libssl3 at path.  0 or -errno. */
int plainprobe_attach_nss(struct plainprobe *p, const char *path, uint64_t off,
			  enum plain_dir dir, enum plain_nss_form form);
/* crypto/tls.(*Conn).Read and Write of a Go binary (register ABI only).
 * 0, -ENOTSUP (stack ABI: Go <= 1.16), -EPROTO (why says it), -errno. */
int plainprobe_attach_go(struct plainprobe *p, const char *path, char *why,
			 size_t why_len);
/* Counters summed over CPUs (enum plain_counter). */
void plainprobe_counters(const struct plainprobe *p,
			 uint64_t out[PLAIN_N_COUNTERS]);
void plainprobe_close(struct plainprobe *p);
#endif /* !__bpf__ */

#endif
