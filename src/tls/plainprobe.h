/* plainprobe.h - the plaintext source of text mode: the probes of
 * plain.bpf.c on every OpenSSL (libssl or a binary with it inside) and
 * every Go binary we are given; chunks of data come back through a ring
 * buffer polled by the event loop.
 *
 * Lifecycle: plainprobe_open -> plainprobe_attach_* per file (now and as
 * new ones appear) -> plainprobe_consume from the loop -> plainprobe_close. */
#ifndef TLSDUMP_PLAINPROBE_H
#define TLSDUMP_PLAINPROBE_H

#include <stddef.h>
#include <stdint.h>

#include "tls/plain.h"

struct plainprobe;

/* One chunk (data: e->len bytes).  0 to go on, < 0 to stop consuming. */
typedef int (*plainprobe_fn)(void *ctx, const struct plain_event *e,
			     const uint8_t *data);

struct proc_want;
/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process). */
int plainprobe_open(struct plainprobe **out, plainprobe_fn fn, void *ctx,
		    const struct proc_want *w);
/* SSL_read/_ex and SSL_write/_ex of the file at path.  0, -ESRCH (none of
 * them in it), -errno. */
int plainprobe_attach_openssl(struct plainprobe *p, const char *path);
/* crypto/tls.(*Conn).Read and Write of a Go binary (register ABI only).
 * 0, -ENOTSUP (stack ABI: Go <= 1.16), -EPROTO (why says it), -errno. */
int plainprobe_attach_go(struct plainprobe *p, const char *path, char *why,
			 size_t why_len);
int plainprobe_fd(const struct plainprobe *p);
int plainprobe_consume(struct plainprobe *p);
/* Counters summed over CPUs (enum plain_counter). */
void plainprobe_counters(const struct plainprobe *p,
			 uint64_t out[PLAIN_N_COUNTERS]);
void plainprobe_close(struct plainprobe *p);

#endif
