// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* calibrate.h - find the offset profile (struct ossl_offsets) of a shared
 * libssl by experiment, for a build that no table row covers or whose row
 * is unverified (docs/openssl.md: "Finding offsets without a table").
 *
 * A child process dlmopen()s the target's libcrypto and libssl into a new
 * link-map namespace, runs eight in-memory handshakes between a client and
 * a server SSL over a BIO pair (TLS 1.3 with a SHA-256 and a SHA-384
 * suite, TLS 1.2 with two ECDHE-ECDSA-AES-GCM suites, each twice with fresh
 * objects), takes ground truth from public APIs (SSL_get_client_random,
 * SSL_SESSION_get_master_key, the key-log callback, the transcript from the
 * message callback) and searches the client's SSL object and its session
 * for it.  An offset is accepted only when exactly one candidate matches in
 * every handshake; the result is then proved by reading each client object
 * through the offsets exactly as openssl.bpf.c does and deriving, with
 * keys_from_ossl_event(), the very key-log lines OpenSSL itself logged.
 *
 * The caller never loads the target: the namespace's OpenSSL crashes in its
 * exit-time cleanup, and a hostile or broken library must not take tlsdump
 * down.  The child leaves with _exit and is killed after a timeout.
 *
 * fork() without exec: call it before starting threads (the child runs the
 * dynamic loader and malloc).  Takes about 30 ms (eight handshakes with
 * a P-256 key).  Static binaries cannot be dlmopen()ed: they need the
 * version table. */
#ifndef TLSDUMP_CALIBRATE_H
#define TLSDUMP_CALIBRATE_H

#include <stddef.h>

#include "sources/openssl/openssl.h"

#define CALIBRATE_TIMEOUT_MS 5000

/* Fills *out for libssl_path (x86_64, OpenSSL 1.1.1 or 3.x).
 * libcrypto_path may be NULL: the libcrypto next to libssl is taken
 * ("libssl.so.3" -> "libcrypto.so.3" in the same folder) when it exists,
 * else whatever libssl's own dependency lookup finds.
 *
 * An embedded s3 (OpenSSL 3.x) makes only the sum ssl->s3 +
 * s3.client_random observable: then out->s3 is 0 and s3_client_random is
 * the whole offset, which is all openssl.bpf.c uses.  With OSSL_S3_IS_PTR
 * (1.1.1) both parts are real.
 *
 * Returns 0 with every field found and cross-checked (why then holds the
 * library's version text, e.g. "OpenSSL 3.0.19 27 Jan 2026"), or -errno
 * with a one-line reason in why: -ENOENT (no such file), -ENOEXEC (cannot
 * be loaded), -ENOTSUP (not OpenSSL 1.1.1/3.x libssl: a symbol missing),
 * -EPROTO (the handshakes failed), -ESRCH (a field not found, or not
 * unique), -EBADMSG (offsets found but the derived key log disagrees),
 * -ETIMEDOUT, -EIO (the child died), or another -errno. */
int calibrate_libssl(const char *libssl_path, const char *libcrypto_path,
		     struct ossl_offsets *out, char *why, size_t whylen);

#endif
