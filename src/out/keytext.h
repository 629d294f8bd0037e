// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keytext.h - keys as NSS key-log text: the one place that knows the
 * format.  The writers make text here (out/keylog.c's lines, the pcapng
 * DSB's payload); everywhere else keys travel as data (crypto/keys.h).
 * The parse is for text that comes in: a library's label string, a key
 * log a library wrote (the calibration), tests.
 *
 * Format: "LABEL <client_random hex> <secret hex>\n", lowercase hex, as
 * read by Wireshark and written by SSLKEYLOGFILE-aware libraries.  The
 * internal labels of crypto/keys.h have no text: never written, never
 * parsed. */
#ifndef TLSDUMP_KEYTEXT_H
#define TLSDUMP_KEYTEXT_H

#include <stddef.h>

#include "crypto/keys.h"

/* Longest label (31) + 64 + 96 hex digits + 2 spaces + '\n' + NUL = 195. */
#define KEYS_LINE_MAX 195

/* "CLIENT_RANDOM", ...; "internal" for an internal label, "UNKNOWN" for a
 * value out of range (for logs). */
const char *keys_label_name(unsigned int label);
/* The enum for a key-log label text; -EINVAL if unknown. */
int keys_label_parse(const char *name);

/* Formats one line, '\n' included, NUL-terminated, into buf (size >=
 * KEYS_LINE_MAX always suffices).  Returns its length without the NUL,
 * -EINVAL for a bad or internal line, or -ENOSPC if buf is too small. */
int keys_line_format(const struct keys_line *line, char *buf, size_t size);
/* The written lines of n sets, one after the other, into buf (size >=
 * n * KEYS_SET_MAX * KEYS_LINE_MAX always suffices).  Their length (0:
 * none to write), or -ENOSPC. */
int keys_sets_format(const struct keys_set *sets, unsigned n, char *buf,
		     size_t size);
/* The other way: one line of len bytes (a trailing '\n' allowed), hex in
 * either case.  0, or -EINVAL (unknown label, bad lengths or digits). */
int keys_line_parse(const char *s, size_t len, struct keys_line *line);

#endif
