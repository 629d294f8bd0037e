// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* text.h - text mode's output: one record per chunk of plaintext a TLS
 * read or write moved, as readable text (a header line, then the data:
 * printable text as is, anything else as a hex dump) or as one JSON
 * object per line (-o json; data in base64).
 *
 * Header: TIME pid=P tid=T comm=C uid=U[ cgroup=PATH[ container=ID]] fd=F LOCAL -> REMOTE WRITE LIB N bytes
 * (READ shows LOCAL <- REMOTE); a chunk of a larger call adds
 * "[OFFSET-END of TOTAL]", and a call longer than what was copied says
 * "(N bytes cut)".  HTTP/2 frames are labelled. */
#ifndef TLSDUMP_TEXT_H
#define TLSDUMP_TEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sources/plain/plain.h"

enum text_format { TEXT_READABLE = 0, TEXT_JSON = 1 };

struct text_opts {
	enum text_format format;
	bool hex; /* --hex: every payload as a hex dump */
};

/* Who and where, resolved by the caller. */
struct text_meta {
	uint64_t wall_ns;  /* CLOCK_REALTIME of the event */
	const char *local; /* "127.0.0.1:443", "[::1]:443"; NULL = unknown */
	const char *remote;
	const char *cgroup; /* the process's cgroup v2 path; NULL = unknown */
	bool h2_conn;      /* the connection spoke HTTP/2 before: label
			    * pieces of frames (Go reads a frame's 9-byte
			    * header and its payload apart) */
};

/* Writes one record to out.  0 or -errno (EPIPE when the reader left). */
int text_write(FILE *out, const struct text_opts *o, const struct plain_event *e,
	       const uint8_t *data, const struct text_meta *m);

/* Helpers, exposed for tests. */
/* Is data text a reader can take as is (printable ASCII, tabs, line ends,
 * valid UTF-8)? */
bool text_is_printable(const uint8_t *data, size_t len);
/* Labels HTTP/2 in data (the connection preface and/or whole frames that
 * cover it exactly), e.g. "preface SETTINGS(0,18) HEADERS(1,35)"; false
 * when data is not HTTP/2. */
bool text_http2_label(const uint8_t *data, size_t len, char *out, size_t cap);
/* Standard base64 (RFC 4648) of data into out (4 * ceil(len / 3) + 1
 * bytes). */
void text_base64(const uint8_t *data, size_t len, char *out);

#endif
