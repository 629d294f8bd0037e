// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* flowkeys.h - keys in every rotated file.
 *
 * With -C/-G the capture goes into a series of files, and each must
 * decrypt on its own: the DSB of every TLS session whose packets a file
 * holds must come before those packets in that file, also when the
 * session's handshake (and its first DSB) was in an earlier file.
 *
 * The keys alone are not enough: a TLS reader (Wireshark) learns a
 * session's client random and cipher suite from its handshake, and the
 * AEAD nonce of each record from the number of records before it in that
 * direction (RFC 8446 5.3; TLS 1.2 puts it in the AAD), so it cannot
 * start in the middle of a connection.  A flow's packets that carry
 * payload, from its ClientHello on, are therefore kept too, and a new
 * file gets them again ("carried over") after the keys and before the
 * flow's first new packet.
 *
 * The writer tells this module what it writes: every DSB's keys
 * (flowkeys_dsb) and every packet (flowkeys_packet), and when a new file
 * starts (flowkeys_next_file).  It keeps, per client random, the keys
 * written so far (as data: crypto/keys.h) and the file they last went into, and per TCP flow the
 * client randoms of its sessions (learned from the ClientHello the
 * packet carries) and its history.
 *
 * Memory is bounded: a flow is forgotten with its keys and history when
 * it ends (RST, or FIN from both sides); at most max_flows flows (the
 * least recently seen go first) and max_flows sessions with no flow yet
 * are kept; a flow's history stops at FLOWKEYS_HISTORY_FLOW bytes and all
 * histories at FLOWKEYS_HISTORY_ALL (that flow then decrypts only in the
 * file that holds its handshake; -vv counts them). */
#ifndef TLSDUMP_FLOWKEYS_H
#define TLSDUMP_FLOWKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "proc/conn.h"

#define FLOWKEYS_HISTORY_FLOW (4u << 20)
#define FLOWKEYS_HISTORY_ALL (64u << 20)

struct flowkeys;
struct seq_packet;
struct keys_set;

/* A packet as the file holds it: data is head and body together; ts_ns
 * is the file's timestamp. */
struct flowkeys_pkt {
	int iface;
	int dir;
	uint64_t ts_ns;
	uint32_t len, origlen;
	const uint8_t *data;
	const struct conn_owner *owner; /* NULL: unknown */
};

/* What to write ahead of a packet: the keys (a DSB), then its flow's
 * earlier packets.  0 or -errno (then nothing more is written). */
struct flowkeys_out {
	/* the keys of n sessions, as one DSB */
	int (*dsb)(void *ctx, const struct keys_set *sets, unsigned n);
	int (*carry)(void *ctx, const struct flowkeys_pkt *p);
	void *ctx;
};

struct flowkeys_stats {
	uint64_t reemitted; /* sessions whose keys were written again */
	uint64_t flows;     /* flows now known */
	uint64_t ended;     /* flows forgotten because they ended */
	uint64_t evicted;   /* flows or sessions forgotten for room */
	uint64_t carried;   /* packets written again into a later file */
	uint64_t too_long;  /* flows whose history went past the bounds */
};

struct flowkeys *flowkeys_new(unsigned max_flows);
void flowkeys_free(struct flowkeys *fk);
/* The next file starts: every session's keys are to be written again
 * before its flow's next packet. */
void flowkeys_next_file(struct flowkeys *fk);
/* A DSB's keys (one session's) about to go into the current file.
 * *out is what to write instead: these keys and, for a session whose
 * earlier lines are not in this file yet, those first.  0 or -ENOMEM. */
int flowkeys_dsb(struct flowkeys *fk, const struct keys_set *keys,
		 struct keys_set *out);
/* A packet about to go into the current file (p->ip: its IP header;
 * ts_ns: its timestamp in the file).  When it is its flow's first in
 * this file, out's callbacks get the flow's keys and earlier packets
 * first.  0, -ENOMEM or a callback's error. */
int flowkeys_packet(struct flowkeys *fk, const struct seq_packet *p,
		    uint64_t ts_ns, const struct flowkeys_out *out);
void flowkeys_get_stats(const struct flowkeys *fk, struct flowkeys_stats *st);

#endif
