// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* random.h - where an NSS sslSocket keeps its client random, read from
 * the code of SSL_ExportKeyingMaterial (exported by every libssl3), which
 * builds the TLS 1.2 exporter's seed as
 *     memcpy(val,      ss->ssl3.hs.client_random, 32);
 *     memcpy(val + 32, ss->ssl3.hs.server_random, 32);
 * compiled to four 16-byte SSE copies: loads from [ss + d], [ss + d + 16]
 * (the client random) and [ss + s], [ss + s + 16] (the server random)
 * stored to [val], [val + 16], [val + 32], [val + 48], in any order.  The
 * client random's offset d is the load whose register is stored to
 * [val]; the other three copies must be there and agree, or nothing is
 * returned. */
#ifndef TLSDUMP_NSS_RANDOM_H
#define TLSDUMP_NSS_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* code[0..n): the function's start.  0 and *off, or -ENOENT (no such
 * copy), -EPROTO (copies that disagree). */
int nss_random_offset(const uint8_t *code, size_t n, uint32_t *off);

#endif
