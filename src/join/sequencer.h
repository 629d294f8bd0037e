// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* sequencer.h - keys before packets.
 *
 * Wireshark uses a TLS secret only if its DSB comes before the packet
 * where the key is first needed, and never looks back
 * (docs/pcapng.md).  A TLS 1.3 client has its handshake
 * secret only after the ServerHello is on the wire, so a streaming writer
 * must hold a flow back: from the packet that carries its ClientHello
 * (client random read from the captured bytes) until the keys for that
 * client random are complete in the file, or until hold_ns passed; then
 * its packets follow, in their order.  Packets of other flows are not
 * held.  Held packets are copies (bounded by max_bytes: past it the
 * oldest held flow goes out first).
 *
 * A held flow's keys go out with it, as one DSB ahead of its packets,
 * once they are complete and the check (seq_set_check) passed: a check
 * that refuses them (they do not open the captured records) keeps them
 * out of the file.  A check that needs packets not yet captured holds
 * the flow on, up to hold_ns.
 *
 * Keys go into the file (as DSBs, through dsb_fn) only for sessions whose
 * ClientHello is in the capture: a file filtered to one port must not
 * carry the secrets of every other TLS session on the host.  Keys that
 * come before their ClientHello is seen wait up to hold_ns for it, then
 * are dropped from the file. */
#ifndef TLSDUMP_SEQUENCER_H
#define TLSDUMP_SEQUENCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc/conn.h"

struct sequencer;

/* A packet as the file will hold it (link header head + body). */
struct seq_packet {
	int iface;
	uint64_t ts_ns;
	const uint8_t *head;
	uint32_t headlen;
	const uint8_t *body;
	uint32_t bodylen;
	uint32_t origlen;
	int dir;
	/* The process behind it (NULL: unknown); like head and body, valid
	 * during the call (a held packet keeps its own copy). */
	const struct conn_owner *owner;
	/* Its IP header and what follows, as captured (NULL: none); a held
	 * packet's points into its copy.  For the writer's own use (rotated
	 * files follow flows: join/flowkeys.h). */
	const uint8_t *ip;
	uint32_t iplen;
};

typedef int (*seq_write_fn)(void *ctx, const struct seq_packet *p);
struct streams;
struct keys_set;
/* Are these keys right for what the flow carried (join/streams.h)?  1
 * write them, 0 drop them, -EAGAIN not decided yet (unless final: no
 * more packets will come).  keys may grow (lines the check derives from
 * the captured bytes).
 * flags SEQ_CHECK_RENEG: the flow is a renegotiation (its handshake
 * started encrypted) and these keys, of a session never seen in
 * clear, a candidate for it: 1 they are its keys, 0 they are not. */
#define SEQ_CHECK_RENEG 1u
typedef int (*seq_check_fn)(void *ctx, const uint8_t cr[32],
			    const struct streams *st, struct keys_set *keys,
			    unsigned flags, bool final);
/* A renegotiation's server random and suite (out: 34 bytes, as the
 * internal KEYS_SERVER_HELLO line), read from the flow's streams with the
 * previous session's keys (prev: its CLIENT_RANDOM and KEYS_SERVER_HELLO
 * lines), for keys that come without them: 1 read, -EAGAIN not captured
 * yet (unless final), another negative value: cannot be read. */
typedef int (*seq_hello_fn)(void *ctx, const struct streams *st,
			    const struct keys_set *prev, bool final,
			    uint8_t out[34]);
/* Whether these keys are to be checked at all (false: they go out as
 * they are, and the flow's bytes are not even put together). */
typedef bool (*seq_wants_fn)(void *ctx, const uint8_t cr[32],
			     const struct keys_set *keys);
/* Writes a session's keys as a DSB (the writer makes the text and
 * leaves out the internal lines). */
typedef int (*seq_dsb_fn)(void *ctx, const struct keys_set *keys);

struct seq_stats {
	uint64_t held;       /* packets that waited */
	uint64_t released;   /* flows let go because their keys came */
	uint64_t timed_out;  /* flows let go by the timeout */
	uint64_t overflow;   /* flows let go early: max_bytes reached */
	uint64_t keys_dropped; /* key batches of sessions not captured */
	uint64_t keys_refused; /* sessions whose keys the check refused */
};

struct sequencer *seq_new(uint64_t hold_ns, size_t max_bytes,
			  seq_write_fn fn, seq_dsb_fn dsb, void *ctx);
/* A packet; ip/iplen: its IP header and what follows, as captured (NULL
 * when it has none).  Writes it at once or holds it.  0 or the write
 * callback's error. */
int seq_packet(struct sequencer *s, const struct seq_packet *p,
	       const uint8_t *ip, uint32_t iplen, uint64_t now_ns);
/* New keys of the session with client random cr (a keys_set: data).
 * With the flow held, they join its keys; when its packets went out
 * already, they are written as a DSB at once; before its ClientHello is
 * captured, they wait for it (or are dropped).  complete: all lines the
 * session needs; its flow goes out after them. */
int seq_keys(struct sequencer *s, const uint8_t cr[32],
	     const struct keys_set *keys, bool complete, uint64_t now_ns);
/* Sets the key check (none: keys go out unchecked); wants may be NULL
 * (every session is checked). */
void seq_set_check(struct sequencer *s, seq_check_fn check,
		   seq_wants_fn wants);
/* Sets the reading of a renegotiation's ServerHello (none: only keys
 * that bring KEYS_SERVER_HELLO can prove a renegotiation). */
void seq_set_reneg_hello(struct sequencer *s, seq_hello_fn hello);
/* Whether nothing is held and no keys wait: no timeout can fall due. */
bool seq_idle(const struct sequencer *s);
/* Lets go of flows held longer than hold_ns. */
int seq_tick(struct sequencer *s, uint64_t now_ns);
/* Writes out everything held (at exit). */
int seq_drain(struct sequencer *s);
void seq_get_stats(const struct sequencer *s, struct seq_stats *out);
void seq_free(struct sequencer *s);

/* Exposed for tests: the client random of a ClientHello at the start of
 * a TCP payload, from an IP packet.  Fills the canonical flow key.
 * Returns 1 (ClientHello), 0 (TCP, not one), -1 (not TCP/too short). */
struct seq_flow_key {
	uint8_t a[16], b[16]; /* addresses, the lower first */
	uint16_t pa, pb;      /* their ports */
	uint8_t v6;
	uint8_t pad[3];
};
int seq_parse(const uint8_t *ip, uint32_t len, struct seq_flow_key *key,
	      uint8_t cr[32]);
/* seq_parse, and what else the TCP header says. */
struct seq_tcp_info {
	bool from_a;      /* the sender is the key's side a */
	uint8_t flags;    /* FIN 0x01, SYN 0x02, RST 0x04, ... */
	uint32_t payload; /* bytes of TCP payload captured */
};
int seq_parse_tcp(const uint8_t *ip, uint32_t len, struct seq_flow_key *key,
		  uint8_t cr[32], struct seq_tcp_info *ti);

#endif
