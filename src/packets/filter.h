// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* filter.h - tcpdump filter expressions compiled by libpcap, translated
 * from classic BPF to eBPF and loaded as a tiny sched_cls program.
 *
 * The loaded program never changes the verdict other tc filters see: it
 * always returns TC_ACT_UNSPEC (TCX_NEXT).  On a match it tail-calls
 * slot `slot` of the PROG_ARRAY `prog_array_fd` (the capture program).
 * Packet loads use bpf_skb_load_bytes, so an out-of-bounds load is a
 * "no match", never the TC_ACT_OK an LD_ABS fault would return.
 *
 * This is the only file that includes pcap headers. */
#ifndef TLSDUMP_FILTER_H
#define TLSDUMP_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct filter;

enum filter_dir { FILTER_INGRESS = 0, FILTER_EGRESS = 1 };

/* Compiles expr ("" or NULL = everything) for a DLT (DLT_EN10MB=1,
 * DLT_RAW=12) and snaplen, as for a live capture on ifname when we may
 * open one (libpcap then tests VLAN tags in the skb's metadata, where TC
 * has them, instead of in the bytes); ifname NULL, or one we cannot open,
 * compiles for the bytes.  On a bad expression returns -EINVAL with
 * libpcap's message in err.  *out is freed with filter_free. */
int filter_compile_on(struct filter **out, const char *expr,
		      const char *ifname, int dlt, uint32_t snaplen, char *err,
		      size_t errlen);
/* Translates and loads the program for one direction (the direction is
 * known per attached program: it answers libpcap's inbound/outbound
 * ancillary loads).  Returns the program fd or -errno: -EINVAL for a
 * malformed classic program, -EOPNOTSUPP for an ancillary load tc cannot
 * answer, -E2BIG for a jump too far, else the kernel's error.  The reason
 * (translation message or verifier log) goes into log (may be NULL; the
 * kernel wants >= 128 bytes for its log). */
int filter_load(const struct filter *f, enum filter_dir dir,
		int prog_array_fd, int slot, char *log, size_t loglen);
struct bpf_insn;
/* Test support (tests/fuzz/fuzz_filter.c): what filter_load would load,
 * not loaded: 0 and a malloc'd program of *n eBPF instructions, or
 * filter_load's translation errors. */
int filter_translate(const struct filter *f, enum filter_dir dir,
		     struct bpf_insn **out, size_t *n, char *log, size_t loglen);
/* Number of classic BPF instructions (-vv). */
size_t filter_insn_count(const struct filter *f);
/* The classic program one instruction a line, as tcpdump -d prints it
 * (-d; tests/bpf/test_filter.c prints it on a mismatch). */
int filter_dump(const struct filter *f, FILE *out);
void filter_free(struct filter *f);
/* libpcap's version string, for --version. */
const char *filter_lib_version(void);

/* One classic BPF instruction, laid out as libpcap's and the kernel's
 * (struct sock_filter); for programs written by hand (tests). */
struct filter_cbpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/* Wraps a hand-written classic program (copied) as a filter for dlt.
 * Returns 0 or -EINVAL (empty).  Checks happen in filter_load. */
int filter_from_cbpf(struct filter **out, const struct filter_cbpf_insn *insns,
		     size_t n, int dlt);
/* Test support (libpcap stays confined to filter.c):
 * libpcap's own verdict for one packet (pcap_offline_filter): 1 match,
 * 0 no match.  The reference the kernel program is tested against;
 * libpcap answers Linux ancillary loads (inbound, ifindex) with 0. */
int filter_offline_match(const struct filter *f, const uint8_t *pkt,
			 uint32_t caplen, uint32_t wirelen);

#endif
