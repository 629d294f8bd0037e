// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* renego.h - TCP flows whose TLS 1.2 (or older) handshake went out with
 * its keys, watched for a second handshake on the same connection (a
 * renegotiation, either side starting it).
 *
 * Record headers of TLS 1.2 are in clear: once a flow carried
 * application data (type 23), a segment that starts with a handshake
 * record (type 22) is a HelloRequest or a ClientHello of a new
 * handshake, encrypted under the previous keys.  Only segments that
 * start a record are seen (the usual case for a handshake message sent
 * on its own; a segment starting mid-record with those bytes is a false
 * alarm, which costs only a hold).  TLS 1.3 has no renegotiation and
 * shows every later record as type 23.
 *
 * Bounded: the newest RENEGO_CAP flows; adding to a full table forgets
 * the oldest. */
#ifndef TLSDUMP_RENEGO_H
#define TLSDUMP_RENEGO_H

#include <stdbool.h>
#include <stdint.h>

#include "join/sequencer.h"

#define RENEGO_CAP 4096

struct renego;

struct renego *renego_new(void);
/* The flow's handshake is done; client_is_a: the client is the key's
 * side a.  Adding it again restarts its watch. */
void renego_add(struct renego *r, const struct seq_flow_key *k,
		bool client_is_a);
/* A TCP payload (maybe empty) of a flow not held: 1 when it starts a
 * second handshake (the flow is forgotten: the caller holds it), with
 * *client_is_a; 0 otherwise. */
int renego_packet(struct renego *r, const struct seq_flow_key *k,
		  const uint8_t *pl, uint32_t n, bool *client_is_a);
/* A new handshake in clear on the flow (its 4-tuple reused): forget it. */
void renego_forget(struct renego *r, const struct seq_flow_key *k);
void renego_free(struct renego *r);

#endif
