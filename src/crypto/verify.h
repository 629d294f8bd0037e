// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* verify.h - is a session's key right?  The proof: its first encrypted
 * records, as captured, open with the keys derived from its secrets (a
 * keys_set, crypto/keys.h; the AEAD tag checks).  A wrong offset profile
 * reads bytes that look like secrets (non-zero, plausible version and
 * cipher) but cannot pass this test.
 *
 *  TLS 1.3: the server's first encrypted record (EncryptedExtensions)
 *    with SERVER_HANDSHAKE_TRAFFIC_SECRET; and, when captured, the
 *    client's first one (its Finished) with CLIENT_HANDSHAKE_TRAFFIC_SECRET.
 *  TLS 1.2: the first record after a ChangeCipherSpec (the Finished
 *    message) of each side present, with the key block that the TLS PRF
 *    makes from the CLIENT_RANDOM master secret and both randoms.
 *  AEAD suites only: AES-GCM and ChaCha20-Poly1305 (TLS 1.3's three
 *  common suites; TLS 1.2's ECDHE/DHE/RSA GCM and ChaCha20 suites).  CBC
 *  and CCM suites cannot be decided (-ENOTSUP): their keys go out checked
 *  for plausibility only.
 *
 * The streams are the TCP payloads of each direction from the
 * ClientHello on, in order (what was captured so far). */
#ifndef TLSDUMP_VERIFY_H
#define TLSDUMP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct verify_streams {
	const uint8_t *cli; /* client -> server, from the ClientHello */
	size_t cli_len;
	const uint8_t *srv; /* server -> client */
	size_t srv_len;
};

struct keys_set;
struct keys_line;

enum verify_result {
	VERIFY_BAD = 0, /* a record does not open: the keys are wrong */
	VERIFY_OK = 1,  /* every record checked opened */
};

/* keys: the session's secrets (one client random).  final: no more
 * bytes will come, decide on what is there.  Returns VERIFY_OK,
 * VERIFY_BAD, -EAGAIN (the records needed are not captured yet),
 * -ENOTSUP (cannot be decided: suite, protocol, secrets missing or
 * streams that are not TLS), or -EIO (libcrypto failed). */
int verify_session(const struct verify_streams *st,
		   const struct keys_set *keys, bool final);

/* The same for a TLS 1.2 renegotiation: the streams start at its first
 * handshake record (encrypted under the previous keys), the server
 * random and suite come from the set's internal KEYS_SERVER_HELLO line
 * (its ServerHello is encrypted); each side's first record after its
 * ChangeCipherSpec must open.  Returns as verify_session (-ENOTSUP
 * without that line). */
int verify_renegotiation(const struct verify_streams *st,
			 const struct keys_set *keys);

/* Where the renegotiation's keys carry no KEYS_SERVER_HELLO (every
 * source but OpenSSL): its server random and suite (out, as that line's
 * 34 bytes), read from its ServerHello in the server's stream (from the
 * renegotiation's first record on), decrypted with the previous
 * session's keys: prev holds that session's CLIENT_RANDOM and
 * KEYS_SERVER_HELLO lines (crypto/rehello.c says how, per suite).  Not
 * proven: only verify_renegotiation with it proves it.  Returns 1 (out
 * set), -EAGAIN (not captured yet, unless final), -ENOENT (not there,
 * or not readable: ChaCha20 with the record's number out of range),
 * -ENOTSUP (prev's suite, lines, or streams that are not TLS), -EIO. */
int verify_reneg_hello(const struct verify_streams *st,
		       const struct keys_set *prev, bool final, uint8_t out[34]);

/* A ServerHello handshake message's fields, from len captured bytes of
 * it (m: its type byte first; the rest of its record need not be
 * there): 1 with hello (its random, then its suite's two bytes: as the
 * KEYS_SERVER_HELLO line), 0 a HelloRetryRequest (the real one
 * follows), -ENOTSUP not a ServerHello or too short. */
int verify_hello_fields(const uint8_t *m, size_t len, uint8_t hello[34]);

/* 0-RTT: the CLIENT_EARLY_TRAFFIC_SECRET line of a session whose set
 * holds its PSK's early secret (the internal KEYS_EARLY_SECRET line),
 * derived from the captured ClientHello and checked on the client's
 * first record after it (an early-data record, sequence number 0).
 * out: the line (its client random that of the internal line).  Returns
 * VERIFY_OK (out set), VERIFY_BAD (it does not open: drop it), -ENOENT
 * (no such line, or the ClientHello offered no early data: nothing to
 * write), -EAGAIN (records not captured yet, unless final), -ENOTSUP
 * (out set, but the check could not decide: suite, or no record). */
int verify_early(const struct verify_streams *st, const struct keys_set *keys,
		 bool final, struct keys_line *out);

#endif
