// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* keytext.h - keys as NSS key-log text, written: the one place keys
 * become text.  The writers make it here (out/keylog.c's lines, the
 * pcapng DSB's payload); everywhere else keys travel as data
 * (crypto/keys.h).  The labels' text, and the parse of text that comes
 * in, are crypto/keylabel.h's.
 *
 * Format: "LABEL <client_random hex> <secret hex>\n", lowercase hex.  The
 * internal labels of crypto/keys.h have no text: never written. */
#ifndef TLSDUMP_KEYTEXT_H
#define TLSDUMP_KEYTEXT_H

#include <stddef.h>

#include "crypto/keys.h"

/* Longest label (31) + 64 + 96 hex digits + 2 spaces + '\n' + NUL = 195. */
#define KEYS_LINE_MAX 195

/* Formats one line, '\n' included, NUL-terminated, into buf (size >=
 * KEYS_LINE_MAX always suffices).  Returns its length without the NUL,
 * -EINVAL for a bad or internal line, or -ENOSPC if buf is too small. */
int keys_line_format(const struct keys_line *line, char *buf, size_t size);
/* The written lines of n sets, one after the other, into buf (size >=
 * n * KEYS_SET_MAX * KEYS_LINE_MAX always suffices).  Their length (0:
 * none to write), or -ENOSPC. */
int keys_sets_format(const struct keys_set *sets, unsigned n, char *buf,
		     size_t size);

#endif
