// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* learn13.h - where a GnuTLS session keeps its TLS 1.3 secrets, learned
 * from the key-log probe's first TLS 1.3 handshake (docs/gnutls.md): the
 * address of each secret minus the session's.  Accepted only when it is
 * exactly key.proto.tls13 of GnuTLS 3.7/3.8: hs_ckey, hs_skey, ap_ckey,
 * ap_skey, ap_expkey 64 bytes apart in that order, temp_secret_size 68
 * bytes before hs_ckey, all within LEARN13_MAX_OFFSET of the session.
 * Pure code. */
#ifndef TLSDUMP_KEYFN_LEARN13_H
#define TLSDUMP_KEYFN_LEARN13_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEARN13_MAX_OFFSET 0x4000u /* as locate.c: a session field beyond is not one */
#define LEARN13_N 5                 /* the secrets of every handshake */

struct learn13 {
	uint64_t object;          /* the session being watched */
	int64_t off[LEARN13_N];   /* each secret's offset from it */
	unsigned seen;            /* bit per secret */
	unsigned size;            /* their size */
};

/* The index of a label among the LEARN13_N, or -1. */
int learn13_index(const char *label);
/* One key-log call (label, secret at secret_addr, size bytes) on session
 * object: 0 not decided yet, 1 the layout is accepted (*t13_off: hs_ckey's
 * offset), -1 it is refused (why says how). */
int learn13_event(struct learn13 *s, uint64_t object, const char *label,
		  uint64_t secret_addr, unsigned size, uint32_t *t13_off,
		  char *why, size_t wlen);
/* The decision on a complete set of offsets (learn13_event's). */
int learn13_judge(const int64_t off[LEARN13_N], unsigned size,
		  uint32_t *t13_off, char *why, size_t wlen);

#endif
