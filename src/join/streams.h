// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* streams.h - the two TCP byte streams of a captured TLS connection, put
 * back together from its packets (for the key check, tls/verify.h).
 *
 * The first packet given is the one with the ClientHello: its sender is
 * the client, and its payload starts the client's stream.  The server's
 * stream starts at the lowest sequence number it sent.  Segments are
 * ordered by sequence number; retransmitted and overlapping bytes are
 * taken once; a stream stops at its first gap (a packet not captured, or
 * not yet).  IPv4 (not fragmented) and IPv6 without extension headers;
 * other packets are ignored. */
#ifndef TLSDUMP_STREAMS_H
#define TLSDUMP_STREAMS_H

#include <stddef.h>
#include <stdint.h>

struct streams {
	uint8_t *cli, *srv; /* malloc'd; NULL when empty */
	size_t cli_len, srv_len;
};

/* pkts[i]/lens[i]: IP packets (header first) in capture order; cap:
 * the most bytes kept per stream.  0 or -ENOMEM; st is always valid to
 * streams_free. */
int streams_build(const uint8_t *const *pkts, const uint32_t *lens,
		  size_t n, size_t cap, struct streams *st);
void streams_free(struct streams *st);

#endif
