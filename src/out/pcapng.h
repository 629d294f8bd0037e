// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* pcapng.h - an opaque, streaming PCAP-NG writer (draft-ietf-opsawg-pcapng).
 *
 * No library writes PCAP-NG with Decryption Secrets Blocks, so this one is
 * ours.  Contract:
 *  - Blocks are assembled whole in a memory buffer and reach the file only
 *    whole: after any flush the file ends on a block boundary, so a reader
 *    (or a SIGKILL) never sees half a block.
 *  - The buffer goes out when it fills, on pcapng_flush(), and on close.
 *    The caller flushes on its 2 s timer (and per packet for -U).
 *  - On a short write (ENOSPC, EDQUOT) a regular file is cut back to the
 *    last complete block and the error is returned; the writer then refuses
 *    further writes (every call returns the same error).
 *  - Errors: 0 or -errno, pointers NULL with errno set (project convention).
 */
#ifndef TLSDUMP_PCAPNG_H
#define TLSDUMP_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

/* Link types we write (www.tcpdump.org/linktypes.html). */
#define PCAPNG_LINKTYPE_ETHERNET 1
#define PCAPNG_LINKTYPE_RAW 101
#define PCAPNG_LINKTYPE_LINUX_SLL2 276

/* epb_flags direction bits (spec 4.3.1). */
enum pcapng_dir { PCAPNG_DIR_UNKNOWN = 0, PCAPNG_DIR_IN = 1, PCAPNG_DIR_OUT = 2 };

struct pcapng_writer;

struct pcapng_section {
	const char *hardware; /* shb_hardware, e.g. "x86_64" (may be NULL) */
	const char *os;       /* shb_os, e.g. "Linux 6.18.44" (may be NULL) */
	const char *userappl; /* shb_userappl, e.g. "tlsdump 0.1.0" (may be NULL) */
};

struct pcapng_iface {
	const char *name;   /* if_name */
	const char *filter; /* if_filter as a libpcap string (NULL or "" = none) */
	uint16_t linktype;
	uint32_t snaplen;
};

/* Optional per-packet data; zero/NULL fields are not written. */
struct pcapng_pkt_opts {
	enum pcapng_dir dir;     /* epb_flags direction */
	const char *comment;     /* opt_comment */
	uint32_t pid, tid;       /* epb_processid_threadid when has_pid */
	int has_pid;
	/* Options already encoded by pcapng_encode_proc_opts (a multiple of
	 * 4 bytes): a packet stream whose options repeat encodes them once. */
	const void *raw;
	uint16_t raw_len;
};

#define PCAPNG_PROC_OPTS_MAX 384

struct pcapng_stats {
	uint64_t ts_ns;         /* time the counters were read, ns since epoch */
	uint64_t ifrecv;        /* isb_ifrecv: packets seen on the interface */
	uint64_t ifdrop;        /* isb_ifdrop: dropped by us (ring full, ...) */
	uint64_t filteraccept;  /* isb_filteraccept: accepted by the filter */
	uint64_t usrdeliv;      /* isb_usrdeliv: written to this file */
};

/* Takes ownership of fd (closed by pcapng_close); on failure (NULL) the
 * fd stays the caller's.  Writes the SHB into the
 * buffer.  bufsize 0 = default (1 MiB).  A block whose data exceeds a
 * quarter of the buffer goes out at once, with one writev() from the
 * caller's memory. */
struct pcapng_writer *pcapng_open_fd(int fd, const struct pcapng_section *shb,
				     size_t bufsize);
/* Appends an IDB; returns the interface id (>= 0) or -errno. */
int pcapng_add_iface(struct pcapng_writer *w, const struct pcapng_iface *ifc);
/* Appends an EPB, the packet given in two pieces (e.g. a synthesized link
 * header and the payload; body may be NULL with bodylen 0): the EPB's data
 * is head followed by body, headlen + bodylen bytes.  origlen is the
 * length on the wire (>= that).  ts_ns: nanoseconds since the epoch
 * (if_tsresol 9). */
int pcapng_write_packet2(struct pcapng_writer *w, int iface, uint64_t ts_ns,
			 const void *head, uint32_t headlen, const void *body,
			 uint32_t bodylen, uint32_t origlen,
			 const struct pcapng_pkt_opts *opts);
/* Encodes opt_comment = comment and epb_processid_threadid = pid, tid
 * into out (for pcapng_pkt_opts.raw); returns the length, 0 when it does
 * not fit or the comment is empty. */
size_t pcapng_encode_proc_opts(uint8_t *out, size_t size, const char *comment,
			       uint32_t pid, uint32_t tid);
/* Appends a DSB of type TLS key log (0x544c534b) holding len bytes of
 * NSS key-log lines. */
int pcapng_write_tls_secrets(struct pcapng_writer *w, const char *lines,
			     size_t len);
/* The same for the keys of n sessions (crypto/keys.h): the DSB's text
 * is made here, without the internal lines; no block when no line is
 * left.  0 or -errno. */
struct keys_set;
int pcapng_write_tls_keys(struct pcapng_writer *w, const struct keys_set *sets,
			  unsigned n);
/* Appends an ISB for iface. */
int pcapng_write_stats(struct pcapng_writer *w, int iface,
		       const struct pcapng_stats *st);
/* Writes out every buffered block. */
int pcapng_flush(struct pcapng_writer *w);
/* Bytes of the file once the buffer is out: what -C measures. */
uint64_t pcapng_size(const struct pcapng_writer *w);
/* Bytes of complete blocks handed to the file so far. */
uint64_t pcapng_bytes_written(const struct pcapng_writer *w);
/* Packets (EPBs) among those complete blocks: what a reader will find. */
uint64_t pcapng_packets_written(const struct pcapng_writer *w);
/* Flushes, closes the fd, frees.  Returns the first error seen, or 0. */
int pcapng_close(struct pcapng_writer *w);

#endif
