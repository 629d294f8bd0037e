// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* hello.h - a TLS 1.3 ClientHello message (RFC 8446 §4.1.2): its
 * extensions, and CLIENT_EARLY_TRAFFIC_SECRET from a copy taken out of a
 * process's memory, proved by the PSK binder it carries.
 * Errors: 0 or -errno. */
#ifndef TLSDUMP_HELLO_H
#define TLSDUMP_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"

#define HELLO_EXT_PSK 41        /* pre_shared_key: always the last one */
#define HELLO_EXT_EARLY_DATA 42

/* Extension `type` of the ClientHello message m (n bytes, its 4-byte
 * header included): 0 with its body at m + *at, *len bytes; -ENOENT when
 * it has none; -EINVAL when the message is cut short or malformed. */
int hello_ext(const uint8_t *m, size_t n, unsigned type, size_t *at,
	      size_t *len);

/* buf (n bytes): OpenSSL's handshake buffer while it derives the early
 * keys.  Its first message must be a ClientHello whose random is cr,
 * that offers early data, and whose first PSK binder the early secret
 * proves (32 bytes with SHA-256, 48 with SHA-384; `early` holds at least
 * 48): then 1 and *out is the session's CLIENT_EARLY_TRAFFIC_SECRET.
 * 0 when any of that does not hold (nothing may be written), or -errno
 * from libcrypto. */
int hello_early_secret(const uint8_t *buf, size_t n, const uint8_t cr[32],
		       const uint8_t *early, struct keys_line *out);

#endif
