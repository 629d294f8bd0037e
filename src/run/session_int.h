// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* session_int.h - the state of one run, shared by session.c (the
 * outline and the packet path), session_tls.c (the TLS secrets) and
 * text_run.c (text mode). */
#ifndef TLSDUMP_SESSION_INT_H
#define TLSDUMP_SESSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "packets/ifset.h"
#include "proc/conn.h"
#include "proc/privdrop.h"
#include "out/rotate.h"
#include "packets/tc.h"

#define POLL_MS 10      /* ring poll: records are not woken per packet */
#define POLL_IDLE_MS 320 /* the poll's period after idle rounds (loop_poll) */
#define TICK_MS 2000    /* flush, clock, -v progress, new TLS libraries */

struct filter;
struct capture;
struct pcapng_writer;
struct loop;
struct sequencer;
struct session_tls;
struct run_sources;
struct text_run;
struct proc;
struct cgcache;
struct cmdrun;
struct proctree;

/* An interface of the file (its interface id is its index in s->si.ifs
 * and s->ifx): the kernel slot it holds while it is there. */
struct session_if {
	uint64_t written;       /* EPBs in the current file */
	int slot;               /* -1: gone, the slot given back */
	struct cap_stats kept;  /* the slot's counts when it was given back */
};

struct session {
	const struct config *cfg;
	bool pcap;          /* packets into a pcapng file */
	bool tls;           /* TLS secrets (into the pcapng and/or key log) */
	bool text;          /* -m text: plaintext, no packets, no secrets */
	struct ifset si;
	struct filter *filters[IFSET_N_DLT];
	struct capture *cap;
	struct pcapng_writer *w;
	struct sequencer *seq; /* keys before packets (when pcap && tls) */
	struct session_tls *t;
	struct run_sources *srcs; /* the key or plaintext sources */
	struct text_run *tx;      /* -m text */
	struct proc *proc;  /* process attribution (NULL: --no-proc) */
	struct cgcache *cgnames; /* cgroup ids -> paths, for the comments */
	struct conn_owner last_owner; /* the options below are this one's */
	uint8_t last_opts[384];       /* comment + pid/tid, encoded (PCAPNG_PROC_OPTS_MAX) */
	uint16_t last_opts_len;
	struct loop *loop;
	int64_t clock_off;
	uint64_t written;   /* handed to the writer */
	struct session_if *ifx;  /* per interface id, s->si.cap of them */
	/* kernel slots (session_slots.c): who holds each, its counts then */
	int slot_if[TC_MAX_IFACES];              /* interface id, -1: free */
	struct cap_stats slot_base[TC_MAX_IFACES];
	int werr; /* first write error */
	/* interfaces that come and go (session_links.c) */
	struct linkwatch *lw;
	int ffd[IFSET_N_DLT][2]; /* filter programs per (DLT, direction), -1 */
	bool noiface;            /* stopped: no interface left */
	/* -- CMD (session_cmd.c) */
	struct cmdrun *cmd;
	struct proctree *tree;
	int cmd_status;
	/* the capture file(s): session_file.c */
	char fname[4096];        /* the current file */
	struct rotation rot;     /* -C, -G, -W */
	struct flowkeys *fk;     /* keys in every file (when rotating) */
	struct postrotate *pz;   /* -z */
	uint64_t in_files;       /* EPBs in the files closed so far */
	uint64_t carried;        /* EPBs among them carried over again */
	uint64_t carried_bytes;  /* of the current file: carried over */
	bool werr_said;          /* the write error's line is out already */
	bool limit_said;         /* -G -W: the last file is done */
	struct privdrop drop;    /* -Z */
};


/* session_file.c: the capture file, or the series of them (-C, -G).
 * Exit codes from start; 0 or -errno from the others (s->werr set). */
int session_file_start(struct session *s);
/* Before each packet: rotation, and the keys the packet's flow needs in
 * this file (a DSB). */
struct seq_packet;
int session_file_before_packet(struct session *s, const struct seq_packet *p);
/* A DSB of a session's keys (the writer leaves the internal lines out). */
struct keys_set;
int session_file_dsb(struct session *s, const struct keys_set *keys);
/* ISBs, flush, close, -z on it; the packets it holds join s->in_files. */
int session_file_close(struct session *s);
/* -vv counters; frees (the file must be closed). */
void session_file_free(struct session *s);

/* session_slots.c: the kernel's per-interface slots (TC_MAX_IFACES, in
 * the packet records and the counters) and the file's interface ids,
 * which only grow: an interface that comes later gets a new id and a
 * free slot, one that goes away keeps its id and gives its slot back.
 * Starts with interface i in slot i; 0 or -ENOMEM. */
int session_slots_start(struct session *s);
/* Appends ifc as a new interface id: the id, or -ENOMEM. */
int session_if_append(struct session *s, const struct iface *ifc);
/* A free slot, or -1. */
int session_slot_free(const struct session *s);
/* Interface id gets slot (from now on its counts start from the slot's
 * present ones). */
void session_slot_take(struct session *s, int id, int slot);
/* Interface id went away: its counts kept, its table entry and
 * attachments gone, its slot free. */
void session_slot_give(struct session *s, int id);
/* The kernel's counts of interface id (0 or -errno). */
int session_if_stats(const struct session *s, int id, struct cap_stats *out);
/* The interface id of a packet record, or -1: the slot's holder when
 * the ifindex is its own, else the gone interface with that ifindex (a
 * record still in the ring when its slot went to another interface). */
int session_slot_if(const struct session *s, const struct cap_pkt *h);

/* session_tls.c: start the key sources (into s->srcs), route their keys
 * into the pcapng (DSB) and the key-log file.  Return exit codes. */
int session_tls_start(struct session *s);
/* Every 2 s: 0, or the key log's write error (the run stops on it). */
int session_tls_tick(struct session *s);
/* Prints the TLS part of the summary; closes.  The exit status of the
 * key log: 0, or EXIT_DISKFULL / EXIT_OUTPUT after one line on a write
 * error (then no key summary: it would count lines the file misses). */
int session_tls_stop(struct session *s);
struct streams;
/* The sequencer's key check (seq_check_fn): crypto/verify.h's, through the
 * secrets, which stop a source whose keys fail it. */
int session_tls_check(void *ctx, const uint8_t cr[32],
		      const struct streams *st, struct keys_set *keys,
		      unsigned flags, bool final);
bool session_tls_wants_check(void *ctx, const uint8_t cr[32],
			     const struct keys_set *keys);
/* The sequencer's reading of a renegotiation's ServerHello
 * (seq_hello_fn): crypto/verify.h's verify_reneg_hello. */
int session_tls_reneg_hello(void *ctx, const struct streams *st,
			    const struct keys_set *prev, bool final,
			    uint8_t out[34]);
/* session_proc.c: process attribution.  Loads and seeds it, fills *cp
 * for the capture program; exit code. */
struct capture_proc;
int session_proc_start(struct session *s, struct capture_proc *cp);
/* The packet's comment and pid/tid options. */
struct pcapng_pkt_opts;
struct seq_packet;
void session_proc_opts(struct session *s, const struct seq_packet *p,
		       struct pcapng_pkt_opts *po);
/* -vv: what the flow table did; closes. */
void session_proc_stop(struct session *s);


#endif
