// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* renego.h - TCP flows whose TLS 1.2 (or older) handshake went out with
 * its keys, watched for a second handshake on the same connection (a
 * renegotiation, either side starting it).
 *
 * Record headers of TLS 1.2 are in clear: a handshake record (type 22)
 * is a HelloRequest or a ClientHello of a new handshake, encrypted under
 * the previous keys, once the flow carried application data (type 23),
 * or once its sender's handshake is over: it sent its ChangeCipherSpec
 * (type 20) and a handshake record after it (its Finished), as a client
 * that renegotiates at once does.  The records of a segment that starts
 * with one are walked as far as they are whole (the usual case for
 * handshake messages; a segment starting mid-record with such bytes, or
 * a Finished sent again alone, is a false alarm, which costs only a
 * hold).  TLS 1.3 has no renegotiation and shows every later record as
 * type 23.
 *
 * Each flow keeps what opens the renegotiation's ServerHello, encrypted
 * under the previous keys (crypto/verify.h, verify_reneg_hello), for
 * sources that do not give its server random and suite: the previous
 * session's client random, master secret, server random and suite
 * (wiped when the flow is forgotten).
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

/* The session before a renegotiation, as key lines' bytes. */
struct renego_prev {
	bool have; /* all of it known */
	uint8_t client_random[32];
	uint8_t master[48];
	uint8_t hello[34]; /* server random, suite (as KEYS_SERVER_HELLO) */
};

struct renego *renego_new(void);
/* The flow's handshake is done; client_is_a: the client is the key's
 * side a; prev: that handshake's session (may be NULL).  Adding it again
 * restarts its watch. */
void renego_add(struct renego *r, const struct seq_flow_key *k,
		bool client_is_a, const struct renego_prev *prev);
/* A TCP payload (maybe empty) of a flow not held, sent by the key's
 * side a or not: 1 when it starts a second handshake (the flow is
 * forgotten: the caller holds it), with *client_is_a and *prev; 0
 * otherwise. */
int renego_packet(struct renego *r, const struct seq_flow_key *k,
		  const uint8_t *pl, uint32_t n, bool src_is_a,
		  bool *client_is_a, struct renego_prev *prev);
/* What the flow carried before it was watched (its held packets, in
 * order): noted as renego_packet does, never a second handshake. */
void renego_note(struct renego *r, const struct seq_flow_key *k,
		 const uint8_t *pl, uint32_t n, bool src_is_a);
/* A new handshake in clear on the flow (its 4-tuple reused): forget it. */
void renego_forget(struct renego *r, const struct seq_flow_key *k);
void renego_free(struct renego *r);

#endif
