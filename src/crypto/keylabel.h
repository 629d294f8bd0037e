// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keylabel.h - the key log's labels ("CLIENT_RANDOM", ...) as text: the
 * one table of them, and the parse of key-log text that comes in (a
 * library's label string, a key log a library wrote: the calibration,
 * tests).  The writers make text from the same table (out/keytext.h).
 * The internal labels of crypto/keys.h have no text: never written,
 * never parsed.
 *
 * A line: "LABEL <client_random hex> <secret hex>\n", as read by
 * Wireshark and written by SSLKEYLOGFILE-aware libraries. */
#ifndef TLSDUMP_KEYLABEL_H
#define TLSDUMP_KEYLABEL_H

#include <stddef.h>

#include "crypto/keys.h"

/* The key-log text of a label; NULL for an internal label or a value
 * out of range. */
const char *keys_label_text(unsigned int label);
/* The same for logs: "internal" for an internal label, "UNKNOWN" for a
 * value out of range. */
const char *keys_label_name(unsigned int label);
/* The enum for a key-log label text; -EINVAL if unknown. */
int keys_label_parse(const char *name);

/* One line of len bytes (a trailing '\n' allowed), hex in either case.
 * 0, or -EINVAL (unknown label, bad lengths or digits). */
int keys_line_parse(const char *s, size_t len, struct keys_line *line);

#endif
