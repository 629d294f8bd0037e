/* ossl.h - the OpenSSL secret source: uprobes (openssl.bpf.c) on every
 * libssl file (shared, or linked into a binary) we are given, each with
 * the offset profile of its version; snapshots of SSL objects come back
 * through a ring buffer polled by the event loop.
 *
 * Lifecycle: ossl_open (load) -> ossl_attach_file per file (now and as
 * new ones appear) -> ossl_consume from the loop -> ossl_close. */
#ifndef TLSDUMP_OSSL_H
#define TLSDUMP_OSSL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tls/openssl.h"

struct ossl;

/* One snapshot; return 0 to go on, < 0 to stop consuming. */
typedef int (*ossl_fn)(void *ctx, const struct ossl_event *e);

struct proc_want;
/* w: --pid/--uid/--comm, decided in the kernel (NULL: every process). */
int ossl_open(struct ossl **out, ossl_fn fn, void *ctx,
	      const struct proc_want *w);
/* Attaches the probe set to path (as this host sees it, e.g. through
 * /proc/PID/root); off says where that build keeps the secrets; pid -1 =
 * every process.  -ESRCH (no SSL_* functions) or another -errno. */
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
int ossl_ring_fd(const struct ossl *o);
int ossl_consume(struct ossl *o);
/* Snapshots the probes sent (those of processes --pid/--uid/--comm
 * exclude are not: the kernel decides), and those lost because the ring
 * was full. */
void ossl_counts(const struct ossl *o, uint64_t *sent, uint64_t *lost);
void ossl_close(struct ossl *o);

#endif
